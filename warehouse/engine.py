"""DuckDB connections for a writer's own queries: memory bounded, spilling to the run's staging.

DuckDB's default memory limit is most of the machine's RAM; a run's lookups and its gold
recomputation would then grow with the lake. Bounded, they page to disk instead.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

MEMORY_LIMIT = "256MB"  # per connection; DuckDB spills what is beyond it to `spill_dir`


def work_connection(spill_dir: Path, database: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A UTC connection (in memory, or on `database`) holding at most MEMORY_LIMIT in memory,
    with its spill files under `spill_dir`."""
    spill_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database) if database else ":memory:")
    spill = str(spill_dir).replace("'", "''")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET TimeZone = 'UTC'")
    return con
