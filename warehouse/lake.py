"""The lake on disk: Delta tables whose files newslake writes, published run by run.

A run writes every new or rewritten file under `_staging/<run_id>/` (a rewritten file gets a
new name), moves them into the table directories, commits each changed table once (Delta
add/remove actions), then appends its row to `_runs`: that row is the commit point. Readers
read each table at the versions of the newest `_runs` row, so a run killed before it is
invisible, and the next writer restores the tables it had committed.

Runs stage concurrently (`Lake.staging`); only the commit itself, and a placement redone when
another run committed meanwhile, is one writer at a time (`Commit.section`).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable

from newslake.transforms.errors import LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse.claim_keys import (
    CLAIM_KEYS,
    FULL,
    MAX_SEGMENTS,
    MERGED,
    ONE_COMMIT,
    covers,
    has_cluster_index,
    index_by_cluster,
    merge_segments,
    write_segment,
)
from newslake.warehouse.delta import (
    LOG,
    commit_files,
    file_stats,
    is_table,
    open_table,
    partition_value,
)
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.lock import held_dir, remove_if_dead, writer_lock
from newslake.warehouse.runs import RunPoint, append_run, head, newest
from newslake.warehouse.schemas import CLAIMS, NO_DATE, TABLES, TableSpec, conform
from newslake.warehouse.views import build_warehouse

STAGING = "_staging"
JOURNAL = "_journal"  # the commit journal of lakes written before Delta
REPLAY = "replay"  # in a run's staging: the batches it read, kept to place them again
_ROW_GROUP_BYTES = 16 << 20  # flush a partition's buffer at this size (Arrow bytes)
_BUFFER_BYTES = 64 << 20  # flush every table when all their buffers together pass this
_WRITE_OPTIONS = {"compression": "zstd", "write_statistics": True}
LAKE_FILES = TABLES | {CLAIM_KEYS.name: CLAIM_KEYS}  # what commits write: tables, key index


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
    """A lake rooted at a local directory, read at one commit point: the newest `_runs` row, or
    the table versions given (`--as-of`)."""

    def __init__(
        self, root: str | os.PathLike[str], versions: dict[str, int] | None = None
    ) -> None:
        self.root = Path(root).expanduser().absolute()
        self.fixed = versions
        self._point: tuple[str | None, dict[str, int]] | None = None  # (`_runs` head, versions)
        self._files: dict[tuple[str, int], list[Path]] = {}

    def table_dir(self, spec: TableSpec) -> Path:
        """Directory holding a table's partitions (and its `_delta_log/`)."""
        return self.root / spec.path

    def versions(self) -> dict[str, int]:
        """The Delta version of each table that readers see (a table not listed is empty):
        those given, or those of the newest `_runs` row, read again when `_runs` moves on."""
        if self.fixed is not None:
            return self.fixed
        now = head(self.root)
        if self._point is None or self._point[0] != now:
            point = newest(self.root) if now else None
            if point is None:
                refuse_old_format(self.root)
            self._point = (now, point.versions if point else {})
        return self._point[1]

    def data_files(self, spec: TableSpec) -> list[Path]:
        """The Parquet files of a table at its pinned version, sorted."""
        version = self.versions().get(spec.name)
        if version is None:
            return []
        key = (spec.name, version)
        if key not in self._files:
            table = open_table(self.table_dir(spec), version)
            self._files[key] = sorted(Path(uri) for uri in table.file_uris())
        return self._files[key]

    def file_list(self, spec: TableSpec) -> list[str]:
        """A table's files at its pinned version, for DuckDB's read_parquet."""
        return [str(path) for path in self.data_files(spec)]

    def commit_table(
        self,
        spec: TableSpec,
        added: list[str],
        removed: set[str],
        run_id: str,
        stats: Mapping[str, dict[str, Any]] | None = None,
    ) -> int:
        """One Delta commit of a table: files (relative to it) added and removed, `stats` the
        statistics of added files known already (`delta.commit_files`); its version."""
        return commit_files(self.table_dir(spec), spec, added, removed, run_id, stats=stats)

    def append_point(self, point: RunPoint) -> None:
        """Append a commit point to `_runs`."""
        append_run(self.root, point)

    def delta_table(self, path: Path) -> DeltaTable:
        """The latest version of one of the lake's Delta tables (a table or `_runs`) where it is
        committed, to change it through deltalake; then call `refreshed(path)`."""
        return open_table(path)

    def refreshed(self, path: Path) -> None:
        """Bring the local copy of a table changed through `delta_table` up to date (a local
        lake's is the table itself)."""

    def forget_table(self, path: Path) -> None:
        """Delete a table's Delta log (the files stay for vacuum)."""
        shutil.rmtree(path / LOG)

    def reopened(self) -> Lake:
        """The lake anew at its current commit point, without this object's cached file lists
        (a remote lake's still commits to the store)."""
        return Lake(self.root)

    def head(self) -> str | None:
        """The newest entry of `_runs`'s log where the lake is committed: it changes with
        every commit point."""
        return head(self.root)

    def catch_up(self) -> None:
        """Bring the local copy to the lake's current commit point (a local lake is it)."""

    @contextmanager
    def exclusive(self, run_id: str, timeout_s: float) -> Iterator[Lake]:
        """Hold the single-writer section (waiting up to `timeout_s`) and yield the lake read
        at its current commit point."""
        with writer_lock(self.root, run_id, timeout_s):
            yield Lake(self.root)

    @contextmanager
    def writing(self, run: RunInfo, timeout_s: float) -> Iterator[Commit]:
        """Hold the writer lock, undo any interrupted commit, and yield this run's Commit.

        Nothing is visible to readers until `Commit.publish()`; leaving the block
        without publishing discards what was staged.
        """
        with writer_lock(self.root, run.run_id, timeout_s):
            recover(self)
            commit = Commit(self, run)
            with held_dir(commit.staging):
                try:
                    yield commit
                finally:
                    commit.discard()

    @contextmanager
    def staging(self, run: RunInfo, timeout_s: float) -> Iterator[Commit]:
        """Yield this run's Commit without the writer lock, reading the lake as of now (its
        commit point pinned, whatever other runs publish meanwhile); publish it inside
        `Commit.section()`, which waits up to `timeout_s` for the lock."""
        refuse_old_format(self.root)
        commit = Commit(self, run)
        commit.locked, commit.timeout_s = False, timeout_s
        commit.pin()
        with held_dir(commit.staging):
            try:
                yield commit
            finally:
                commit.discard()


