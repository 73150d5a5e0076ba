"""`<lake>/_runs`: the lake's commit points, a small Delta table with one row per published run
naming each table's Delta version after it. Readers read the tables at the versions of a
`_runs` row (the newest, or the one `--as-of` names), never at their latest."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake

from newslake.transforms.errors import LakeError
from newslake.warehouse.delta import LOG, is_table, open_table
from newslake.warehouse.schemas import TS

RUNS = "_runs"
RUNS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), False, metadata={"comment": "run that committed"}),
        pa.field("committed_at", TS, False, metadata={"comment": "when it committed (UTC)"}),
        pa.field("kind", pa.string(), False, metadata={"comment": "run, gold, compact, migrate"}),
        pa.field(
            "versions",
            pa.string(),
            False,
            metadata={"comment": "JSON object: each table's Delta version after the run"},
        ),
    ]
)


@dataclass(frozen=True, slots=True)
class RunPoint:
    """One `_runs` row: a run and the table versions it left."""

    run_id: str
    committed_at: datetime
    kind: str
    versions: dict[str, int]


def runs(root: Path) -> list[RunPoint]:
    """Every retained commit point of the lake, oldest first; empty for a new lake."""
    path = root / RUNS
    if not is_table(path):
        return []
    # The files are read with pyarrow itself: a process that scanned them through deltalake's
    # pyarrow dataset and then exited at once was killed by SIGABRT about one time in three.
    rows = [row for uri in open_table(path).file_uris() for row in pq.read_table(uri).to_pylist()]
    return sorted(map(_point, rows), key=lambda p: p.committed_at)


def head(root: Path) -> str | None:
    """The newest entry of `_runs`'s Delta log (it changes with every row appended), or None."""
    return max((p.name for p in (root / RUNS / LOG).glob("*.json")), default=None)


def newest(root: Path) -> RunPoint | None:
    """The lake's current commit point, or None before the first run.

    Only the most recently written file of `_runs` is read: rows are appended one per file
    under the writer lock, and a compaction's file holds every row before it, so the newest
    row is in the newest file (reading every row costs a file per run until a compaction).
    """
    path = root / RUNS
    if not is_table(path):
        return None
    return newest_in(open_table(path), lambda rel: pq.read_table(path / rel))


def newest_in(table: DeltaTable, read: Callable[[str], pa.Table]) -> RunPoint | None:
    """The newest row of a `_runs` table (see `newest`), its newest file read by `read` (a
    path relative to the table → its rows); None if it holds no row."""
    adds = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    if not adds:
        return None
    latest = max(adds, key=lambda add: add["modification_time"])
    return max(map(_point, read(latest["path"]).to_pylist()), key=lambda p: p.committed_at)


def since_last(root: Path, kind: str) -> list[RunPoint] | None:
    """The newest commit point of `kind` and every one after it, oldest first; None if there
    is none. Only the newest files of `_runs` are read, back to the one holding that point:
    rows are appended one per file, and a compaction's file holds every row before it."""
    path = root / RUNS
    if not is_table(path):
        return None
    table = open_table(path)
    adds = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    read: list[RunPoint] = []
    found_at = None  # the modification time of the file holding a point of `kind`
    for add in sorted(adds, key=lambda add: add["modification_time"], reverse=True):
        if found_at is not None and add["modification_time"] < found_at:
            break  # files written in the same millisecond are all read
        read += map(_point, pq.read_table(path / add["path"]).to_pylist())
        if found_at is None and any(point.kind == kind for point in read):
            found_at = add["modification_time"]
    if found_at is None:
        return None
    points = sorted(read, key=lambda p: p.committed_at)
    last = max(i for i, point in enumerate(points) if point.kind == kind)
    return points[last:]


def append_run(
    root: Path, point: RunPoint, uri: str | None = None, options: dict[str, str] | None = None
) -> None:
    """Append a commit point: once it is written, readers see the run. With `uri` (and
    delta-rs storage `options`), to the `_runs` table there (a remote lake's) instead."""
    row = {
        "run_id": point.run_id,
        "committed_at": point.committed_at,
        "kind": point.kind,
        "versions": json.dumps(point.versions, sort_keys=True),
    }
    write_deltalake(
        uri or str(root / RUNS),
        pa.Table.from_pylist([row], schema=RUNS_SCHEMA),
        mode="append",
        storage_options=options,
    )


def as_of(root: Path, when: str, retention_hours: float, now: datetime) -> RunPoint:
    """The commit point of run `when`, or the newest one at or before the ISO timestamp
    `when`; LakeError if there is none, or if it is older than the retention horizon."""
    points = runs(root)
    if not points:
        raise LakeError(f"no runs in {root}: nothing to read as of {when}")
    found = [p for p in points if p.run_id == when]
    if not found:
        moment = _timestamp(when)
        found = [p for p in points if p.committed_at <= moment]
        if not found:
            oldest = points[0]
            raise LakeError(f"no run committed at or before {when} (the oldest is {oldest.run_id})")
    point = found[-1]
    if point is not points[-1] and point.committed_at < now - timedelta(hours=retention_hours):
        raise LakeError(
            f"run {point.run_id} ({point.committed_at:%Y-%m-%d %H:%M} UTC) is older than the "
            f"retention of {retention_hours:g} h: its files may be vacuumed"
        )
    return point


def _point(row: dict[str, Any]) -> RunPoint:
    return RunPoint(row["run_id"], row["committed_at"], row["kind"], json.loads(row["versions"]))


def _timestamp(text: str) -> datetime:
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LakeError(f"{text!r} is neither a run id of this lake nor an ISO timestamp") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
