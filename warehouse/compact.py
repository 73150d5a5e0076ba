"""Compaction: each partition's many small Parquet files (one per run) merged into one."""

from __future__ import annotations

import pyarrow.parquet as pq

from newslake.warehouse.lake import Commit
from newslake.warehouse.schemas import TABLES, conform


def compact(commit: Commit, min_files: int = 2) -> dict[str, int]:
    """Stage the merge of every partition holding at least `min_files` files; returns the
    files merged per table. Rows are kept as they are, in today's schema and sort order;
    readers see the old files or the merged one, never both (one journaled commit)."""
    merged: dict[str, int] = {}
    for spec in TABLES.values():
        table_dir = commit.lake.table_dir(spec)
        for partition in sorted(p for p in table_dir.glob("*") if p.is_dir()):
            files = sorted(partition.glob("*.parquet"))
            if len(files) < max(min_files, 2):
                continue
            staged = commit.tables[spec.name]
            for file in files:
                staged.add_arrow(partition.name, conform(pq.read_table(file), spec.schema))
            staged.finish(partition.name)  # one partition in memory, one file open, at a time
            commit.clear(spec.name, partition.name)
            merged[spec.name] = merged.get(spec.name, 0) + len(files)
    return merged
