"""The lake on disk: staged Parquet writes published all at once through a journal.

A run writes every new or rewritten file under `_staging/<run_id>/`, then writes
`_journal/<run_id>.json` naming each move and delete; renaming that journal into
place is the commit point. Applying it is idempotent, so a run killed at any point
leaves either nothing (staging is discarded) or a journal the next writer finishes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newslake.transforms.errors import LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.lock import writer_lock
from newslake.warehouse.schemas import NO_DATE, TABLES, TableSpec, conform
from newslake.warehouse.views import build_warehouse

STAGING = "_staging"
JOURNAL = "_journal"
_ROW_GROUP_BYTES = 16 << 20  # flush a partition's buffer at this size (Arrow bytes)
_BUFFER_BYTES = 64 << 20  # flush every table when all their buffers together pass this
_WRITE_OPTIONS = {"compression": "zstd", "write_statistics": True}


def prefer_jemalloc() -> None:
    """Give Arrow its jemalloc allocator in this process and the processes it starts, unless
    ARROW_DEFAULT_MEMORY_POOL names one. Called by entry points (the CLI), never on import:
    a program that only reads the lake keeps its own allocator.

    Staging turns hundreds of MB of page bodies into Arrow tables and Parquet. With Arrow's
    default (mimalloc) on this stack, those steps took twice the CPU time of jemalloc, most of
    it the kernel handing back memory that had just been released (benchmarks/README.md).
    """
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())
        # Flow runs that `newslake serve` starts read it when their Arrow starts.
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"


def parquet_writer(path: Path, spec: TableSpec) -> pq.ParquetWriter:
    """A zstd Parquet writer for one of the table's files, dictionaries where values repeat."""
    return pq.ParquetWriter(
        path, spec.schema, use_dictionary=spec.dictionary_columns, **_WRITE_OPTIONS
    )


class Lake:
    """A lake rooted at a local directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()

    def table_dir(self, spec: TableSpec) -> Path:
        """Directory holding a table's partitions."""
        return self.root / spec.path

    def data_files(self, spec: TableSpec) -> list[Path]:
        """Committed Parquet files of a table, sorted."""
        return sorted(self.table_dir(spec).glob("*/*.parquet"))

    def file_glob(self, spec: TableSpec) -> str:
        """Glob over a table's committed files, for DuckDB's read_parquet."""
        return str(self.table_dir(spec) / "*" / "*.parquet")

    @contextmanager
    def writing(self, run: RunInfo, timeout_s: float) -> Iterator[Commit]:
        """Hold the writer lock, finish any interrupted commit, and yield this run's Commit.

        Nothing is visible to readers until `Commit.publish()`; leaving the block
        without publishing discards what was staged.
        """
        with writer_lock(self.root, run.run_id, timeout_s):
            recover(self)
            commit = Commit(self, run)
            try:
                yield commit
            finally:
                commit.discard()


@dataclass
class _Partition:
    chunks: list[pa.Table] = field(default_factory=list)
    size: int = 0
    writer: pq.ParquetWriter | None = None
    files: list[str] = field(default_factory=list)  # written so far, the open one last


