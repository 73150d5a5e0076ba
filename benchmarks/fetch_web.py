"""Benchmark newslake's web fetching and WARC reading against local, repeatable inputs.

Web pages come from the loopback test site (tests/news_site.py) with 5 ms of latency per
request; the same pages are then read from disk and from a gzipped WARC. The test site runs
in a thread of this process and shares its GIL, so fetch figures are a lower bound; on a
small, shared machine all figures are noisy. Ingest rates are N / the flow's own seconds
(after a warm-up run that starts Prefect's ephemeral server).

    .venv/bin/python benchmarks/fetch_web.py [--pages 2000] [--quick] [--markdown]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LATENCY_S = 0.005
QUICK_PAGES = 200
WARC_HOST = "https://bench.example"
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}
FETCH_ENV = {"NEWSLAKE__FETCH__PER_HOST": "8", "NEWSLAKE__FETCH__MIN_DELAY_S": "0"}
# Settings a caller's shell may hold that would change what is measured.
DROPPED_ENV = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_DATABASE_CONNECTION_URL")


@dataclass
class Row:
    """One measurement: items handled in some seconds, with a note."""

    name: str
    items: int
    seconds: float
    note: str = ""

    @property
    def rate(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds else float("nan")


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def best_of(times: int, measure: Callable[[], Row]) -> Row:
    """The fastest of `times` runs of a cheap measurement."""
    return fastest([measure() for _ in range(times)])


def fastest(rows: list[Row]) -> Row:
    """The quickest of repeated runs, noted as such."""
    best = min(rows, key=lambda r: r.seconds)
    if len(rows) > 1:
        best.note = (best.note + f" (best of {len(rows)})").strip()
    return best


# --- measurements -----------------------------------------------------------------------------


def ingest_row(name: str, source: str, lake: Path, n: int, **params: object) -> Row:
    """Run the full ingest flow into a fresh lake; N / the flow's own seconds."""
    from newslake.flows.ingest import run_ingest

    started = time.perf_counter()
    summary = run_ingest(sources=[source], lake=str(lake), **params)
    wall = time.perf_counter() - started
    new = summary.count("new")
    note = f"wall {wall:.1f} s"
    if new != n:
        note += f"; new {new} != {n}, failures {summary.failures()}"
    log(f"{name}: {n} in {summary.seconds:.2f} s ({note})")
    return Row(name, n, summary.seconds, note)


def fetch_all(urls: list[str], per_host: int) -> tuple[Row, list[bytes | None]]:
    """Fetch every URL with one Fetcher and asyncio.gather; bodies in URL order."""
    from newslake.flows.settings import FetchSettings
    from newslake.flows.sources.http import Fetcher

    settings = FetchSettings(allowed_hosts=("127.0.0.1",), min_delay_s=0, per_host=per_host)

    async def go() -> list:
        async with Fetcher(settings) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls), return_exceptions=True)

    started = time.perf_counter()
    results = asyncio.run(go())
    seconds = time.perf_counter() - started
    bodies = [None if isinstance(r, BaseException) else r.body for r in results]
    failed = sum(b is None for b in bodies)
    note = f"{failed} failed" if failed else ""
    row = Row(f"fetch only, per_host={per_host}", len(urls), seconds, note)
    log(f"{row.name}: {row.rate:.0f} pages/s {note}")
    return row, bodies


def write_pages(bodies: list[bytes], folder: Path) -> None:
    """The fetched pages as <i>.html files."""
    folder.mkdir(parents=True)
    for i, body in enumerate(bodies):
        (folder / f"{i}.html").write_bytes(body)


