"""WARC and ARC archives read record by record: every record is a page, a row or a count."""

import gzip
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newslake.flows.ingest import new_run, run_ingest
from newslake.flows.settings import SourceSettings
from newslake.flows.sources.warc import archive_format, read_warc
from newslake.flows.summary import ArchiveCounts, RunSummary
from newslake.warehouse.views import WAREHOUSE

RUN = new_run()
HTML = "text/html; charset=utf-8"


def article(i: int, words: int = 60) -> bytes:
    """An HTML page long enough to be an article."""
    text = " ".join(f"Harbour word{i}x{n} said the council on Tuesday." for n in range(words))
    return f"<!DOCTYPE html><html><body><article><p>{text}</p></article></body></html>".encode()


class Crawl:
    """An archive written with warcio's writer, one record at a time; `ends` holds the byte
    offset after each record (record boundaries)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = path.open("wb")
        self.writer = WARCWriter(self.file, gzip=path.name.endswith(".gz"))
        self.ends: list[int] = []
        self.responses: dict[str, object] = {}

    def write(self, record) -> None:
        self.writer.write_record(record)
        self.ends.append(self.file.tell())

    def response(self, uri: str, body: bytes, ctype: str = HTML, status: str = "200 OK"):
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        record = self.writer.create_warc_record(
            uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
        )
        self.responses[uri] = record
        self.write(record)

    def block(self, uri: str, kind: str, body: bytes, ctype: str, **headers: str) -> None:
        """A record whose block is `body` as it is: resource, metadata, conversion, ..."""
        self.write(
            self.writer.create_warc_record(
                uri,
                kind,
                payload=io.BytesIO(body),
                length=len(body),
                warc_content_type=ctype,
                warc_headers_dict=headers,
            )
        )

    def request(self, uri: str) -> None:
        http = StatusAndHeaders(
            "GET / HTTP/1.1", [("Host", uri.split("/")[2])], is_http_request=True
        )
        self.write(self.writer.create_warc_record(uri, "request", http_headers=http))

    def revisit(self, uri: str, target: str | None = None, refers: bool = True) -> None:
        """A revisit of `uri`'s response, captured at `target` (default `uri`); without
        `refers`, it names no WARC-Refers-To-Target-URI (the spec then means its own)."""
        first = self.responses.get(uri)
        digest = first.rec_headers.get_header("WARC-Payload-Digest") if first else "sha1:AAAA"
        date = first.rec_headers.get_header("WARC-Date") if first else "2026-03-01T00:00:00Z"
        record = self.writer.create_revisit_record(target or uri, digest, uri, date)
        if not refers:
            record.rec_headers.remove_header("WARC-Refers-To-Target-URI")
        self.write(record)

    def warcinfo(self) -> None:
        self.write(self.writer.create_warcinfo_record(self.path.name, {"software": "tests"}))

    def close(self) -> Path:
        self.file.close()
        return self.path


def read(path: Path, **source: object) -> tuple[ArchiveCounts, list, list]:
    """What read_warc gives for an archive: its counts, pages and log rows."""
    counts = ArchiveCounts()
    items = list(read_warc(SourceSettings(path=f"warc:{path}", **source), RUN, 5_000_000, counts))
    assert counts.adds_up(), counts
    assert len([i for i in items if i.log]) == counts.revisits + counts.failed
    return counts, [i.page for i in items if i.page], [i.log for i in items if i.log]


def offset_in(error: str) -> int:
    """The byte offset a log row's message names."""
    return int(re.search(r"at byte (-?\d+)", error)[1])


def every_kind(path: Path) -> Crawl:
    """One record of each kind a crawl holds (and a few it should not)."""
    crawl = Crawl(path)
    crawl.warcinfo()
    crawl.response("https://a.example/one", article(1))
    crawl.request("https://a.example/one")
    crawl.block("https://a.example/two", "resource", article(2), "text/html")
    crawl.block("https://a.example/logo.png", "resource", b"\x89PNG\r\n\x1a\n", "image/png")
    crawl.revisit("https://a.example/one")
    crawl.block("https://a.example/one", "metadata", b"via: x\r\n", "application/warc-fields")
    crawl.block("https://a.example/one", "conversion", b"Harbour text", "text/plain")
    crawl.response("https://a.example/doc.pdf", b"%PDF-1.4", "application/pdf")
    crawl.response("https://a.example/gone", b"<p>gone</p>", HTML, "404 Not Found")
    crawl.block("dns:a.example", "response", b"20260312 a.example 1.2.3.4", "text/dns")
    return crawl