def refuse_old_format(root: Path) -> None:
    """LakeError if `root` holds a lake written before its tables were Delta tables (it has the
    commit journal's directory and no `_runs` yet)."""
    if head(root) is None and (root / JOURNAL).is_dir():
        raise LakeError(
            f"lake {root} was written by an earlier newslake (plain Parquet): "
            "run `newslake migrate` to convert it to Delta tables"
        )


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
        self.adopted: list[str] = []  # files another process wrote into the staging directory
        self.stats: dict[str, dict[str, Any]] = {}  # Delta statistics of files written elsewhere

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        """Buffer rows as Arrow (compact, and checked against the schema right away)."""
        rows = list(rows)
        if rows:
            names = [partition_dir(self.spec, row) for row in rows]
            self._add_grouped(self.spec.to_table(rows), names)

    def _add_grouped(self, table: pa.Table, names: Sequence[str]) -> None:
        """Buffer an Arrow table (in the table's schema) whose row i goes to partition
        directory `names[i]`: one conversion for a whole batch, however many days it spans."""
        if len(set(names)) <= 1:
            if names:
                self.add_arrow(names[0], table)
            return
        order = sorted(range(len(names)), key=names.__getitem__)  # stable: rows keep their order
        grouped = table.take(order)
        start = 0
        for end in range(1, len(order) + 1):
            if end == len(order) or names[order[end]] != names[order[start]]:
                self.add_arrow(names[order[start]], grouped.slice(start, end - start))
                start = end

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

    def adopt(self, files: Sequence[str], rows: int) -> None:
        """Take in files another process staged for this table as this one does (paths
        relative to the table, `rows` rows in all), e.g. a worker's part files."""
        self.adopted.extend(files)
        self.rows += rows

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
        ] + self.adopted

    def hand_off(self) -> tuple[pa.Table, list[tuple[str, str, int]]] | None:
        """Take every buffered row out of memory, for another process to write as this table's
        staged files with `write_partitions` (None: nothing buffered). Returns the rows, one
        partition after another, and each partition's (directory, file name, rows); the files
        count as staged, and rows added later go to further files."""
        parts = [(name, part) for name, part in sorted(self.partitions.items()) if part.chunks]
        if not parts:
            return None
        rows = pa.concat_tables([chunk for _, part in parts for chunk in part.chunks])
        written = []
        for name, part in parts:
            if part.writer is not None and part.writer.is_open:
                part.writer.close()  # an earlier flush's file: the handed rows get another
            written.append((name, self._new_file(part), sum(c.num_rows for c in part.chunks)))
            self.buffered -= part.size
            part.chunks, part.size = [], 0
        return rows.combine_chunks(), written

    def _new_file(self, part: _Partition) -> str:
        file = self.file_name
        if part.files:  # a second file for this partition in one run (compaction)
            file = file.replace(".parquet", f"-{len(part.files)}.parquet")
        part.files.append(file)
        return file

    def _flush(self, name: str) -> None:
        part = self.partitions[name]
        if not part.chunks:
            return
        table = pa.concat_tables(part.chunks)
        if part.writer is None or not part.writer.is_open:
            path = self.staging / self.spec.path / name / self._new_file(part)
            path.parent.mkdir(parents=True, exist_ok=True)
            part.writer = parquet_writer(path, self.spec)
        for group in row_groups(table, self.spec.sort_by):
            part.writer.write_table(group)
        failpoint("mid-write")
        self.buffered -= part.size
        part.chunks, part.size = [], 0


