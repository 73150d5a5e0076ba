"""What is in a lake: tables, partitions, sizes, recent runs, and who holds the lock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from newslake.transforms.errors import LakeError
from newslake.warehouse.lake import Lake, uncommitted
from newslake.warehouse.lock import lock_holder
from newslake.warehouse.schemas import FETCH_LOG, TABLES
from newslake.warehouse.views import parquet_relation

RECENT_RUNS = 5


@dataclass(frozen=True, slots=True)
class PartitionStatus:
    """One partition directory's files, bytes and rows."""

    name: str
    files: int
    bytes: int
    rows: int


@dataclass
class TableStatus:
    """One table's files, bytes, rows and partitions."""

    name: str
    path: str
    files: int
    bytes: int
    rows: int
    partitions: int
    by_partition: list[PartitionStatus] = field(default_factory=list)


@dataclass
class LakeStatus:
    """A lake at a glance."""

    root: str
    tables: list[TableStatus] = field(default_factory=list)
    runs: list[tuple[str, int, dict[str, int]]] = field(default_factory=list)
    lock: str | None = None
    pending_commits: int = 0  # tables committed past the commit point by a killed run


def lake_status(root: str | os.PathLike[str]) -> LakeStatus:
    """Sizes and row counts per table, the latest runs' outcomes, and the lock holder."""
    lake = Lake(root)
    if not lake.root.is_dir():
        raise LakeError(f"no lake at {lake.root}")
    status = LakeStatus(str(lake.root), lock=lock_holder(lake.root))
    status.pending_commits = len(uncommitted(lake))
    for spec in TABLES.values():
        files = lake.data_files(spec)
        parts = [_partition(name, list(group)) for name, group in _by_partition(files)]
        status.tables.append(
            TableStatus(
                spec.name,
                spec.path,
                len(files),
                sum(p.bytes for p in parts),
                sum(p.rows for p in parts),
                len(parts),
                parts,
            )
        )
    con = duckdb.connect()
    try:
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


def _by_partition(files: list[Path]) -> Iterator[tuple[str, Iterator[Path]]]:
    return groupby(files, key=lambda f: f.parent.name)  # data_files come sorted


def _partition(name: str, files: list[Path]) -> PartitionStatus:
    """Sizes and row counts from each file's footer; a file a concurrent commit replaced
    in the meantime counts as empty."""
    size = rows = 0
    for file in files:
        try:
            size += file.stat().st_size
            rows += pq.read_metadata(file).num_rows
        except FileNotFoundError:
            continue
    return PartitionStatus(name, len(files), size, rows)
