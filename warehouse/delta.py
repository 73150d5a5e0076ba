"""Each lake table as a Delta Lake table (deltalake / delta-rs): its schema with the column docs
as field comments, and commits that add and remove Parquet files newslake wrote itself."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, Schema
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, CommitProperties, RemoveAction

from newslake.warehouse.schemas import NO_DATE, TableSpec

LOG = "_delta_log"
# A log entry, a (classic or multi-part) checkpoint, or the pointer to the newest checkpoint.
_LOG_NAME = re.compile(r"\d{20}\.(json|checkpoint\.parquet|checkpoint\.\d{10}\.\d{10}\.parquet)")
_LAST_CHECKPOINT = "_last_checkpoint"


def delta_schema(spec: TableSpec) -> pa.Schema:
    """The table's columns and its partition column (a date, or the spec's partition type),
    each with its doc as `comment`."""
    fields = [
        pa.field(c.name, c.type, nullable=c.nullable, metadata={"comment": c.doc})
        for c in spec.columns
    ]
    fields.append(
        pa.field(spec.partition, spec.partition_type, metadata={"comment": spec.partition_doc})
    )
    return pa.schema(fields)


def is_table(path: Path) -> bool:
    """Whether a directory holds a Delta table (a log with at least one version)."""
    return any((path / LOG).glob("*.json"))


def is_log_name(name: str) -> bool:
    """Whether a file name in `_delta_log/` is one Delta gives its log's files."""
    return name == _LAST_CHECKPOINT or _LOG_NAME.fullmatch(name) is not None


def open_table(path: Path, version: int | None = None) -> DeltaTable:
    """The Delta table at `path`, at `version` (default: its latest)."""
    return DeltaTable(str(path), version=version)


def commit_files(
    path: Path,
    spec: TableSpec,
    added: Iterable[str],
    removed: Iterable[str],
    run_id: str,
    uri: str | None = None,
    options: dict[str, str] | None = None,
    stats: Mapping[str, dict[str, Any]] | None = None,
) -> int:
    """One Delta commit adding files already in the table directory and removing others (paths
    relative to it); the table is created first if it is not one yet. Returns its new version.
    `stats` holds the `file_stats` of added files already known (the others' are read).

    With `uri` (and delta-rs storage `options`), the commit is made to the table there (a
    remote lake's, holding the same files as `path`, its mirror), which delta-rs writes itself.
    """
    where = uri or str(path)
    try:
        table = DeltaTable(where, storage_options=options)
    except TableNotFoundError:
        schema = delta_schema(spec)
        table = DeltaTable.create(
            where, schema, partition_by=[spec.partition], mode="ignore", storage_options=options
        )
    add_new_columns(table, spec)
    now = int(time.time() * 1000)
    actions: list[AddAction | RemoveAction] = [
        RemoveAction(rel, True, now, None, {spec.partition: partition_value(rel)})
        for rel in sorted(removed)
    ]
    known = stats or {}
    actions.extend(add_action(path, rel, spec, known.get(rel)) for rel in sorted(added))
    table.create_write_transaction(
        actions,
        mode="append",
        schema=delta_schema(spec),
        partition_by=[spec.partition],
        commit_properties=CommitProperties(custom_metadata={"run_id": run_id}),
    )
    table.update_incremental()
    return table.version()


def add_new_columns(table: DeltaTable, spec: TableSpec) -> None:
    """Add to a table's Delta schema the columns schemas.py has gained since it was created
    (nullable: the files written before hold none of them)."""
    known = set(pa.schema(table.schema().to_arrow()).names)
    new = [field.with_nullable(True) for field in delta_schema(spec) if field.name not in known]
    if new:
        table.alter.add_columns(Schema.from_arrow(pa.schema(new)).fields)


def add_action(
    path: Path, rel: str, spec: TableSpec, stats: dict[str, Any] | None = None
) -> AddAction:
    """The Delta `add` of one Parquet file, with the row count, null counts and integer bounds
    read from its footer unless given (`file_stats`; none for a file of another kind: a key
    index segment)."""
    file = path / rel
    stat = file.stat()
    if stats is None:
        stats = file_stats(pq.read_metadata(file), spec) if rel.endswith(".parquet") else {}
    return AddAction(
        rel,
        stat.st_size,
        {spec.partition: partition_value(rel)},
        stat.st_mtime_ns // 1_000_000,
        True,
        json.dumps(stats),
    )


def file_stats(meta: pq.FileMetaData, spec: TableSpec) -> dict[str, Any]:
    """Delta statistics of a file: numRecords, and per flat column its nullCount (and, for
    integers, its minValues and maxValues) where every row group recorded them."""
    flat = {c.name for c in spec.columns if not pa.types.is_nested(c.type)}
    integers = {c.name for c in spec.columns if pa.types.is_integer(c.type)}
    nulls: dict[str, int] = {}
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    missing: set[str] = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for i in range(group.num_columns):
            column = group.column(i)
            name = column.path_in_schema
            if name not in flat or name in missing:
                continue
            found = column.statistics
            if found is None or not found.has_null_count:
                missing.add(name)
                continue
            nulls[name] = nulls.get(name, 0) + found.null_count
            if name in integers and found.has_min_max:
                low[name] = min(low.get(name, found.min), found.min)
                high[name] = max(high.get(name, found.max), found.max)
    for name in missing:
        nulls.pop(name, None)
        low.pop(name, None)
        high.pop(name, None)
    stats: dict[str, Any] = {"numRecords": meta.num_rows, "nullCount": nulls}
    if low:
        stats["minValues"], stats["maxValues"] = low, high
    return stats


def partition_value(rel: str) -> str | None:
    """The partition value of a file ('published_date=2026-03-02/x.parquet' → '2026-03-02'),
    None for Hive's null partition."""
    value = rel.split("/", 1)[0].partition("=")[2]
    return None if value == NO_DATE else value