def write_partitions(
    staging: Path, table: str, rows: pa.Table, parts: Sequence[tuple[str, str, int]]
) -> dict[str, dict[str, Any]]:
    """Write rows a `StagedTable.hand_off` took (of lake table `table`) as that run's staged
    files under `staging`, each partition's file as the run's own process would have.
    Returns each file's Delta statistics (`delta.file_stats`), for `StagedTable.stats`."""
    spec = TABLES[table]
    stats = {}
    start = 0
    for name, file, count in parts:
        path = staging / spec.path / name / file
        path.parent.mkdir(parents=True, exist_ok=True)
        with parquet_writer(path, spec) as writer:
            for group in row_groups(rows.slice(start, count), spec.sort_by):
                writer.write_table(group)
        stats[f"{name}/{file}"] = file_stats(pq.read_metadata(path), spec)
        start += count
    return stats


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


def _here(fn: Callable[..., Any], /, *args: object) -> Any:
    return fn(*args)


class Commit:
    """Everything one run will publish: staged tables and removals, then one Delta commit per
    changed table and the run's `_runs` row, the commit point."""

    def __init__(self, lake: Lake, run: RunInfo, kind: str = "run") -> None:
        self.lake = lake
        self.home = lake  # the lake itself, unpinned: where the section and the head are
        self.run = run
        self.kind = kind
        self.staging = lake.root / STAGING / run.run_id
        self.locked = True  # in the writer's section (`Lake.writing`); see `section()`
        self.base: str | None = None  # the `_runs` head the run placed against (`staging`)
        self.timeout_s = 0.0
        self.section_s = 0.0  # seconds the section was held
        self.index_claims = True  # False: leave the claim key index to a later commit
        # Runs the claim key index's segment builds, `offload(fn, *args)`: here, or on a
        # worker that sees the staging directory (flows.workers.beside).
        self.offload: Callable[..., Any] = _here
        self._reset()

    def _reset(self) -> None:
        self.tables = {
            name: StagedTable(spec, self.staging, self.run.run_id) for name, spec in TABLES.items()
        }
        self.removals: dict[tuple[str, str], set[str]] = {}
        self.cleared: set[tuple[str, str]] = set()
        self.dropped: set[tuple[str, str]] = set()
        self.archives: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {}
        self._rewrites = 0

    @contextmanager
    def section(self) -> Iterator[bool]:
        """The lake's single-writer section, for a commit from `Lake.staging`: wait for the
        writer lock (`Lake.exclusive`: a remote lake's lease), undo what a killed writer
        committed past the commit point, and read the lake at its current point. Yields
        whether that point is still the one the run placed against; if not, the run must
        `restart()` and place its batches again before it publishes. A commit from
        `Lake.writing` is in the section already (yields True)."""
        if self.locked:
            yield True
            return
        with self.home.exclusive(self.run.run_id, self.timeout_s) as current:
            entered = time.perf_counter()
            recover(current)
            fresh = self.home.head() == self.base
            self.lake, self.locked = current, True
            try:
                yield fresh
            finally:
                self.locked = False
                self.section_s += time.perf_counter() - entered

    def pin(self) -> None:
        """Read the lake at its current commit point from now on, whatever other runs publish
        (outside the section)."""
        root = self.home.root
        self.base = self.home.head()  # read first: a newer point only costs a re-placing
        self.home.catch_up()
        point = newest(root) if self.base else None
        self.lake = Lake(root, point.versions if point else {})

    def moved(self) -> bool:
        """Whether another run has published since the point this run reads was pinned."""
        return self.home.head() != self.base

    def restart(self) -> None:
        """Drop everything staged (the run's journal of batches stays), to stage the run again
        against the lake's current commit point (pinned anew outside the section)."""
        self._close_files()
        for entry in self.staging.iterdir():
            if entry.name == REPLAY:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        if not self.locked:
            self.pin()
        self._reset()

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
        """Remove every committed file of one partition (e.g. before writing it anew)."""
        self.cleared.add((table, partition))

    def drop(self, table: str, file: str) -> None:
        """Remove one committed file (relative to the table), e.g. once merged into another."""
        self.dropped.add((table, file))

    def clear_table(self, table: str) -> None:
        """Remove every committed file of a table (before writing it whole anew)."""
        for path in self.lake.data_files(TABLES[table]):
            self.clear(table, path.parent.name)

    def publish(self) -> dict[str, int]:
        """Commit what was staged: each changed table in one Delta commit, then the run's
        `_runs` row, which makes them visible together. Returns rows staged per table."""
        if not self.locked:
            raise LakeError(f"run {self.run.run_id} published outside the writer's section")
        added: dict[str, list[str]] = {name: [] for name in LAKE_FILES}
        removed: dict[str, set[str]] = {name: set() for name in LAKE_FILES}
        for table, partition in self.cleared:
            for rel in self._committed(TABLES[table]):
                if rel.startswith(f"{partition}/"):
                    removed[table].add(rel)
        for table, file in self.dropped:
            removed[table].add(file)
        for (table, file), keys in sorted(self.removals.items()):
            removed[table].add(file)
            rewritten = self._rewrite_without(TABLES[table], file, keys)
            if rewritten:
                added[table].append(rewritten)
        for name, staged in self.tables.items():
            added[name].extend(staged.close())
        if self.index_claims:
            self._index_claims(added, removed)
        changed = [name for name in LAKE_FILES if added[name] or removed[name]]
        if changed:
            versions = dict(self.lake.versions())
            for done, name in enumerate(changed):
                if done:
                    failpoint("mid-commit")
                spec = LAKE_FILES[name]
                for rel in added[name]:
                    target = self.lake.table_dir(spec) / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(self.staging / spec.path / rel, target)
                known = self.tables[name].stats if name in self.tables else None
                versions[name] = self.lake.commit_table(
                    spec, added[name], removed[name], self.run.run_id, known
                )
            failpoint("mid-commit")
            self.record(versions)
        return {name: staged.rows for name, staged in self.tables.items()}

    def record(self, versions: dict[str, int]) -> None:
        """Append the run's `_runs` row naming these table versions (the commit point), and
        rebuild the views over them."""
        point = RunPoint(self.run.run_id, datetime.now(UTC), self.kind, versions)
        self.lake.append_point(point)
        build_warehouse(self.lake)

    def reindex_claims(self) -> None:
        """Build the claim key index whole from the claims at this commit's point and commit it
        with a `_runs` row of its own (e.g. for a lake copied without its index)."""
        versions = dict(self.lake.versions())
        files = self.lake.data_files(CLAIMS)
        staging = self.staging / CLAIM_KEYS.path
        versions[CLAIM_KEYS.name] = reindex_claims(self.lake, files, staging, self.run.run_id)
        self.record(versions)

    def discard(self) -> None:
        """Close this run's open files and drop its staging."""
        self._close_files()
        shutil.rmtree(self.staging, ignore_errors=True)

    def _close_files(self) -> None:
        for staged in self.tables.values():
            for part in staged.partitions.values():
                if part.writer is not None and part.writer.is_open:
                    part.writer.close()

    def _index_claims(self, added: dict[str, list[str]], removed: dict[str, set[str]]) -> None:
        """Stage the claim key index's segment of the claims files this commit adds and
        removes (claim_keys.py), in the same commit. The index is built whole when the lake
        has none yet or one that does not cover its claims files, or when no committed claims
        file stays (the claims written anew); past MAX_SEGMENTS segments, all but the largest
        are merged into one. A kept segment written before segments were indexed by cluster is
        replaced by a copy with that index."""
        claims_dir = self.lake.table_dir(CLAIMS)
        committed = self._committed(CLAIMS)
        gone = [rel for rel in committed if rel in removed[CLAIMS.name]]
        kept = [rel for rel in committed if rel not in removed[CLAIMS.name]]
        new = [(rel, self.staging / CLAIMS.path / rel) for rel in added[CLAIMS.name]]
        if not new and not gone and CLAIM_KEYS.name in self.lake.versions():
            return
        segments = self._committed(CLAIM_KEYS)
        index_dir = self.staging / CLAIM_KEYS.path
        name = f"{self.run.run_id}.sqlite"
        held = self.lake.table_dir(CLAIM_KEYS)
        if (
            not kept
            or CLAIM_KEYS.name not in self.lake.versions()
            or not covers([held / rel for rel in segments], committed)
        ):
            removed[CLAIM_KEYS.name].update(segments)
            whole = [(rel, claims_dir / rel) for rel in kept] + new
            if self.offload(write_segment, index_dir / f"tier={FULL}" / name, whole, []):
                added[CLAIM_KEYS.name].append(f"tier={FULL}/{name}")
            return
        lost = [(rel, claims_dir / rel) for rel in gone]
        self.offload(write_segment, index_dir / f"tier={ONE_COMMIT}" / name, new, lost)
        added[CLAIM_KEYS.name].append(f"tier={ONE_COMMIT}/{name}")
        if len(segments) + 1 > MAX_SEGMENTS:
            largest = max(segments, key=lambda rel: (held / rel).stat().st_size)
            merged = [held / rel for rel in segments if rel != largest]
            merged.append(index_dir / f"tier={ONE_COMMIT}" / name)
            live = kept + [rel for rel, _ in new]
            self.offload(merge_segments, index_dir / f"tier={MERGED}" / name, merged, live)
            removed[CLAIM_KEYS.name].update(rel for rel in segments if rel != largest)
            added[CLAIM_KEYS.name] = [f"tier={MERGED}/{name}"]
        self._index_by_cluster(segments, added[CLAIM_KEYS.name], removed[CLAIM_KEYS.name])

    def _index_by_cluster(self, segments: list[str], added: list[str], removed: set[str]) -> None:
        """Stage, in place of each segment this commit keeps that was written before segments
        were indexed by cluster, a copy with that index (once per such segment)."""
        held = self.lake.table_dir(CLAIM_KEYS)
        for n, rel in enumerate(segments):
            if rel in removed or has_cluster_index(held / rel):
                continue
            copy = f"{rel.split('/', 1)[0]}/{self.run.run_id}-{n}.sqlite"
            self.offload(index_by_cluster, held / rel, self.staging / CLAIM_KEYS.path / copy)
            removed.add(rel)
            added.append(copy)

    def _committed(self, spec: TableSpec) -> list[str]:
        table_dir = self.lake.table_dir(spec)
        return [path.relative_to(table_dir).as_posix() for path in self.lake.data_files(spec)]

    def _rewrite_without(self, spec: TableSpec, rel: str, keys: set[str]) -> str | None:
        """Stage a copy of a committed file without the rows of these keys, under a new name
        (a path a version references is never overwritten); None if no row is left."""
        source = self.lake.table_dir(spec) / rel
        parquet = pq.ParquetFile(source)
        key_set = pa.array(sorted(keys), pa.string())
        self._rewrites += 1
        new_rel = f"{rel.split('/', 1)[0]}/part-{self.run.run_id}-r{self._rewrites}.parquet"
        target = self.staging / spec.path / new_rel
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
            return None
        return new_rel