# --------------------------------------------------------------------------- records


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_every_record_is_a_page_a_row_or_a_count(tmp_path, name):
    path = every_kind(tmp_path / name).close()
    counts, pages, rows = read(path)
    assert {p.url for p in pages} == {"https://a.example/one", "https://a.example/two"}
    assert counts.as_dict() == {
        "records": 11,
        "pages": 2,
        "revisits": 1,
        "skipped": {
            "warcinfo": 1,
            "request": 1,
            "metadata": 1,
            "conversion": 1,
            "response of a dns: URI": 1,
        },
        "failed": 3,
    }
    assert sorted((r.url, r.outcome) for r in rows) == [
        ("https://a.example/doc.pdf", "bad_content_type"),
        ("https://a.example/gone", "http_error"),
        ("https://a.example/logo.png", "bad_content_type"),
        ("https://a.example/one", "duplicate"),
    ]


def test_resource_record_page_keeps_its_bytes_and_type(tmp_path):
    crawl = Crawl(tmp_path / "r.warc")
    crawl.block("https://a.example/r", "resource", article(3), "text/html; charset=iso-8859-1")
    _, (page,), _ = read(crawl.close())
    assert page.body == article(3)
    assert (page.content_type, page.charset, page.status) == ("text/html", "iso-8859-1", None)


def test_capture_marked_truncated_by_the_crawler_is_a_row_not_a_page(tmp_path):
    crawl = Crawl(tmp_path / "t.warc.gz")
    crawl.block(
        "https://a.example/t", "resource", article(4), "text/html", **{"WARC-Truncated": "length"}
    )
    crawl.response("https://a.example/ok", article(5))
    _, pages, (row,) = read(crawl.close())
    assert [p.url for p in pages] == ["https://a.example/ok"]
    assert (row.url, row.outcome) == ("https://a.example/t", "truncated")
    assert "WARC-Truncated: length" in row.error


def test_records_outside_the_source_hosts_and_since_are_counted_as_skipped(tmp_path):
    crawl = Crawl(tmp_path / "h.warc")
    crawl.response("https://a.example/one", article(1))
    crawl.response("https://b.example/two", article(2))
    counts, pages, rows = read(crawl.close(), hosts=("b.example",))
    assert [p.url for p in pages] == ["https://b.example/two"] and not rows
    assert counts.skipped == {"outside the source's hosts or since": 1}
    counts, pages, rows = read(crawl.path, since="2999-01-01")
    assert not pages and counts.skipped == {"outside the source's hosts or since": 2}


# --------------------------------------------------------------------------- truncation


@pytest.mark.parametrize("name", ["cut.warc", "cut.warc.gz"])
def test_a_file_cut_anywhere_stores_only_whole_records_and_says_where_it_stopped(tmp_path, name):
    crawl = Crawl(tmp_path / f"full-{name}")
    bodies = {f"https://a.example/{i}": article(i, words=40 * (i + 1)) for i in range(4)}
    for uri, body in bodies.items():
        crawl.response(uri, body)
        crawl.request(uri)
    full = crawl.close().read_bytes()
    starts = [0, *crawl.ends[:-1]]
    cut_path = tmp_path / name
    for cut in range(1, len(full), 97):
        cut_path.write_bytes(full[:cut])
        _, pages, rows = read(cut_path)
        whole = [end for end in crawl.ends if end <= cut]
        assert [p.body for p in pages] == [bodies[p.url] for p in pages]
        assert len(pages) == (len(whole) + 1) // 2  # every response record wholly there
        if cut in crawl.ends:
            continue
        (row,) = rows
        stopped = offset_in(row.error)
        # Reading stopped where the record that was cut off starts.
        assert stopped == starts[len(whole)], (cut, row.error)
        assert row.outcome in ("truncated", "parse_error")


def test_a_record_shorter_than_its_content_length_is_truncated(tmp_path):
    crawl = Crawl(tmp_path / "short.warc")
    crawl.response("https://a.example/whole", article(1))
    crawl.close()
    start = crawl.path.stat().st_size
    with crawl.path.open("ab") as out:
        out.write(
            b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://a.example/cut\r\n"
            b"WARC-Date: 2026-03-12T06:00:00Z\r\nContent-Length: 50000\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>The rec"
        )
    counts, pages, (row,) = read(crawl.path)
    assert [p.url for p in pages] == ["https://a.example/whole"]
    assert (row.url, row.outcome, offset_in(row.error)) == (
        "https://a.example/cut",
        "truncated",
        start,
    )
    assert "of its 50000 bytes" in row.error
    assert counts.failed == 1