class StagedTable:
    """Rows of one table for one run, held as Arrow per partition and written as row groups."""

    def __init__(self, spec: TableSpec, staging: Path, run_id: str) -> None:
        self.spec = spec
        self.staging = staging
        self.file_name = f"part-{run_id}.parquet"
        self.partitions: dict[str, _Partition] = {}
        self.buffered = 0  # Arrow bytes held in memory
        self.rows = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Buffer rows as Arrow (compact, and checked against the schema right away)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(partition_dir(self.spec, row), []).append(row)
        for name, group in groups.items():
            self.add_arrow(name, self.spec.to_table(group))

    def add_arrow(self, name: str, table: pa.Table) -> None:
        """Buffer an Arrow table (in the table's schema) for one partition directory."""
        if not table.num_rows:
            return
        part = self.partitions.setdefault(name, _Partition())
        part.chunks.append(table)
        part.size += table.nbytes
        self.buffered += table.nbytes
        self.rows += table.num_rows
        if part.size >= _ROW_GROUP_BYTES:
            self._flush(name)

    def flush(self) -> None:
        """Write every buffered row to the staged files."""
        for name in list(self.partitions):
            self._flush(name)

    def finish(self, name: str) -> None:
        """Flush and close one partition's staged file; rows added later start another."""
        self._flush(name)
        writer = self.partitions[name].writer
        if writer is not None and writer.is_open:
            writer.close()

    def close(self) -> list[str]:
        """Flush and close every staged file; returns their paths relative to the table."""
        self.flush()
        for part in self.partitions.values():
            if part.writer is not None and part.writer.is_open:
                part.writer.close()
        return [
            f"{name}/{file}"
            for name in sorted(self.partitions)
            for file in self.partitions[name].files
        ]

    def _flush(self, name: str) -> None:
        part = self.partitions[name]
        if not part.chunks:
            return
        table = pa.concat_tables(part.chunks)
        if part.writer is None or not part.writer.is_open:
            file = self.file_name
            if part.files:  # a second file for this partition in one run (compaction)
                file = file.replace(".parquet", f"-{len(part.files)}.parquet")
            part.files.append(file)
            path = self.staging / self.spec.path / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            part.writer = parquet_writer(path, self.spec)
        for group in row_groups(table, self.spec.sort_by):
            part.writer.write_table(group)
        failpoint("mid-write")
        self.buffered -= part.size
        part.chunks, part.size = [], 0


