"""DuckDB connections for a writer's own queries: memory bounded, spilling to the run's staging.

DuckDB's default memory limit is most of the machine's RAM; a run's lookups and its gold
recomputation would then grow with the lake. Bounded, they page to disk instead.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

MEMORY_LIMIT = "256MB"  # per connection; DuckDB spills what is beyond it to `spill_dir`
# DuckDB cannot spill every operator (list aggregates, DISTINCT counts): work that fails
# within one limit is run again within the next (gold at 1M claims, in one pass and with
# lists joined to every claim, needed more than 256 MB; in passes it fits). None is DuckDB's
# own default, most of the machine's memory.
LARGER_LIMITS: tuple[str | None, ...] = ("1GB", "4GB", None)


def work_connection(
    spill_dir: Path, database: Path | None = None, memory_limit: str | None = MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """A UTC connection (in memory, or on `database`) holding at most `memory_limit` in
    memory, with its spill files under `spill_dir`, and no progress bar in the run's output."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database) if database else ":memory:")
    spill = str(spill_dir).replace("'", "''")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con
