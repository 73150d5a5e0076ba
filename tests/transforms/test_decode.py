"""Decoding by the HTML Standard's encoding sniffing: cases written from the standard's text
(the Encoding Standard's label table, the `<meta>` prescan, the XML declaration) and a near
miss for each rule."""

import pytest

from newslake.transforms.decode import (
    PRESCAN_BYTES,
    RULES,
    decode_as,
    decode_body,
    encoding_for_label,
    page_tld,
    prescan,
    refuse_binary,
    without_xml_declaration,
)
from newslake.transforms.errors import BadContentType, EmptyInput

LATIN1_PAGE = "<html><body><p>Caf\u00e9 cr\u00e8me \u00e0 la gare, 12 \u00b0C</p></body></html>"
ZURICH = (
    "<html><body><p>Wir trafen uns im Café am See in Zürich. Die Straße war nass, "
    "aber die Stimmung war gut, und niemand wollte früh nach Hause gehen.</p></body></html>"
)


# ---- the label table (Encoding Standard, "get an encoding") ----


@pytest.mark.parametrize(
    ("label", "encoding"),
    [
        ("utf-8", "UTF-8"),
        ("UTF8", "UTF-8"),
        ("unicode-1-1-utf-8", "UTF-8"),
        ("latin1", "windows-1252"),
        ("ISO-8859-1", "windows-1252"),
        ("us-ascii", "windows-1252"),
        ("ascii", "windows-1252"),
        ("iso-8859-9", "windows-1254"),
        ("tis-620", "windows-874"),
        ("x-sjis", "Shift_JIS"),
        ("windows-31j", "Shift_JIS"),
        ("gb2312", "GBK"),
        ("GB18030", "gb18030"),
        ("big5-hkscs", "Big5"),
        ("ks_c_5601-1987", "EUC-KR"),
        ("koi8", "KOI8-R"),
        ("koi8-ru", "KOI8-U"),
        ("l9", "ISO-8859-15"),
        ("utf-16", "UTF-16LE"),
        ("unicodefffe", "UTF-16BE"),
        ("iso-2022-kr", "replacement"),
        ("  \tcp1251\n", "windows-1251"),  # ASCII whitespace around a label is ignored
    ],
)
def test_labels_resolve_by_the_encoding_standard_table(label, encoding):
    assert encoding_for_label(label) == encoding


@pytest.mark.parametrize("label", ["", "utf-7", "latin-1", "iso8859_1", "utf 8", "x-unknown"])
def test_labels_outside_the_table_name_no_encoding(label):
    # Near misses: Python's codec aliases (latin-1, iso8859_1) are not web labels.
    assert encoding_for_label(label) is None


# ---- the prescan (HTML Standard, "prescan a byte stream to determine its encoding") ----


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b'<meta charset="koi8-r">', ("KOI8-R", "meta")),
        (b"<META CHARSET=Shift_JIS>", ("Shift_JIS", "meta")),
        (b"<meta charset='euc-kr'/>", ("EUC-KR", "meta")),
        (b"<meta/charset=big5>", ("Big5", "meta")),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">',
            ("windows-1250", "meta"),
        ),
        (  # attribute order does not matter; the pragma may come after the content
            b"<meta content='text/html;charset=\"iso-8859-2\"' http-equiv=content-type>",
            ("ISO-8859-2", "meta"),
        ),
        (
            b'<meta content="text/html; charset = gb2312" http-equiv="Content-Type">',
            ("GBK", "meta"),
        ),
        (  # the first `charset` in content without "=" is skipped, the next one is read
            b'<meta http-equiv=content-type content="charsetx; charset=euc-jp">',
            ("EUC-JP", "meta"),
        ),
        # a utf-16 label in <meta> means UTF-8: bytes read as ASCII are not UTF-16
        (b'<meta charset="utf-16">', ("UTF-8", "meta")),
        (b'<meta charset="UTF-16BE">', ("UTF-8", "meta")),
        (b'<meta charset="x-user-defined">', ("windows-1252", "meta")),
        # a comment hides a <meta>; the one after it counts
        (
            b'<!-- <meta charset="koi8-r"> --><meta charset="windows-1251">',
            ("windows-1251", "meta"),
        ),
        (b'<!--><meta charset="windows-1251">', ("windows-1251", "meta")),  # "<!-->" ends at once
        # a `>` inside another tag's quoted attribute does not end the tag
        (b'<a title="x > <meta charset=koi8-r>"><meta charset=big5>', ("Big5", "meta")),
        # a duplicated attribute: the first one counts
        (b'<meta charset="euc-kr" charset="big5">', ("EUC-KR", "meta")),
        # an unknown label is no answer: the prescan goes on
        (b'<meta charset="klingon"><meta charset="iso-8859-15">', ("ISO-8859-15", "meta")),
        # the XML declaration, when no <meta> answers
        (b'<?xml version="1.0" encoding="ISO-8859-2"?><html>', ("ISO-8859-2", "xml")),
        (b"<?xml version='1.0' encoding = 'shift_jis' ?><html>", ("Shift_JIS", "xml")),
        (b'<?xml version="1.0" encoding="UTF-16"?><html>', ("UTF-8", "xml")),
        (  # a <meta> wins over the XML declaration
            b'<?xml version="1.0" encoding="ISO-8859-2"?><meta charset="windows-1250">',
            ("windows-1250", "meta"),
        ),
        (b"<\x00?\x00x\x00m\x00l\x00", ("UTF-16LE", "xml")),
        (b"\x00<\x00?\x00x\x00m\x00l", ("UTF-16BE", "xml")),
    ],
)
def test_prescan_finds_what_the_standard_finds(head, found):
    assert prescan(head) == found


