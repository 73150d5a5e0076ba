"""Benchmark the object-store lake against a local one: the same ingest into a directory and
into S3 (moto's server on loopback, as in the tests), and what a new reader pays for its
mirror.

The input is benchmarks/ingest_files.py's (N copies of every page of
../shared/corpus/extraction-dev; skipped, exit 0, when that folder is absent), ingested by the
real CLI with the same workers both ways. moto keeps objects in memory on this machine, so the
figures are newslake's own cost of the store (uploads, Delta commits, lease, mirror), not a real
network's latency.

    .venv/bin/python benchmarks/object_store.py [--copies 22] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ingest_files import (
    DEFAULT_CORPUS,
    BenchError,
    base_env,
    ingest,
    load_corpus,
    log,
    sql,
    write_copies,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from moto_s3 import BUCKET, moto_s3  # the tests' loopback S3

MB = 1 << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--copies", type=int, default=22, help="copies of each page")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not (args.corpus / "html").is_dir():
        print(f"skipped: no corpus at {args.corpus}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newslake-s3-bench-") as name:
        tmp = Path(name)
        write_copies(load_corpus(args.corpus), range(args.copies), tmp / "pages")
        try:
            print(measure(tmp, args.workers))
        except BenchError as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
    return 0


def measure(tmp: Path, workers: int) -> str:
    """Ingest into a directory and into the store; then time a new reader's first query and
    a query on an up-to-date mirror."""
    (tmp / "local").mkdir()
    env = base_env(tmp / "prefect-home")
    local = ingest(tmp / "pages", tmp / "local" / "lake", env, workers)
    log(f"local: {local.pages} pages, flow {local.flow_s:.1f} s")
    url = f"s3://{BUCKET}/bench/lake"
    with moto_s3():
        env = base_env(tmp / "prefect-home")  # now with the AWS_* variables of the store
        env["XDG_CACHE_HOME"] = str(tmp / "writer-cache")
        remote = ingest(tmp / "pages", url, env, workers, logs=tmp)
        log(f"s3: {remote.pages} pages, flow {remote.flow_s:.1f} s")
        reader = {**env, "XDG_CACHE_HOME": str(tmp / "reader-cache")}
        started = time.perf_counter()
        sql(url, "select count(*) from articles", reader, tmp)
        first = time.perf_counter() - started
        started = time.perf_counter()
        sql(url, "select count(*) from articles", reader, tmp)
        again = time.perf_counter() - started
    size = sum(f.stat().st_size for f in (tmp / "local" / "lake").rglob("*.parquet"))
    rows = [
        ("pages", f"{local.pages} ({local.articles} articles; s3: {remote.articles})"),
        ("lake size (Parquet)", f"{size / MB:.1f} MB"),
        ("local directory", f"{local.flow_rate:.1f} pages/s (flow {local.flow_s:.1f} s)"),
        ("s3 (moto on loopback)", f"{remote.flow_rate:.1f} pages/s (flow {remote.flow_s:.1f} s)"),
        ("store overhead", f"{(remote.flow_s / local.flow_s - 1) * 100:+.1f}% of flow time"),
        ("new reader: first query", f"{first:.2f} s (whole command, mirror pulled)"),
        ("up-to-date reader query", f"{again:.2f} s (whole command)"),
        ("other load", f"{local.background:.2f} / {remote.background:.2f} cores"),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n" + "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


if __name__ == "__main__":
    os.environ.pop("PREFECT_API_URL", None)
    sys.exit(main())