def reindex_claims(lake: Lake, claim_files: Sequence[Path], staging: Path, run_id: str) -> int:
    """Commit the claim key index anew: one segment of these claims files (under the claims
    table directory), replacing every segment of its latest version. Returns its version."""
    claims_dir = lake.table_dir(CLAIMS)
    index_dir = lake.table_dir(CLAIM_KEYS)
    name = f"tier={FULL}/{run_id}.sqlite"
    whole = [(path.relative_to(claims_dir).as_posix(), path) for path in claim_files]
    write_segment(staging / name, whole, [])
    old: set[str] = set()
    if is_table(index_dir):
        uris = open_table(index_dir).file_uris()
        old = {Path(uri).relative_to(index_dir).as_posix() for uri in uris}
    (index_dir / name).parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging / name, index_dir / name)
    return lake.commit_table(CLAIM_KEYS, [name], old, run_id)


def partition_dir(spec: TableSpec, row: dict[str, Any]) -> str:
    """Hive directory name ('published_date=2026-03-02') for a row."""
    value: date | None = spec.partition_of(row)
    return f"{spec.partition}={value.isoformat() if value else NO_DATE}"


def partition_date(relative_file: str) -> date | None:
    """The date in a file's Hive partition directory ('published_date=2026-03-02/x.parquet')."""
    value = partition_value(relative_file)
    return None if value is None else date.fromisoformat(value)