@pytest.mark.parametrize(
    "head",
    [
        b'<!-- <meta charset="koi8-r"> -->',  # only in a comment
        b'<meta content="text/html; charset=koi8-r">',  # content without the pragma
        b'<meta http-equiv="refresh" content="5; charset=koi8-r">',  # another pragma
        b'<meta http-equiv="Content-Type" content="text/html">',  # pragma without a charset
        b'<meta name="description" content="charset=koi8-r">',
        b'<metadata charset="koi8-r">',  # not a <meta> tag
        b'<p title="<meta charset=koi8-r>">',  # inside an attribute value
        b'<meta http-equiv=content-type content="charset=\'koi8-r">',  # unmatched quote
        b'<meta charset="koi8-r"',  # the tag is cut off: the bytes end inside it
        b'<?xml version="1.0"?><html>',  # a declaration without an encoding
        b'<?xml version="1.0" encoding="koi 8"?>',  # a space in the label
        b' <?xml version="1.0" encoding="koi8-r"?>',  # not at the very start
        b"<html><body>no declaration</body></html>",
    ],
)
def test_prescan_near_misses_declare_nothing(head):
    assert prescan(head) is None


def test_a_meta_beyond_the_first_1024_bytes_is_ignored():
    late = b"<html><head><title>x</title>" + b" " * PRESCAN_BYTES + b'<meta charset="koi8-r">'
    body = late + "<p>Привет, мир! Это страница на русском языке.</p>".encode("koi8-r")
    decoded = decode_body(body)
    assert decoded.rule != "meta"
    early = b'<meta charset="koi8-r">' + body
    assert decode_body(early).rule == "meta"


# ---- the order of the rules ----


def test_a_bom_wins_over_the_http_charset_and_the_meta():
    body = b"\xef\xbb\xbf" + '<meta charset="koi8-r"><p>Smørrebrød</p>'.encode()
    decoded = decode_body(body, "windows-1251")
    assert (decoded.encoding, decoded.rule) == ("UTF-8", "bom")
    assert decoded.text == '<meta charset="koi8-r"><p>Smørrebrød</p>'


@pytest.mark.parametrize(
    ("bom", "encoding", "codec"),
    [(b"\xfe\xff", "UTF-16BE", "utf-16-be"), (b"\xff\xfe", "UTF-16LE", "utf-16-le")],
)
def test_utf16_boms_decide_and_are_dropped(bom, encoding, codec):
    decoded = decode_body(bom + "<p>Grüße aus Köln</p>".encode(codec), "iso-8859-1")
    assert (decoded.text, decoded.encoding, decoded.rule) == (
        "<p>Grüße aus Köln</p>",
        encoding,
        "bom",
    )


def test_the_http_charset_wins_over_the_meta():
    body = '<meta charset="koi8-r"><p>Čeština</p>'.encode("iso-8859-2")
    decoded = decode_body(body, "latin2")
    assert (decoded.encoding, decoded.rule) == ("ISO-8859-2", "http")
    assert "Čeština" in decoded.text


def test_an_http_utf16_label_stays_utf16():
    # Only labels read from the bytes themselves (<meta>, XML) turn UTF-16 into UTF-8.
    decoded = decode_body("<p>Hallo Welt</p>".encode("utf-16-le"), "utf-16")
    assert (decoded.text, decoded.encoding) == ("<p>Hallo Welt</p>", "UTF-16LE")


def test_an_unknown_http_charset_falls_through_to_the_meta():
    body = '<meta charset="windows-1251"><p>Новости дня</p>'.encode("cp1251")
    decoded = decode_body(body, "no-such-charset")
    assert (decoded.encoding, decoded.rule) == ("windows-1251", "meta")
    assert "Новости дня" in decoded.text


def test_http_latin1_is_read_as_windows_1252():
    decoded = decode_body("naïve “quote” – 5 €".encode("cp1252"), "ISO-8859-1")
    assert (decoded.text, decoded.encoding, decoded.rule) == (
        "naïve “quote” – 5 €",
        "windows-1252",
        "http",
    )


def test_utf8_without_declaration_decodes_as_utf8():
    decoded = decode_body("Smørrebrød — “quoted”".encode())
    assert (decoded.text, decoded.encoding, decoded.rule) == (
        "Smørrebrød — “quoted”",
        "UTF-8",
        "utf8",
    )


def test_utf8_cut_inside_its_last_character_is_still_utf8():
    body = "Zürich, Genève, Ελλάδα".encode()[:-1]
    decoded = decode_body(body)
    assert decoded.rule == "utf8"
    assert decoded.text.startswith("Zürich, Genève, Ελλάδ")


