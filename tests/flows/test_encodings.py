"""Pages in legacy encodings, with and without a declaration, read as files and fetched over
HTTP from the loopback site: the stored text holds the page's characters, and fetch_log the
encoding and the sniffing rule that chose it."""

from pathlib import Path

import duckdb
import pytest
from encoded_pages import PAGES, ZURICH, EncodedPage

from newslake.flows.ingest import run_ingest
from newslake.transforms.tokens import fold_chars

ALL = (*PAGES, ZURICH)
XHTML = (
    '<?xml version="1.0" encoding="windows-1250"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="cs"><head>'
    "<title>Oprava mostu potrvá do září</title></head><body><article>"
    "<h1>Oprava mostu potrvá do září</h1>"
    "<p>Silničáři začnou v pondělí opravovat most přes řeku, který je v havarijním stavu. "
    "Práce potrvají nejméně do září a řidiči musí počítat s objížďkou přes sousední obce.</p>"
    "<p>Podle správy silnic bude oprava stát přibližně třicet milionů korun. Chodci a cyklisté "
    "mohou most využívat po celou dobu, auta však budou muset jezdit jinudy.</p>"
    "</article></body></html>"
)


def stored(lake: Path) -> dict[str, tuple]:
    """url -> (outcome, encoding, encoding_rule, title, text) from fetch_log and articles."""
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        found = con.execute(
            "SELECT f.url, f.outcome, f.encoding, f.encoding_rule, a.title, a.text "
            "FROM fetch_log f LEFT JOIN articles a USING (article_id)"
        ).fetchall()
    finally:
        con.close()
    return {url: rest for url, *rest in found}


def check(page: EncodedPage, row: tuple, encoding: str, rule: str) -> None:
    outcome, got_encoding, got_rule, title, text = row
    assert (outcome, got_encoding, got_rule) == ("ok", encoding, rule), page.name
    assert fold_chars(title) == fold_chars(page.title), page.name
    # Stored text folds look-alike quotes for now (issue 19 item 2 keeps them): compare so.
    assert fold_chars(page.sample) in fold_chars(text), page.name


@pytest.mark.parametrize("declared", [True, False], ids=["meta", "undeclared"])
def test_files_in_legacy_encodings_are_read_right(tmp_path, prefect_backend, declared):
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in ALL:
        (pages / f"{page.name}.html").write_bytes(page.html(declared))
    (pages / "cs-xhtml.html").write_bytes(XHTML.encode("cp1250"))
    lake = tmp_path / "lake"
    run_ingest(sources=[str(pages)], lake=str(lake), workers=1)
    rows = {Path(url).name.removesuffix(".html"): row for url, row in stored(lake).items()}
    for page in ALL:
        if declared:
            check(page, rows[page.name], page.encoding, "meta")
        else:
            check(page, rows[page.name], page.detected, "detected")
    outcome, encoding, rule, title, text = rows["cs-xhtml"]
    assert (outcome, encoding, rule, title) == (
        "ok",
        "windows-1250",
        "xml",
        "Oprava mostu potrvá do září",
    )
    assert "třicet milionů korun" in text


@pytest.mark.parametrize("charset", [True, False], ids=["charset", "no-charset"])
def test_pages_in_legacy_encodings_are_fetched_right(
    tmp_path, prefect_backend, news_site, monkeypatch, charset
):
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    urls = {}
    for page in ALL:
        content_type = f"text/html; charset={page.label}" if charset else "text/html"
        path = f"/encoded/{'charset' if charset else 'plain'}/{page.name}.html"
        urls[news_site.serve(path, page.html(declared=False), content_type)] = page
    lake = tmp_path / "lake"
    run_ingest(sources=list(urls), lake=str(lake), workers=1, allow_hosts=["127.0.0.1"])
    rows = stored(lake)
    for url, page in urls.items():
        if charset:
            check(page, rows[url], page.encoding, "http")
        else:
            check(page, rows[url], page.detected, "detected")
