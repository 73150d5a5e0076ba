"""A reader in its own process that queries a lake in a loop while writers commit, and reports
every torn state it saw (tests/flows/test_torn_reads.py runs it).

    python tests/lake_reader.py LAKE STOP_FILE REPORT_FILE [--delta] [--cache-dir DIR]

Each round reads the lake twice, as outside tools would: through `warehouse.duckdb`'s views
on a fresh read-only DuckDB connection (a BI client), and, with --delta, through each table's
Delta log with `deltalake` and pyarrow. LAKE may be a directory or an s3:// URL; an s3 lake
is read through a mirror of its own (CACHE_DIR), brought up to date every round, as
`newslake sql` on another machine does, and, with --delta, also straight from the bucket's
Delta tables (each at its latest version, as any Delta engine reads them). A round is torn
if articles hold an `article_id` twice, claims a sentence twice, claims an article the
articles lack (views only: they pin every table to one run), or if, against earlier rounds
of the same reader, articles have fewer rows or lack a publication-date partition. A query
that fails counts as torn too.
It prints `ready` once its first round is done; once STOP_FILE exists it reads one more round
and writes a JSON summary to REPORT_FILE.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

ARTICLES = "silver/articles"
CLAIMS = "silver/claims"
VIEW_QUERIES = {
    "articles": "SELECT count(*), count(DISTINCT article_id) FROM articles",
    "claims": "SELECT count(*), count(DISTINCT (article_id, sentence_index)) FROM claims",
    "orphans": (
        "SELECT count(*) FROM (SELECT DISTINCT article_id FROM claims) c "
        "ANTI JOIN articles a USING (article_id)"
    ),
    "partitions": "SELECT DISTINCT CAST(published_date AS VARCHAR) FROM articles",
}


class Reader:
    """One way of reading the lake, and what it has seen so far."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rounds = 0
        self.torn: list[str] = []
        self.counts: list[int] = []  # article rows, each time they changed
        self.partitions: set[str] = set()

    def check(self, state: dict[str, Any]) -> None:
        """Record one round's state; anything torn goes to `torn`, with the round."""
        self.rounds += 1
        problems = []
        rows, ids = state["articles"]
        if rows != ids:
            problems.append(f"{rows - ids} duplicate article_id among {rows} articles")
        if state.get("claims") and state["claims"][0] != state["claims"][1]:
            problems.append(f"{state['claims'][0] - state['claims'][1]} duplicate claim rows")
        if state.get("orphans"):
            problems.append(f"claims of {state['orphans']} articles the articles lack")
        if self.counts and rows < self.counts[-1]:
            problems.append(f"articles went back from {self.counts[-1]} to {rows} rows")
        missing = self.partitions - state["partitions"]
        if missing:
            problems.append(f"partitions gone: {sorted(missing)}")
        if not self.counts or rows != self.counts[-1]:
            self.counts.append(rows)
        self.partitions |= state["partitions"]
        self.torn += [f"round {self.rounds}: {p}" for p in problems]

    def failed(self, exc: Exception) -> None:
        self.rounds += 1
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.torn.append(f"round {self.rounds}: {type(exc).__name__}: {first}")

    def summary(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "torn": self.torn,
            "counts": self.counts,
            "partitions": len(self.partitions),
        }


def read_views(root: Path) -> dict[str, Any]:
    """The state through warehouse.duckdb, on a new read-only connection."""
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        state: dict[str, Any] = {}
        for name, sql in VIEW_QUERIES.items():
            rows = con.execute(sql).fetchall()
            if name == "partitions":
                state[name] = {r[0] or "null" for r in rows}
            elif name == "orphans":
                state[name] = rows[0][0]
            else:
                state[name] = rows[0]
        return state
    finally:
        con.close()


def read_delta(root: Path | str, options: dict[str, str] | None = None) -> dict[str, Any]:
    """The state through each table's latest Delta version (deltalake and pyarrow), in a
    directory or, with delta-rs storage `options`, in a bucket (`s3://…`)."""
    import pyarrow.compute as pc
    from deltalake import DeltaTable

    articles = DeltaTable(f"{root}/{ARTICLES}", storage_options=options).to_pyarrow_table(
        columns=["article_id", "published_date"]
    )
    claims = DeltaTable(f"{root}/{CLAIMS}", storage_options=options).to_pyarrow_table(
        columns=["article_id", "sentence_index"]
    )
    claim_keys = pc.binary_join_element_wise(
        claims["article_id"], pc.cast(claims["sentence_index"], "string"), "#"
    )
    dates = pc.unique(pc.cast(articles["published_date"], "string")).to_pylist()
    return {
        "articles": (articles.num_rows, len(pc.unique(articles["article_id"]))),
        "claims": (claims.num_rows, len(pc.unique(claim_keys))),
        "partitions": {d or "null" for d in dates},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lake")
    parser.add_argument("stop", type=Path)
    parser.add_argument("report", type=Path)
    parser.add_argument("--delta", action="store_true", help="also read the Delta tables")
    parser.add_argument("--cache-dir", default="")
    args = parser.parse_args(argv)
    from newslake.warehouse.objectstore import is_remote, local_lake, storage_options

    readers = {"views": Reader("views")}
    if args.delta:
        readers["delta"] = Reader("delta")
    if args.delta and is_remote(args.lake):
        readers["bucket"] = Reader("bucket")
    while True:
        last = args.stop.exists()  # one more round after the stop, to see the last commit
        try:
            root: Path | None = Path(local_lake(args.lake, args.cache_dir))
        except Exception as exc:  # a mirror that cannot be brought up to date is torn too
            root = None
            for reader in readers.values():
                reader.failed(exc)
        for name, read in (("views", read_views), ("delta", read_delta)):
            if root is None or name not in readers:
                continue
            try:
                readers[name].check(read(root))
            except Exception as exc:
                readers[name].failed(exc)
        if "bucket" in readers:  # the tables in the bucket, as any Delta engine reads them
            try:
                readers["bucket"].check(read_delta(args.lake.rstrip("/"), storage_options()))
            except Exception as exc:
                readers["bucket"].failed(exc)
        if sum(r.rounds for r in readers.values()) == len(readers):
            print("ready", flush=True)
        if last:
            break
        if is_remote(args.lake):
            time.sleep(0.05)  # leave the store's server some room between pulls
    report = {name: reader.summary() for name, reader in readers.items()}
    args.report.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
