"""Benchmark two ingest runs on different sources into one local lake: one after the other,
then both started together (each stages without the lake's writer lock and takes it only to
commit; the second to commit places its batches again against the first one's commit point).

Run A reads the loopback test site's /gen/sitemap.xml (tests/news_site.py, N generated
articles, 5 ms latency per request); run B reads a folder of N other synthetic articles. Each
run is its own `python -c run_ingest(...)` process against one Prefect server started here,
so both really run at once. Reported per mode: wall seconds until both runs ended, each run's
own seconds, and the seconds each held the writer's section (commit, `_runs` row, gold).
Serial and concurrent rounds alternate, each on a fresh lake.

    .venv/bin/python benchmarks/concurrent_writers.py [--pages 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from incremental_run import free_port
from ingest_files import log

REPO = Path(__file__).resolve().parents[1]
LATENCY_S = 0.005
SCRIPT = (
    "import json, sys; from newslake.flows.ingest import run_ingest; "
    "s = run_ingest(sources=[sys.argv[1]], lake=sys.argv[2]); print(json.dumps(s.as_dict()))"
)
ENV = {
    "NEWSLAKE__FETCH__PER_HOST": "8",
    "NEWSLAKE__FETCH__MIN_DELAY_S": "0",
    "NEWSLAKE__FETCH__ALLOWED_HOSTS": "127.0.0.1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def start(source: str, lake: Path) -> subprocess.Popen:
    """An ingest run of one source in its own process."""
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, source, str(lake)],
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def result(process: subprocess.Popen) -> dict:
    """The run's summary (it must have succeeded)."""
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"an ingest run failed with exit code {process.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def serial(sources: list[str], lake: Path) -> dict:
    """The runs one after the other."""
    started = time.perf_counter()
    runs = [result(start(source, lake)) for source in sources]
    return {"wall": time.perf_counter() - started, "runs": runs}


def concurrent(sources: list[str], lake: Path) -> dict:
    """The runs started together."""
    started = time.perf_counter()
    processes = [start(source, lake) for source in sources]
    runs = [result(process) for process in processes]
    return {"wall": time.perf_counter() - started, "runs": runs}


def describe(mode: str, figures: dict) -> str:
    """One mode's figures as a Markdown table row."""
    runs = figures["runs"]
    each = ", ".join(
        f"{r['seconds']:.1f} s (section {r['section_seconds']:.1f} s"
        f"{', placed again' if r['replaced'] else ''})"
        for r in runs
    )
    held = sum(r["section_seconds"] for r in runs)
    return f"| {mode} | {figures['wall']:.1f} | {held:.1f} | {each} |"


def main(argv: list[str] | None = None) -> None:
    """Alternate serial and concurrent rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100, help="articles per source (N)")
    parser.add_argument("--rounds", type=int, default=2, help="serial/concurrent pairs")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "tests"))
    from news_site import NewsSite, synthetic_article

    from newslake.flows.prefect_api import prefect_api

    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="concurrent-writers-") as tmp,
        prefect_api(free_port(), timeout_s=180) as api_url,
        NewsSite(latency_s=LATENCY_S, generated=args.pages) as site,
    ):
        os.environ["PREFECT_API_URL"] = api_url
        folder = Path(tmp) / "folder"
        folder.mkdir()
        for i in range(args.pages):
            url = f"https://other.example/news/{i}.html"
            (folder / f"{i}.html").write_bytes(synthetic_article(url, 10_000 + i))
        sources = [site.url("/gen/sitemap.xml"), str(folder)]
        log("warm-up run (not reported)")
        result(start(str(folder), Path(tmp) / "warm-up"))
        for n in range(args.rounds):
            for mode, run in (("serial", serial), ("concurrent", concurrent)):
                figures = run(sources, Path(tmp) / f"{mode}-{n}")
                log(describe(mode, figures))
                rows.append(describe(mode, figures))
    print(
        f"two ingest runs of {args.pages} articles each (A: loopback sitemap, B: folder), "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| mode | wall s (both) | section s (sum) | each run: seconds (section) |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
