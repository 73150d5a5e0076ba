"""Benchmark newslake's archive reader (flows/sources/warc.py) against bare warcio.

A synthetic crawl is written with warcio's writer (per record: an HTML response of about
20 KB, its request and a metadata record; every 20th capture also a revisit), gzipped per
record and plain. Each archive is then read twice, best of `--repeat`:

- warcio: `ArchiveIterator` over the file, reading every response's payload (the floor);
- newslake: `read_warc`, which also checks every record for truncation, builds the pages
  and log rows and counts every record.

Figures are records/s (all records, of every type) on a shared machine, so noisy.

    .venv/bin/python benchmarks/warc_read.py [--captures 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PARAGRAPH = (
    "<p>The harbour authority said on Tuesday that the container backlog had eased, "
    "though growers waiting on refrigerated cargo were still counting losses.</p>\n"
)


def page(i: int) -> bytes:
    """A synthetic article of about 20 KB."""
    return (
        f"<!DOCTYPE html><html><head><title>Story {i}</title></head><body><article>"
        f"<h1>Story {i}</h1>{PARAGRAPH * 120}</article></body></html>"
    ).encode()


def write_archive(path: Path, captures: int) -> int:
    """A crawl of `captures` HTML responses (plus requests, metadata, revisits); returns the
    number of records written."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    records = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        for i in range(captures):
            uri = f"https://bench.example/story/{i}.html"
            body = page(i)
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            response = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
            )
            request = StatusAndHeaders(
                f"GET /story/{i}.html HTTP/1.1", [("Host", "bench.example")], is_http_request=True
            )
            fields = f"via: https://bench.example/\r\noutlink: {uri}\r\n".encode()
            written = [
                response,
                writer.create_warc_record(uri, "request", http_headers=request),
                writer.create_warc_record(
                    uri,
                    "metadata",
                    payload=io.BytesIO(fields),
                    length=len(fields),
                    warc_content_type="application/warc-fields",
                ),
            ]
            if i % 20 == 19:
                digest = response.rec_headers.get_header("WARC-Payload-Digest")
                date = response.rec_headers.get_header("WARC-Date")
                written.append(writer.create_revisit_record(uri, digest, uri, date))
            for record in written:
                writer.write_record(record)
            records += len(written)
    return records


def read_with_warcio(path: Path) -> int:
    """Records read by a bare warcio loop that reads every response payload."""
    from warcio.archiveiterator import ArchiveIterator

    records = 0
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, arc2warc=True):
            records += 1
            if record.rec_type == "response":
                record.content_stream().read()
    return records


def read_with_newslake(path: Path) -> int:
    """Records read by newslake's read_warc (from its own counts)."""
    from newslake.flows.ingest import new_run
    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.warc import read_warc

    items = read_warc(SourceSettings(path=f"warc:{path}"), new_run(), 5_000_000)
    return sum(1 for _ in items)


def best_of(repeat: int, read: Callable[[Path], int], path: Path) -> tuple[int, float]:
    """What `read` returned and its fastest time over `repeat` runs."""
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = read(path)
        times.append(time.perf_counter() - started)
    return result, min(times)


def main() -> None:
    """Write the archives, read each with warcio and with newslake, print records/s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    importlib.import_module("newslake.flows.ingest")  # Prefect's import, before any timing
    with tempfile.TemporaryDirectory() as tmp:
        print("| archive | records | MiB | warcio rec/s | newslake rec/s | newslake/warcio |")
        print("|---|---|---|---|---|---|")
        for name in ("bench.warc.gz", "bench.warc"):
            path = Path(tmp) / name
            records = write_archive(path, args.captures)
            mib = path.stat().st_size / 2**20
            _, warcio_s = best_of(args.repeat, read_with_warcio, path)
            _, newslake_s = best_of(args.repeat, read_with_newslake, path)
            print(
                f"| {name} | {records} | {mib:.1f} | {records / warcio_s:,.0f} | "
                f"{records / newslake_s:,.0f} | {warcio_s / newslake_s:.2f} |"
            )


if __name__ == "__main__":
    main()
