"""Benchmark the serial work of a run: the flow process's own CPU per page, extraction on Dask.

Input: every real page of ../shared/corpus/{dates-dev,extraction-dev,extraction-snippets-dev}
(1,086 distinct pages; `$NEWSLAKE_SHARED/corpus` when set; skipped, exit 0, when absent),
written once as .html files, or `--copies N` marked copies of each (benchmarks/ingest_files.py
`make_copy`: each its own article, copies of one page near-duplicates in one story).

One subprocess runs `run_ingest` three times with `[extract] runner = "dask"` (a scheduler and
`--workers` single-threaded workers in child processes, started and closed by each run): an
empty folder to warm up, an empty folder again (the fixed cost of a run), then the pages.
Around each run it reads its own CPU time (utime + stime from /proc/self/stat, less that of
the thread sampling which threads spend it, about 5 ms a second of run): the Dask
scheduler and workers are other processes and are left out (in code up to 8af98c4, a
LocalCluster's scheduler is in); Dask's client, Prefect's and all staging are in. Printed:
CPU-ms per page of the whole run and beyond the empty run's, and the ceiling that sets
(pages/s = 1000 / ms per page) whatever the number of workers. `--profile FILE` also writes a
cProfile of the measured run (which slows it; the CPU figures of a profiled run are not the
ones to quote).

    .venv/bin/python benchmarks/serial_cost.py [--copies 1] [--workers 2] [--keep DIR]
        [--pages DIR] [--python OTHER/.venv/bin/python] [--profile FILE]

Lakes of two versions compare only if both read the same --pages (page ids hold the path);
`--python` runs another checkout's newslake (its own virtualenv) on the same input.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
from pathlib import Path

from ingest_files import PYTHON, REPO, BenchError, base_env, log, make_copy, run, sql

CORPORA = ("dates-dev", "extraction-dev", "extraction-snippets-dev")
# The measured runs, in a subprocess of the project's virtualenv.
MEASURE = """
import cProfile, json, os, sys, threading, time
from pathlib import Path
from newslake.flows.ingest import run_ingest

def cpu(stat="/proc/self/stat"):
    fields = Path(stat).read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

threads = {}  # tid -> (main or other, CPU seconds last seen): which threads spend it
def sample():
    me = str(threading.get_native_id())
    while True:
        for task in Path("/proc/self/task").iterdir():
            try:
                name = "main" if task.name == str(os.getpid()) else "other"
                threads[task.name] = ("sampler" if task.name == me else name, cpu(task / "stat"))
            except OSError:
                pass  # the thread ended
        time.sleep(0.2)
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
while sampler.native_id is None:
    time.sleep(0.01)

def run_cpu():  # the process's CPU but the sampler's own (reading every stat costs some)
    return cpu() - cpu(f"/proc/self/task/{sampler.native_id}/stat")

pages, empty, work, workers, profile = sys.argv[1:6]
def measured(source, lake, profiler=None):
    before = run_cpu()
    if profiler:
        profiler.enable()
    summary = run_ingest(sources=[source], lake=lake, workers=int(workers))
    if profiler:
        profiler.disable()
    return run_cpu() - before, summary

measured(empty, f"{work}/warm")
fixed, _ = measured(empty, f"{work}/empty")
profiler = cProfile.Profile() if profile else None
before = {tid: seconds for tid, (_, seconds) in dict(threads).items()}
spent, summary = measured(pages, f"{work}/lake", profiler)
by_name = {}
for tid, (name, seconds) in dict(threads).items():
    by_name[name] = by_name.get(name, 0.0) + seconds - before.get(tid, 0.0)
if profiler:
    profiler.dump_stats(profile)
print(json.dumps({"cpu_s": spent, "fixed_s": fixed, "pages": summary.inputs,
                  "flow_s": summary.seconds, "outcomes": dict(summary.outcomes),
                  "threads": by_name}))
