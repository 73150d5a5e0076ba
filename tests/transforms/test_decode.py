import pytest

from newslake.transforms.decode import decode_body, refuse_binary
from newslake.transforms.errors import BadContentType, EmptyInput

LATIN1_PAGE = "<html><body><p>Caf\u00e9 cr\u00e8me \u00e0 la gare, 12 \u00b0C</p></body></html>"


def test_utf8_without_declaration_decodes_as_utf8():
    text, charset = decode_body("Smørrebrød — “quoted”".encode())
    assert text == "Smørrebrød — “quoted”"
    assert charset == "utf-8"


def test_latin1_page_without_any_charset_comes_out_as_correct_text():
    text, charset = decode_body(LATIN1_PAGE.encode("latin-1"))
    assert "Café crème à la gare, 12 °C" in text
    assert charset != "utf-8"


def test_declared_charset_wins_over_guessing():
    body = "naïve".encode("cp1252")
    assert decode_body(body, "windows-1252") == ("naïve", "cp1252")


def test_meta_charset_is_read_from_the_page():
    body = '<meta charset="iso-8859-1"><p>Jos\u00e9</p>'.encode("latin-1")
    text, charset = decode_body(body)
    assert "José" in text
    assert charset == "cp1252"


def test_unknown_declared_charset_is_ignored():
    assert decode_body(b"plain", "no-such-charset")[0] == "plain"


def test_utf8_bom_is_stripped():
    assert decode_body(b"\xef\xbb\xbfhello")[0] == "hello"


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_body_is_refused(body):
    with pytest.raises(EmptyInput):
        decode_body(body)


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "gzip"),
        (b"abc\x00def" * 10, "NUL"),
        (bytes(range(1, 9)) * 50, "control"),
    ],
)
def test_binary_content_is_refused_with_its_kind(body, kind):
    with pytest.raises(BadContentType, match=kind):
        refuse_binary(body)


def test_text_with_tabs_and_newlines_is_not_binary():
    refuse_binary(b"line one\n\tline two\r\n" * 100)
