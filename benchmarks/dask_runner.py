"""Benchmark the extraction runners: the local process pool against a local Dask cluster.

The same input as benchmarks/ingest_files.py (N copies of every page of
../shared/corpus/extraction-dev; skipped, exit 0, when that folder is absent) ingested by the
real CLI into fresh lakes, with 2 workers each way: `--runner local` (a process pool) and
`--runner dask` (a scheduler and 2 single-threaded workers in child processes, started and
closed by the run). Prints pages/s of the flow's own time and of the whole command, and whether both
lakes hold the same articles. A third run (local runner) times the work that stays in the
flow process whatever the runner: staging each batch, the commit and the gold refresh. Its
pages/s is the ceiling that adding extraction workers cannot pass.

    .venv/bin/python benchmarks/dask_runner.py [--copies 22] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ingest_files import (
    DEFAULT_CORPUS,
    NEWSLAKE,
    PYTHON,
    BenchError,
    Ingest,
    base_env,
    empty_run,
    ingest,
    load_corpus,
    log,
    run,
    sql,
    write_copies,
)

MB = 1 << 20
# Order-independent digest of what a lake's articles say (ids are content-derived).
ARTICLES_DIGEST = (
    "select count(*), sum(hash(article_id, content_hash, story_id, title, published_at)) "
    "from articles"
)
# One ingest in a subprocess, timing the flow-process tasks every batch goes through.
SERIAL_WORK = """
import json, sys, time
from newslake.flows import commits, ingest, pipeline
spent = {}
def timed(name, fn):
    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started
    return call
pipeline.Pipeline.stage = timed("stage_batch", pipeline.Pipeline.stage)
for name in ("commit_run", "refresh_gold_task"):
    task = getattr(commits, name)
    task.fn = timed(name, task.fn)
summary = ingest.run_ingest(sources=[sys.argv[1]], lake=sys.argv[2], workers=int(sys.argv[3]))
print(json.dumps({"pages": summary.inputs, "seconds": summary.seconds, **spent}))
"""


def main(argv: list[str] | None = None) -> int:
    """Build the input, ingest it with each runner, print the figures; 0 also when skipped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="extraction-dev dir")
    parser.add_argument("--copies", type=int, default=22, help="copies of each page")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes each way")
    args = parser.parse_args(argv)
    if not (args.corpus / "html").is_dir():
        print(f"skipped: corpus not found at {args.corpus}")
        return 0
    if not NEWSLAKE.exists():
        print("error: no newslake console script; install the project first")
        return 1
    with tempfile.TemporaryDirectory(prefix="newslake-dask-") as name:
        try:
            print(measure(args, Path(name)))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


def measure(args: argparse.Namespace, tmp: Path) -> str:
    """Ingest the input once per runner (after a warm-up that creates Prefect's database)."""
    pages = tmp / "pages"
    corpus = load_corpus(args.corpus)
    size = write_copies(corpus, range(args.copies), pages)
    log(f"input: {len(corpus)} pages x {args.copies} copies, {size / MB:.0f} MB")
    env = base_env(tmp / "prefect-home")
    empty_run(tmp, env)
    results: dict[str, Ingest] = {}
    digests: dict[str, list[str]] = {}
    for runner in ("local", "dask"):
        lake = Path(tempfile.mkdtemp(dir=tmp)) / "lake"
        runner_env = {**env, "NEWSLAKE__EXTRACT__RUNNER": runner}
        results[runner] = ingest(pages, lake, runner_env, args.workers)
        digests[runner] = sql(lake, ARTICLES_DIGEST, env, lake.parent)
        log(f"{runner}: {results[runner].flow_rate:.1f} pages/s")
    local, dask = results["local"], results["dask"]
    same = digests["local"] == digests["dask"]
    work = Path(tempfile.mkdtemp(dir=tmp))
    cmd = [PYTHON, "-c", SERIAL_WORK, pages, work / "lake", str(args.workers)]
    serial = json.loads(run(cmd, env, work).stdout.strip().splitlines()[-1])
    staged = serial["stage_batch"]
    at_end = serial["commit_run"] + serial["refresh_gold_task"]
    ceiling = serial["pages"] / (staged + at_end)
    lines = [
        f"pages: {local.pages} ({local.articles} articles), {args.workers} workers each way",
        f"local process pool: {_rates(local)}",
        f"dask cluster:       {_rates(dask)}",
        f"dask / local (flow): {dask.flow_rate / local.flow_rate:.2f}x",
        f"same outcomes and articles: {_outcomes(local) == _outcomes(dask) and same}",
        f"flow process, local runner: stage_batch {staged:.1f} s, commit and gold "
        f"{at_end:.1f} s of a {serial['seconds']:.1f} s flow; ceiling {ceiling:.1f} pages/s",
    ]
    return "\n".join(lines)


def _outcomes(result: Ingest) -> dict[str, float]:
    return {k: v for k, v in result.summary.items() if k != "seconds"}


def _rates(result: Ingest) -> str:
    return (
        f"{result.flow_rate:6.1f} pages/s flow ({result.flow_s:.1f} s), "
        f"{result.wall_rate:.1f} pages/s wall ({result.wall_s:.1f} s), "
        f"peak RSS {result.peak_rss / MB:.0f} MB, other load {result.background:.2f} cores"
    )


if __name__ == "__main__":
    sys.exit(main())