"""


def shared_corpus() -> Path:
    """The shared corpus folder: $NEWSLAKE_SHARED/corpus, else ../shared/corpus."""
    shared = os.environ.get("NEWSLAKE_SHARED")
    return (Path(shared) if shared else REPO.parent / "shared") / "corpus"


def write_pages(corpus: Path, copies: int, dest: Path) -> int:
    """Write `copies` marked copies of every page of CORPORA to dest; returns pages written.

    Names carry the corpus, since page numbers repeat across corpora.
    """
    dest.mkdir(parents=True, exist_ok=True)
    written = 0
    for name in CORPORA:
        for path in sorted((corpus / name / "html").glob("*.html.gz")):
            html = gzip.decompress(path.read_bytes())
            stem = path.name.removesuffix(".html.gz")
            for k in range(copies):
                page = make_copy(html, k) if copies > 1 else html
                (dest / f"{name}-{stem}-{k}.html").write_bytes(page)
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    """Build the input, measure the flow process's CPU, print the figures; 0 when skipped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1, help="marked copies of each page")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the measured run")
    parser.add_argument("--keep", type=Path, help="keep the measured lake at DIR/lake")
    parser.add_argument("--pages", type=Path, help="write the input here once, and reuse it")
    parser.add_argument(
        "--python", type=Path, default=PYTHON, help="interpreter of the newslake measured"
    )
    args = parser.parse_args(argv)
    corpus = shared_corpus()
    if not all((corpus / name / "html").is_dir() for name in CORPORA):
        print(f"skipped: corpora {', '.join(CORPORA)} not found in {corpus}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newslake-serial-") as name:
        try:
            print(measure(args, corpus, args.keep or Path(name)))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


def measure(args: argparse.Namespace, corpus: Path, tmp: Path) -> str:
    """One subprocess: a warm-up run, an empty run and the measured run; returns the report."""
    tmp.mkdir(parents=True, exist_ok=True)
    pages, empty = args.pages or tmp / "pages", tmp / "empty"
    if not pages.is_dir():
        write_pages(corpus, args.copies, pages)
    empty.mkdir(exist_ok=True)
    count = sum(1 for _ in pages.glob("*.html"))
    log(f"input: {count} pages in {pages}")
    env = {**base_env(tmp / "prefect-home"), "NEWSLAKE__EXTRACT__RUNNER": "dask"}
    profile = str(args.profile.resolve()) if args.profile else ""
    cmd = [args.python, "-c", MEASURE, pages, empty, tmp, str(args.workers), profile]
    done = run(cmd, env, tmp, watch=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    articles = sql(tmp / "lake", "select count(*) from articles", env, tmp)[1]
    per_page = 1000 * figures["cpu_s"] / figures["pages"]
    beyond = 1000 * (figures["cpu_s"] - figures["fixed_s"]) / figures["pages"]
    return "\n".join(
        [
            f"pages: {figures['pages']} ({articles} articles), Dask cluster of "
            f"{args.workers} workers, flow {figures['flow_s']:.1f} s, other load "
            f"{done.background:.2f} cores",
            f"outcomes: {figures['outcomes']}",
            f"flow process CPU: {figures['cpu_s']:.2f} s for the run, {figures['fixed_s']:.2f} s "
            "for an empty run",
            "of which (sampled every 0.2 s): "
            + ", ".join(
                f"{name} thread {s:.1f} s"
                for name, s in sorted(figures["threads"].items())
                if name != "sampler"
            )
            + " (other: Dask's client, Prefect's, DuckDB's and Arrow's); the sampling thread's "
            f"own {figures['threads'].get('sampler', 0.0):.2f} s left out",
            f"per page: {per_page:.2f} ms (ceiling {1000 / per_page:.0f} pages/s); beyond the "
            f"empty run: {beyond:.2f} ms (ceiling {1000 / beyond:.0f} pages/s)",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
