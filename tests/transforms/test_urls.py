import pytest

from newslake.transforms.urls import canonical_url, resolve_canonical


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Example.COM:443/a/B?x=1#top", "https://www.example.com/a/B?x=1"),
        ("http://example.com:80", "http://example.com/"),
        ("http://example.com:8080/p", "http://example.com:8080/p"),
        ("https://e.example/s?utm_source=tw&id=7&fbclid=abc&gclid=z", "https://e.example/s?id=7"),
        ("https://e.example/s?b=2&a=1", "https://e.example/s?b=2&a=1"),
        ("file:///tmp/a%20b.html", "file:///tmp/a%20b.html"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_relative_canonical_resolves_against_the_page():
    assert resolve_canonical("https://e.example/news/a?utm_medium=x", "/news/a") == (
        "https://e.example/news/a"
    )


def test_canonical_of_a_file_page_must_be_a_web_url():
    assert resolve_canonical("file:///tmp/a.html", "/news/a") is None
    assert resolve_canonical("file:///tmp/a.html", "https://e.example/a") == "https://e.example/a"
    assert resolve_canonical("https://e.example/a", None) is None
