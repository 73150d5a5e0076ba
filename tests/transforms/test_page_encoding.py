"""What extraction does with a page's encoding: XHTML with an XML declaration parses, and the
encoding and the rule that chose it reach the fetch_log row (of an article or of a refusal)."""

import pickle
from datetime import UTC, datetime

import pytest

from newslake.transforms.decode import decode_body
from newslake.transforms.errors import ExtractError
from newslake.transforms.extract import extract_page
from newslake.transforms.records import FetchLogRow, Page, RunInfo
from newslake.warehouse.schemas import FETCH_LOG, conform

RUN = RunInfo("test", datetime(2026, 3, 10, tzinfo=UTC))
PARAGRAPHS = (
    "Die Gemeinde hat am Dienstag beschlossen, die alte Brücke über den Fluss bis zum Herbst "
    "vollständig zu sanieren, weil Gutachter Risse in den Pfeilern gefunden haben.",
    "Für Fußgänger bleibt ein schmaler Weg offen; Autos müssen über das Nachbardorf fahren, "
    "was für Pendler morgens rund zehn Minuten länger dauert.",
    "Die Kosten von etwa 2,5 Millionen Euro übernimmt größtenteils das Land.",
)


def xhtml(encoding: str, declaration: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"{declaration}\n"
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="de"><head>'
        "<title>Brücke wird saniert</title></head>"
        f"<body><article><h1>Brücke wird saniert</h1>{body}</article></body></html>"
    ).encode(encoding)


def page(body: bytes, url: str = "https://www.example.de/brücke", **kw) -> Page:
    return Page.create(source="test", url=url, body=body, run=RUN, **kw)


@pytest.mark.parametrize(
    ("encoding", "declaration", "rule"),
    [
        ("latin-1", '<?xml version="1.0" encoding="ISO-8859-1"?>', "xml"),
        ("utf-8", "<?xml version='1.0' encoding='utf-8' standalone='no'?>", "xml"),
        ("utf-8", '<?xml version="1.0"?>', "utf8"),  # near miss: no encoding declared
    ],
)
def test_xhtml_with_an_xml_declaration_is_extracted(encoding, declaration, rule):
    found = extract_page(page(xhtml(encoding, declaration), content_type="application/xhtml+xml"))
    assert found.title == "Brücke wird saniert"
    assert "Für Fußgänger bleibt ein schmaler Weg offen" in found.text
    assert found.encoding_rule == rule


def test_xhtml_served_as_text_html_without_a_content_type_is_still_html():
    found = extract_page(page(xhtml("cp1252", '<?xml version="1.0" encoding="windows-1252"?>')))
    assert (found.encoding, found.encoding_rule) == ("windows-1252", "xml")
    assert "größtenteils das Land" in found.text


def test_an_article_carries_its_encoding_across_processes():
    found = extract_page(page(xhtml("iso8859_15", "<?xml version='1.0' encoding='l9'?>")))
    again = pickle.loads(pickle.dumps(found))
    assert (again.encoding, again.encoding_rule) == ("ISO-8859-15", "xml")
    row = FetchLogRow.for_page(page(b"x"), "ok", RUN, decoded=again)
    assert (row.encoding, row.encoding_rule) == ("ISO-8859-15", "xml")


def test_a_refused_page_still_tells_its_encoding():
    body = '<meta charset="koi8-r"><p>Коротко.</p>'.encode("koi8_r")
    with pytest.raises(ExtractError) as caught:
        extract_page(page(body, content_type="text/html"))
    error = pickle.loads(pickle.dumps(caught.value))
    row = FetchLogRow.for_page(page(body), error.outcome, RUN, error=str(error), decoded=error)
    assert (row.outcome, row.encoding, row.encoding_rule) == ("parse_error", "KOI8-R", "meta")


def test_a_page_never_decoded_logs_no_encoding():
    row = FetchLogRow.for_page(page(b"x"), "unchanged", RUN)
    assert (row.encoding, row.encoding_rule) == (None, None)


def test_the_tld_of_the_page_url_is_the_detection_hint():
    # Short Cyrillic is ambiguous between code pages; a .ru site tips it the browsers' way.
    body = "<p>Новости города за неделю</p>".encode("cp1251")
    assert decode_body(body, tld="ru").encoding == "windows-1251"


def test_fetch_log_files_from_before_the_encoding_columns_read_as_null():
    row = FetchLogRow.for_page(page(b"x"), "ok", RUN)
    record = {name: getattr(row, name) for name in row.__slots__}
    old = FETCH_LOG.to_table([record]).drop_columns(["encoding", "encoding_rule"])
    table = conform(old, FETCH_LOG.schema)
    assert table.schema == FETCH_LOG.schema
    assert table.to_pylist()[0]["encoding"] is None
    assert table.to_pylist()[0]["encoding_rule"] is None
