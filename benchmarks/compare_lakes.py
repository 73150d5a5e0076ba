"""Compare every table of two lakes row for row, leaving out the columns that record when a
run happened or which run it was; exit 1 when any table differs.

    .venv/bin/python benchmarks/compare_lakes.py LAKE_A LAKE_B [--ignore COLUMN ...]

Rows are compared as multisets (order and file layout aside), so two lakes built by the same
input through different code, at different times, compare equal when every decision matched.
A lake of Delta tables is read at its newest `_runs` row; a lake from before Delta, by glob.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from newslake.warehouse.lake import Lake
from newslake.warehouse.runs import head
from newslake.warehouse.schemas import TABLES, TableSpec

# Values that come from the clock or the run id, not from the input: they differ between two
# runs of the same input by design. elapsed_ms is a measured duration.
CLOCK_COLUMNS = frozenset(
    {
        "run_id",
        "run_id_from",
        "run_id_to",
        "fetched_at",
        "logged_at",
        "first_seen_at",
        "updated_at",
        "indexed_at",
        "seen_from",
        "seen_to",
        "elapsed_ms",
    }
)
SHOWN = 3  # differing rows shown per side and table


def table_source(lake: Path, spec: TableSpec) -> str | None:
    """A DuckDB read_parquet expression over one table's files, or None when it has none: a
    Delta lake's files at the versions of its newest `_runs` row, an older lake's by glob."""
    if head(lake) is None:
        folder = lake / spec.path
        if not any(folder.glob("*/*.parquet")):
            return None
        files = f"'{folder}/*/*.parquet'"
    else:
        listed = Lake(lake).file_list(spec)
        if not listed:
            return None
        files = "[" + ", ".join(f"'{file}'" for file in listed) + "]"
    return f"read_parquet({files}, hive_partitioning = true, union_by_name = true)"


def compare_table(
    con: duckdb.DuckDBPyConnection, a: Path, b: Path, spec: TableSpec, ignored: frozenset[str]
) -> list[str]:
    """Lines describing how one table differs between lakes `a` and `b` (empty: identical)."""
    sources = table_source(a, spec), table_source(b, spec)
    if sources == (None, None):
        return []
    if None in sources:
        side = "first" if sources[0] is None else "second"
        return [f"{spec.name}: no files in the {side} lake"]
    columns = [
        [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        for src in sources
    ]
    if set(columns[0]) != set(columns[1]):
        return [f"{spec.name}: columns differ: {sorted(set(columns[0]) ^ set(columns[1]))}"]
    kept = ", ".join(f'"{c}"' for c in columns[0] if c not in ignored)
    con.execute(f"CREATE OR REPLACE TEMP VIEW a AS SELECT {kept} FROM {sources[0]}")
    con.execute(f"CREATE OR REPLACE TEMP VIEW b AS SELECT {kept} FROM {sources[1]}")
    counts = [con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in "ab"]  # type: ignore[index]
    lines = []
    for first, second, label in (("a", "b", "only in the first"), ("b", "a", "only in the second")):
        query = f"SELECT * FROM {first} EXCEPT ALL SELECT * FROM {second}"
        missing = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]  # type: ignore[index]
        if missing:
            lines.append(f"{spec.name}: {missing} rows {label}")
            for row in con.execute(f"{query} ORDER BY ALL LIMIT {SHOWN}").fetchall():
                lines.append(f"    {_short(row)}")
    if lines:
        lines.insert(0, f"{spec.name}: {counts[0]} rows vs {counts[1]}")
    return lines


def _short(row: tuple, width: int = 300) -> str:
    text = repr(row)
    return text if len(text) <= width else text[:width] + "..."


def main(argv: list[str] | None = None) -> int:
    """Compare the lakes; print one line per table; 0 when all match, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lake_a", type=Path)
    parser.add_argument("lake_b", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="another column to skip")
    args = parser.parse_args(argv)
    ignored = CLOCK_COLUMNS | set(args.ignore)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    differs = False
    for spec in TABLES.values():
        lines = compare_table(con, args.lake_a, args.lake_b, spec, ignored)
        if lines:
            differs = True
            print("\n".join(lines))
        else:
            source = table_source(args.lake_a, spec)
            rows = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0] if source else 0  # type: ignore[index]
            print(f"{spec.name}: identical ({rows} rows)")
    print("DIFFERENT" if differs else "IDENTICAL")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