def row_groups(table: pa.Table, sort_by: str | None = None) -> Iterator[pa.Table]:
    """The table's rows (sorted by `sort_by`) in slices of about _ROW_GROUP_BYTES, each
    written as its own row group.

    A Parquet writer keeps buffers as large as the largest row group it wrote (twice that,
    compressed) until it closes: one large flush of big pages would hold hundreds of MB.
    Sorted slices are taken one at a time, so no sorted copy of the whole table is made.
    """
    rows = max(1, table.num_rows * _ROW_GROUP_BYTES // max(table.nbytes, 1))
    order = pc.sort_indices(table, [(sort_by, "ascending")]) if sort_by else None
    for start in range(0, table.num_rows, rows):
        yield table.slice(start, rows) if order is None else table.take(order.slice(start, rows))


class Commit:
    """Everything one run will publish: staged tables, row removals, then the journal."""

    def __init__(self, lake: Lake, run: RunInfo) -> None:
        self.lake = lake
        self.run = run
        self.staging = lake.root / STAGING / run.run_id
        self.journal = lake.root / JOURNAL / f"{run.run_id}.json"
        self.tables = {
            name: StagedTable(spec, self.staging, run.run_id) for name, spec in TABLES.items()
        }
        self.removals: dict[tuple[str, str], set[str]] = {}
        self.cleared: set[tuple[str, str]] = set()
        self.dropped: set[tuple[str, str]] = set()
        self.archives: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    def add(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Stage rows for a table; all tables share one memory budget, so memory stays flat."""
        self.tables[table].add(rows)
        if sum(staged.buffered for staged in self.tables.values()) >= _BUFFER_BYTES:
            for staged in self.tables.values():
                staged.flush()

    def remove(
        self,
        table: str,
        file: str,
        keys: Iterable[str],
        archive: tuple[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
    ) -> None:
        """Drop the rows with these keys from one committed file (relative to the table).

        With `archive=(table, to_row)`, each dropped row is also staged into that table as
        `to_row(row)` (e.g. an article's earlier version into article_versions).
        """
        self.removals.setdefault((table, file), set()).update(keys)
        if archive:
            self.archives[table] = archive

    def clear(self, table: str, partition: str) -> None:
        """Delete every committed file of one partition (e.g. before writing it anew)."""
        self.cleared.add((table, partition))

    def drop(self, table: str, file: str) -> None:
        """Delete one committed file (relative to the table), e.g. once merged into another."""
        self.dropped.add((table, file))

    def clear_table(self, table: str) -> None:
        """Delete every committed file of a table (before writing it whole anew)."""
        for path in self.lake.data_files(TABLES[table]):
            self.clear(table, path.parent.name)

    def publish(self) -> dict[str, int]:
        """Write the journal (the commit point) and apply it; returns rows staged per table."""
        ops: list[dict[str, str]] = []
        for table, partition in sorted(self.cleared):
            spec = TABLES[table]
            for old in sorted((self.lake.table_dir(spec) / partition).glob("*.parquet")):
                ops.append({"op": "delete", "path": f"{spec.path}/{partition}/{old.name}"})
        for table, file in sorted(self.dropped):
            ops.append({"op": "delete", "path": f"{TABLES[table].path}/{file}"})
        for (table, file), keys in sorted(self.removals.items()):
            ops.append(self._rewrite_without(TABLES[table], file, keys))
        for name, staged in self.tables.items():
            for rel in staged.close():
                if (name, rel) in self.removals:
                    raise LakeError(f"run {self.run.run_id} would write {rel} twice")
                ops.append(self._put(staged.spec, rel))
        if ops:
            self.journal.parent.mkdir(parents=True, exist_ok=True)
            payload = {"run_id": self.run.run_id, "ops": ops}
            _write_atomic(self.journal, json.dumps(payload).encode())
            apply_journal(self.lake, self.journal)
        return {name: staged.rows for name, staged in self.tables.items()}

    def discard(self) -> None:
        """Drop this run's staging, unless a written journal still needs it.

        A journal left behind (the run died while applying it) is finished by the next
        writer's `recover`, which needs the staged files it names.
        """
        for staged in self.tables.values():
            for part in staged.partitions.values():
                if part.writer is not None and part.writer.is_open:
                    part.writer.close()
        if not self.journal.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    def _put(self, spec: TableSpec, rel: str) -> dict[str, str]:
        return {
            "op": "put",
            "src": f"{STAGING}/{self.run.run_id}/{spec.path}/{rel}",
            "dst": f"{spec.path}/{rel}",
        }

    def _rewrite_without(self, spec: TableSpec, rel: str, keys: set[str]) -> dict[str, str]:
        source = self.lake.table_dir(spec) / rel
        parquet = pq.ParquetFile(source)
        key_set = pa.array(sorted(keys), pa.string())
        target = self.staging / spec.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        kept = 0
        archive = self.archives.get(spec.name)
        with parquet_writer(target, spec) as writer:
            for i in range(parquet.num_row_groups):
                group = conform(parquet.read_row_group(i), spec.schema)
                dropped = pc.is_in(group[spec.key], value_set=key_set)
                if archive:
                    table, to_row = archive
                    self.add(table, map(to_row, group.filter(dropped).to_pylist()))
                group = group.filter(pc.invert(dropped))
                if group.num_rows:
                    writer.write_table(group)
                    kept += group.num_rows
        if not kept:
            target.unlink()
            return {"op": "delete", "path": f"{spec.path}/{rel}"}
        return self._put(spec, rel)


def partition_dir(spec: TableSpec, row: dict[str, Any]) -> str:
    """Hive directory name ('published_date=2026-03-02') for a row."""
    value: date | None = spec.partition_of(row)
    return f"{spec.partition}={value.isoformat() if value else NO_DATE}"


def partition_value(relative_file: str) -> date | None:
    """The date in a file's Hive partition directory ('published_date=2026-03-02/x.parquet')."""
    value = relative_file.split("/", 1)[0].partition("=")[2]
    return None if value == NO_DATE else date.fromisoformat(value)


def apply_journal(lake: Lake, journal: Path) -> None:
    """Carry out a committed journal's moves and deletes (safe to repeat), then drop it."""
    ops = json.loads(journal.read_text())["ops"]
    for done, op in enumerate(ops):
        if done:
            failpoint("mid-commit")
        if op["op"] == "put":
            src, dst = lake.root / op["src"], lake.root / op["dst"]
            if src.exists():  # else a previous attempt already moved it
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        else:
            (lake.root / op["path"]).unlink(missing_ok=True)
    _fsync_dir(lake.root)
    build_warehouse(lake)
    journal.unlink()


def recover(lake: Lake) -> None:
    """Finish commits a killed run left behind and drop staging no journal refers to."""
    journals = sorted((lake.root / JOURNAL).glob("*.json"))
    for journal in journals:
        apply_journal(lake, journal)
    shutil.rmtree(lake.root / STAGING, ignore_errors=True)
    for spec in TABLES.values():
        for tmp in lake.table_dir(spec).glob("*/.*.tmp"):
            tmp.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
