"""What is in a lake: tables, partitions, sizes, recent runs, and who holds the lock."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from newslake.transforms.errors import LakeError
from newslake.warehouse.lake import JOURNAL, Lake
from newslake.warehouse.lock import lock_holder
from newslake.warehouse.schemas import FETCH_LOG, TABLES
from newslake.warehouse.views import parquet_relation

RECENT_RUNS = 5


@dataclass
class TableStatus:
    """One table's files, bytes, rows and partitions."""

    name: str
    path: str
    files: int
    bytes: int
    rows: int
    partitions: int


@dataclass
class LakeStatus:
    """A lake at a glance."""

    root: str
    tables: list[TableStatus] = field(default_factory=list)
    runs: list[tuple[str, int, dict[str, int]]] = field(default_factory=list)
    lock: str | None = None
    pending_commits: int = 0


def lake_status(root: str | os.PathLike[str]) -> LakeStatus:
    """Sizes and row counts per table, the latest runs' outcomes, and the lock holder."""
    lake = Lake(root)
    if not lake.root.is_dir():
        raise LakeError(f"no lake at {lake.root}")
    status = LakeStatus(str(lake.root), lock=lock_holder(lake.root))
    status.pending_commits = len(list((lake.root / JOURNAL).glob("*.json")))
    con = duckdb.connect()
    try:
        for spec in TABLES.values():
            files = lake.data_files(spec)
            rows = 0
            if files:
                rows = con.execute(
                    f"SELECT count(*) FROM {parquet_relation(lake, spec)}"
                ).fetchall()[0][0]
            status.tables.append(
                TableStatus(
                    spec.name,
                    spec.path,
                    len(files),
                    sum(_size(f) for f in files),
                    rows,
                    len({f.parent for f in files}),
                )
            )
        if lake.data_files(FETCH_LOG):
            log = parquet_relation(lake, FETCH_LOG)
            runs = con.execute(
                f"SELECT run_id, count(*), histogram(outcome) FROM {log} "
                f"GROUP BY run_id ORDER BY run_id DESC LIMIT {RECENT_RUNS}"
            ).fetchall()
            status.runs = [(run_id, n, dict(outcomes)) for run_id, n, outcomes in runs]
    finally:
        con.close()
    return status


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # replaced by a concurrent commit
        return 0