def uncommitted(lake: Lake) -> list[TableSpec]:
    """Tables a killed run committed past the lake's commit point (their latest version holds
    other files than the `_runs` version), or created before it."""
    found = []
    for spec in LAKE_FILES.values():
        path = lake.table_dir(spec)
        if not is_table(path):
            continue
        version = lake.versions().get(spec.name)
        latest = open_table(path)
        if version is None or (
            latest.version() > version and set(latest.file_uris()) != set(lake.file_list(spec))
        ):
            found.append(spec)
    return found


def recover(lake: Lake) -> None:
    """Undo what a killed run committed past the lake's commit point: each such table is
    restored to its `_runs` version (a table the point does not know yet loses its log).
    Call it holding the writer lock: only the holder commits, so what lies past the point is a
    dead writer's. Drops the staging of runs that are gone (runs still staging keep theirs);
    uncommitted data files are left for vacuum. LakeError on an old lake."""
    lake.versions()
    for spec in uncommitted(lake):
        version = lake.versions().get(spec.name)
        if version is None:
            lake.forget_table(lake.table_dir(spec))
        else:
            lake.delta_table(lake.table_dir(spec)).restore(version)
            lake.refreshed(lake.table_dir(spec))
    staging = lake.root / STAGING
    if staging.is_dir():
        for entry in staging.iterdir():
            remove_if_dead(entry)