def test_a_gzip_member_without_its_end_is_not_stored(tmp_path):
    crawl = Crawl(tmp_path / "m.warc.gz")
    crawl.response("https://a.example/a", article(1))
    crawl.response("https://a.example/b", article(2))
    data = crawl.close().read_bytes()
    crawl.path.write_bytes(data[:-4])  # the last member's size field is gone
    _, pages, (row,) = read(crawl.path)
    assert [p.url for p in pages] == ["https://a.example/a"]
    assert (row.url, row.outcome, offset_in(row.error)) == (
        "https://a.example/b",
        "truncated",
        crawl.ends[0],
    )


@pytest.mark.parametrize("name", ["g.warc", "g.warc.gz"])
def test_garbage_after_the_records_is_one_row_at_the_last_record_end(tmp_path, name):
    crawl = Crawl(tmp_path / name)
    crawl.response("https://a.example/a", article(1))
    crawl.close()
    with crawl.path.open("ab") as out:
        out.write(b"\x00\x01 this is not a record at all\r\nsome more junk here ok\r\n\r\n")
    counts, pages, (row,) = read(crawl.path)
    assert len(pages) == 1 and counts.failed == 1
    assert row.outcome == "parse_error" and offset_in(row.error) == crawl.ends[0]


def test_a_whole_file_gzip_is_one_row_saying_how_to_fix_it(tmp_path):
    crawl = every_kind(tmp_path / "plain.warc")
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(crawl.close().read_bytes()))
    _, pages, (row,) = read(whole)
    assert not pages and row.outcome == "parse_error" and "recompress" in row.error
    assert offset_in(row.error) == 0


# --------------------------------------------------------------------------- not archives


NOT_ARCHIVES = {
    "text named like a WARC": b"WARCIO: WARC file that is not one at all\nhello\n",
    "five words, ARC-shaped": b"http://a.example/x 1.2.3.4 20260312 text/html 5\nhello\n",
    "html": b"<!DOCTYPE html><html><body><p>Not an archive.</p></body></html>",
    "png": b"\x89PNG\r\n\x1a\n" + bytes(64),
    "gzipped text": gzip.compress(b"just some text, gzipped\n" * 10),
    "zstd": b"\x28\xb5\x2f\xfd" + bytes(32),
    "broken gzip": b"\x1f\x8b\x08\x00" + b"\xff" * 40,
    "empty": b"",
}


@pytest.mark.parametrize("body", NOT_ARCHIVES.values(), ids=NOT_ARCHIVES.keys())
def test_a_file_that_is_not_an_archive_is_one_row_and_no_page(tmp_path, body):
    path = tmp_path / "not.warc.gz"
    path.write_bytes(body)
    counts, pages, (row,) = read(path)
    assert not pages and counts.as_dict()["failed"] == counts.records == 1
    assert row.outcome in ("parse_error", "empty") and row.url.startswith("file://")