def write_warc(bodies: list[bytes], base_url: str, path: Path) -> Row:
    """A gzipped WARC of one HTML response per page, under https://bench.example/gen/<i>.html."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    captured = datetime(2026, 3, 12, 6, tzinfo=UTC)
    started = time.perf_counter()
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i, body in enumerate(bodies):
            body = body.replace(base_url.encode(), WARC_HOST.encode())  # the canonical link
            http = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            date = (captured + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            record = writer.create_warc_record(
                f"{WARC_HOST}/gen/{i}.html",
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            writer.write_record(record)
    seconds = time.perf_counter() - started
    note = f"{path.stat().st_size / 2**20:.1f} MiB"
    log(f"WARC written: {len(bodies)} records, {note}, {seconds:.2f} s")
    return Row("WARC write (warcio)", len(bodies), seconds, note)


def read_warc_row(path: Path, n: int) -> Row:
    """Iterate read_warc over the archive: records/s without extraction."""
    from newslake.flows.ingest import new_run
    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.warc import read_warc

    started = time.perf_counter()
    items = list(read_warc(SourceSettings(path=f"warc:{path}"), new_run(), 5_000_000))
    seconds = time.perf_counter() - started
    pages = sum(item.page is not None for item in items)
    note = "" if pages == n else f"{pages} pages != {n}"
    return Row("WARC read_warc only", n, seconds, note)


# --- the run ----------------------------------------------------------------------------------


def measure(n: int, tmp: Path) -> list[Row]:
    """Every measurement in order, logged as it goes."""
    sys.path.insert(0, str(REPO / "tests"))
    from news_site import NewsSite, synthetic_article

    rows: list[Row] = []
    lakes = iter(range(100))

    def lake() -> Path:
        return tmp / f"lake-{next(lakes)}"

    # Start Prefect's ephemeral server and database outside the measured runs.
    warm = tmp / "warm-up"
    warm.mkdir()
    (warm / "0.html").write_bytes(synthetic_article(f"{WARC_HOST}/warm-up.html", 0))
    ingest_row("warm-up ingest (not reported)", str(warm), lake(), 1)

    with NewsSite(latency_s=LATENCY_S, generated=n) as site:
        sitemap = site.url("/gen/sitemap.xml")
        rows.append(
            ingest_row("web ingest, per_host=8", sitemap, lake(), n, allow_hosts=["127.0.0.1"])
        )
        urls = [site.url(f"/gen/{i}.html") for i in range(n)]
        first, bodies = fetch_all(urls, 8)
        rows.append(fastest([first, fetch_all(urls, 8)[0]]))
        rows.append(best_of(2, lambda: fetch_all(urls, 2)[0]))
        base_url = site.base_url
    if any(b is None for b in bodies):
        raise SystemExit("error: some pages could not be fetched; no disk or WARC input")
    pages = [b for b in bodies if b is not None]

    folder = tmp / "pages"
    write_pages(pages, folder)
    rows.append(ingest_row("disk ingest", str(folder), lake(), n))

    warc = tmp / "bench.warc.gz"
    rows.append(write_warc(pages, base_url, warc))
    rows.append(best_of(2, lambda: read_warc_row(warc, n)))
    log(f"read_warc: {rows[-1].rate:.0f} records/s")
    rows.append(ingest_row("WARC ingest", f"warc:{warc}", lake(), n))
    return rows


def report(rows: list[Row], n: int, markdown: bool) -> str:
    """An aligned text table, or a Markdown one."""
    head = ("measurement", "items", "seconds", "items/s", "note")
    cells = [(r.name, str(r.items), f"{r.seconds:.2f}", f"{r.rate:.0f}", r.note) for r in rows]
    by_name = {r.name: r for r in rows}
    ratio = by_name["web ingest, per_host=8"].rate / by_name["disk ingest"].rate
    footer = f"web ingest / disk ingest pages/s: {ratio:.2f}"
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c) + " |" for c in cells]
        return "\n".join([*lines, "", footer])
    widths = [max(len(row[i]) for row in [head, *cells]) for i in range(len(head))]
    right = (False, True, True, True, False)
    lines = [
        f"newslake web fetching and WARC: {n} pages, {LATENCY_S * 1000:g} ms server latency, "
        f"{os.cpu_count()} cores (noisy: single runs on a shared machine)"
    ]
    for row in [head, *cells]:
        parts = [
            c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join([*lines, footer])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; --quick means 200 pages."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated pages (N)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_PAGES} pages")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    if args.quick:
        args.pages = QUICK_PAGES
    return args


def main(argv: list[str] | None = None) -> int:
    """Set up a quiet, private Prefect; measure; print the report."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="newslake-fetch-bench-"))
    for key in DROPPED_ENV:
        os.environ.pop(key, None)
    os.environ.update({**QUIET_ENV, **FETCH_ENV, "PREFECT_HOME": str(tmp / "prefect-home")})
    try:
        rows = measure(args.pages, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(report(rows, args.pages, markdown=False))
    if args.markdown:
        print("\n" + report(rows, args.pages, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
