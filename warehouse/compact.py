"""Compaction: a partition's small Parquet files (one per run) merged into files of about a
target size."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from newslake.warehouse.lake import Commit
from newslake.warehouse.schemas import TABLES, conform

TARGET_BYTES = 128 << 20  # large enough for few files per partition, small enough to prune


def compact(commit: Commit, min_files: int = 2, target_bytes: int = TARGET_BYTES) -> dict[str, int]:
    """Stage the merge of the small files (under `target_bytes`) of every partition holding at
    least `min_files` of them, into files of at most about `target_bytes`; returns the files
    merged per table. Rows are kept as they are, in today's schema and sort order; readers see
    the old files or the merged ones, never both (one journaled commit)."""
    merged: dict[str, int] = {}
    for spec in TABLES.values():
        table_dir = commit.lake.table_dir(spec)
        staged = commit.tables[spec.name]
        for partition in sorted(p for p in table_dir.glob("*") if p.is_dir()):
            small = [f for f in sorted(partition.glob("*.parquet")) if _size(f) < target_bytes]
            if len(small) < max(min_files, 2):
                continue
            for group in _groups(small, target_bytes):
                for file in group:
                    staged.add_arrow(partition.name, conform(pq.read_table(file), spec.schema))
                    commit.drop(spec.name, f"{partition.name}/{file.name}")
                staged.finish(partition.name)  # one group in memory, one file open, at a time
                merged[spec.name] = merged.get(spec.name, 0) + len(group)
    return merged


def _groups(files: list[Path], target_bytes: int) -> list[list[Path]]:
    """Consecutive files packed into groups of at most `target_bytes` together; a file left
    alone in its group is not worth rewriting."""
    groups: list[list[Path]] = [[]]
    total = 0
    for file in files:
        size = _size(file)
        if groups[-1] and total + size > target_bytes:
            groups.append([])
            total = 0
        groups[-1].append(file)
        total += size
    return [group for group in groups if len(group) > 1]


def _size(file: Path) -> int:
    return file.stat().st_size