def test_archive_format_is_told_from_the_first_bytes():
    assert archive_format(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n") == "warc"
    assert archive_format(gzip.compress(b"WARC/1.0\r\n")) == "warc"
    assert archive_format(b"filedesc://x.arc 0.0.0.0 20260312060000 text/plain 10\n") == "arc"
    assert archive_format(b"WARCIO: WARC") is None
    assert archive_format(b"\x1f\x8bnot really") is None


# --------------------------------------------------------------------------- ARC


def arc_record(header: str, content: bytes) -> bytes:
    return f"{header} {len(content)}\n".encode() + content + b"\n"


def write_arc(path: Path, pages: dict[str, bytes], gz: bool) -> list[int]:
    """An ARC (version 1) file of HTTP responses; returns the record end offsets."""
    spec = b"1 0 newslake-tests\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [arc_record("filedesc://t.arc 0.0.0.0 20260312060000 text/plain", spec)]
    for i, (uri, body) in enumerate(pages.items()):
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
        records.append(arc_record(f"{uri} 192.0.2.{i + 1} 2026031206{i:02d}00 text/html", http))
    ends, data = [], b""
    for record in records:
        data += gzip.compress(record) if gz else record
        ends.append(len(data))
    path.write_bytes(data)
    return ends


@pytest.mark.parametrize("name", ["t.arc", "t.arc.gz"])
def test_arc_responses_become_pages_with_their_capture_time(tmp_path, name):
    pages = {f"http://a.example/{i}": article(i) for i in range(3)}
    write_arc(tmp_path / name, pages, gz=name.endswith(".gz"))
    counts, read_pages, rows = read(tmp_path / name)
    assert {p.url: p.body for p in read_pages} == pages and not rows
    assert read_pages[1].fetched_at == datetime(2026, 3, 12, 6, 1, tzinfo=UTC)
    assert counts.skipped == {"warcinfo": 1}


@pytest.mark.parametrize("name", ["t.arc", "t.arc.gz"])
def test_a_cut_arc_keeps_the_whole_records_and_names_the_offset(tmp_path, name):
    pages = {f"http://a.example/{i}": article(i) for i in range(3)}
    ends = write_arc(tmp_path / name, pages, gz=name.endswith(".gz"))
    path = tmp_path / name
    path.write_bytes(path.read_bytes()[: ends[2] + 40])
    _, read_pages, (row,) = read(path)
    assert [p.url for p in read_pages] == ["http://a.example/0", "http://a.example/1"]
    assert offset_in(row.error) == ends[2]


# --------------------------------------------------------------------------- summary


def test_archive_counts_add_up_only_when_every_record_is_counted():
    counts = ArchiveCounts(records=5, pages=2, revisits=1, failed=1)
    assert not counts.adds_up()
    counts.skipped["request"] += 1
    assert counts.adds_up()
    summary = RunSummary("r", "/lake", archives=counts)
    assert summary.as_dict()["archives"]["skipped"] == {"request": 1}
    assert "archives" not in RunSummary("r", "/lake").as_dict()


def test_archive_lines_in_the_run_summary_markdown(tmp_path):
    from newslake.flows.artifacts import summary_markdown

    counts = ArchiveCounts(records=4, pages=2, revisits=1, failed=0)
    counts.skipped["request"] = 1
    text = summary_markdown(RunSummary("r", str(tmp_path), archives=counts))
    assert "4 read = 2 pages + 1 revisits + 1 skipped + 0 failed" in text
    assert "- skipped, request: 1" in text


def test_a_revisit_carries_the_article_of_the_capture_it_repeats(tmp_path, prefect_backend):
    one, lake = "https://a.example/one", tmp_path / "lake"
    crawl = Crawl(tmp_path / "first.warc.gz")
    crawl.revisit(one, target=one + "?from=feed")  # read before the capture it repeats
    crawl.response(one, article(1))
    crawl.revisit(one, target=one + "?from=home")
    crawl.revisit(one, refers=False)  # no Refers-To-Target-URI: its own target URI
    crawl.revisit("https://a.example/never")  # a capture in neither the archive nor the lake
    run_ingest(sources=[f"warc:{crawl.close()}"], lake=str(lake), workers=1)
    later = Crawl(tmp_path / "later.warc.gz")
    later.revisit(one, target=one + "?from=later")  # the capture is in the lake by now
    run_ingest(sources=[f"warc:{later.close()}"], lake=str(lake), workers=1)
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    ((article_id,),) = con.execute("SELECT article_id FROM articles").fetchall()
    revisits = con.execute(
        "SELECT url, article_id, error FROM fetch_log "
        "WHERE outcome = 'duplicate' AND page_id IS NULL ORDER BY url"
    ).fetchall()
    assert [(url, found) for url, found, _ in revisits] == [
        ("https://a.example/never", None),
        (one, article_id),
        (one + "?from=feed", article_id),
        (one + "?from=home", article_id),
        (one + "?from=later", article_id),
    ]
    assert revisits[0][2] == (
        "WARC revisit of https://a.example/never; "
        "its earlier capture is in neither this run nor the lake"
    )
    assert all(error == f"WARC revisit of {one}" for _, _, error in revisits[1:])


def test_a_run_over_archives_stores_no_bogus_page_and_reports_every_record(
    tmp_path, prefect_backend
):
    good = every_kind(tmp_path / "good.warc.gz").close()
    bogus = tmp_path / "bogus.warc"
    bogus.write_bytes(NOT_ARCHIVES["text named like a WARC"])
    lake = tmp_path / "lake"
    summary = run_ingest(sources=[f"warc:{good}", f"warc:{bogus}"], lake=str(lake), workers=1)
    archives = summary.archives
    assert archives.adds_up() and (archives.records, archives.pages) == (12, 2)
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    pages = con.execute("SELECT url, fetch_date FROM pages").fetchall()
    assert {url for url, _ in pages} == {"https://a.example/one", "https://a.example/two"}
    # The archives' own rows (revisits and failures) name no page; the pages' rows do.
    archive_rows = con.execute(
        "SELECT url, outcome FROM fetch_log WHERE page_id IS NULL"
    ).fetchall()
    assert len(archive_rows) == archives.revisits + archives.failed
    assert (bogus.as_uri(), "parse_error") in archive_rows
