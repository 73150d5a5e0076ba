import pytest

from newslake.transforms.outlets import registered_domain, resolve_outlet


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
        ("https://edition.cnn.com/2026/03/05/x", "cnn.com"),
        ("http://news.example.com.au/a", "example.com.au"),
        ("https://www.harbourgazette.example/a", "harbourgazette.example"),
        ("https://www.xn--caf-dma.fr/a", "xn--caf-dma.fr"),
        ("file:///tmp/a.html", None),
    ],
)
def test_registered_domain_from_the_bundled_suffix_list(url, expected):
    assert registered_domain(url) == expected


def test_web_pages_are_their_registered_domain_unless_configured():
    url = "https://amp.gazette.co.uk/a"
    assert (
        resolve_outlet(None, "The Gazette", url, "https://www.gazette.co.uk/a") == "gazette.co.uk"
    )
    assert resolve_outlet("Gazette Group", "The Gazette", url, None) == "Gazette Group"


def test_local_files_are_their_site_name_else_their_canonical_domain():
    path = "file:///data/a.html"
    assert resolve_outlet(None, "  La Voz de la  Bahía ", path, None) == "La Voz de la Bahía"
    assert resolve_outlet(None, None, path, "https://www.ejemplo.com.mx/x") == "ejemplo.com.mx"
    assert resolve_outlet(None, None, path, None) is None