def test_one_bad_byte_in_utf8_sends_the_page_to_detection():
    # Near miss of the utf8 rule: almost UTF-8 is not UTF-8.
    body = "Zürich und Genève".encode() + b" caf\xe9 au lait"
    assert decode_body(body).rule in ("detected", "default")


def test_the_latin1_page_without_any_declaration_reads_as_a_browser_shows_it():
    decoded = decode_body(ZURICH.encode("latin-1"))
    assert "Café am See in Zürich" in decoded.text
    assert "Straße" in decoded.text
    assert (decoded.encoding, decoded.rule) == ("windows-1252", "detected")


def test_latin1_page_without_any_charset_comes_out_as_correct_text():
    decoded = decode_body(LATIN1_PAGE.encode("latin-1"))
    assert "Café crème à la gare, 12 °C" in decoded.text
    assert decoded.encoding == "windows-1252"


def test_the_tld_guides_detection_of_a_short_ambiguous_text():
    # Cyrillic in windows-1251 or KOI8-R: the site's country is a hint browsers use.
    body = "<p>Новости</p>".encode("cp1251")
    assert "Новости" in decode_body(body, tld="ru").text


def test_pure_ascii_without_declaration_is_utf8():
    assert decode_body(b"<p>plain</p>").rule == "utf8"


def test_meta_charset_is_read_from_the_page():
    body = '<meta charset="iso-8859-1"><p>Jos\u00e9</p>'.encode("latin-1")
    decoded = decode_body(body)
    assert "José" in decoded.text
    assert (decoded.encoding, decoded.rule) == ("windows-1252", "meta")


def test_xhtml_declaration_decides_and_can_be_removed_before_parsing():
    body = '<?xml version="1.0" encoding="ISO-8859-15"?>\n<html><p>Prix : 5 €</p></html>'
    decoded = decode_body(body.encode("iso8859_15"))
    assert (decoded.encoding, decoded.rule) == ("ISO-8859-15", "xml")
    assert without_xml_declaration(decoded.text) == "\n<html><p>Prix : 5 €</p></html>"


def test_text_without_an_xml_declaration_is_left_as_it_is():
    text = "<html><p>a <?xml in the middle?></p></html>"
    assert without_xml_declaration(text) is text


def test_windows_1252_bytes_without_a_character_are_c1_controls_as_in_browsers():
    assert decode_as(b"a\x81b\x9dc", "windows-1252") == "a\x81b\x9dc"


def test_the_replacement_encoding_decodes_to_one_replacement_character():
    assert decode_body(b"<p>hello</p>", "iso-2022-kr").text == "\ufffd"


def test_x_user_defined_maps_high_bytes_to_private_use():
    assert decode_as(b"A\x80\xff", "x-user-defined") == "A\uf780\uf7ff"


def test_every_rule_is_named():
    assert set(RULES) == {"bom", "http", "meta", "xml", "utf8", "detected", "default"}


@pytest.mark.parametrize(
    ("url", "tld"),
    [
        ("https://www.lemonde.fr/a", "fr"),
        ("https://news.example.CO.JP:8443/x", "jp"),
        ("http://пример.рф/", "xn--p1ai"),
        ("http://127.0.0.1:8000/", None),
        ("http://[::1]:8000/", None),
        ("file:///tmp/page.html", None),
        (None, None),
    ],
)
def test_page_tld(url, tld):
    assert page_tld(url) == tld


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


def test_utf16_xml_without_a_bom_is_text_not_binary():
    body = '<?xml version="1.0"?><html><p>Hallo</p></html>'.encode("utf-16-le")
    decoded = decode_body(body)
    assert (decoded.encoding, decoded.rule) == ("UTF-16LE", "xml")
    assert "<p>Hallo</p>" in decoded.text


@pytest.mark.parametrize(
    "text",
    [
        "La baguette coûte désormais 1,20 € dans la plupart des boulangeries du quartier.",
        "Il a accepté à contrecœur, dit-il, de quitter la ville où il était né.",
        "Žürii teatas, et šokolaadi hind tõusis märgatavalt ja ostjad on pahased.",
    ],
)
def test_undeclared_latin9_with_its_own_letters_is_read_as_latin9(text):
    decoded = decode_body(text.encode("iso8859_15"))
    assert decoded.encoding == "ISO-8859-15"
    assert decoded.text == text


@pytest.mark.parametrize(
    "text",
    [
        # near misses: ½ after a digit is a fraction; curly quotes are windows-1252 only
        "Man nehme 1½ Tassen Mehl und eine Prise Salz für den Teig.",
        "„Das Café kostet 2 ¤“, sagte er, und lachte über das alte Zeichen.",
        # a page's own mojibake: UTF-8 "ü" shown as windows-1252 is "Ã¼", not "Ãœ"
        "Morgen gibt es SprÃ¼hregen im Norden und Sonne im Süden des Landes.",
    ],
)
def test_windows_1252_near_misses_of_latin9_stay_windows_1252(text):
    decoded = decode_body(text.encode("cp1252"))
    assert (decoded.text, decoded.encoding) == (text, "windows-1252")
