"""Time travel: the lake as it was after an earlier run, for `newslake sql --as-of`."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from deltalake.exceptions import DeltaError

from newslake.transforms.errors import LakeError
from newslake.warehouse.lake import Lake, refuse_old_format
from newslake.warehouse.runs import as_of
from newslake.warehouse.views import create_views


def connect_as_of(
    root: str | os.PathLike[str], when: str, retention_hours: int
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose views read every table at the versions of the `_runs` row of
    run `when`, or of the newest run committed at or before the ISO timestamp `when`.
    LakeError for an unknown run, one older than the retention, or a version no longer kept."""
    path = Path(root).expanduser().absolute()
    refuse_old_format(path)
    point = as_of(path, when, retention_hours, datetime.now(UTC))
    con = duckdb.connect()
    try:
        create_views(con, Lake(path, point.versions))
    except (DeltaError, OSError) as exc:
        con.close()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LakeError(f"run {point.run_id} can no longer be read: {first}") from None
    con.execute("SET TimeZone = 'UTC'")
    return con
