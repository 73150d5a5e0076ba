"""`<lake>/warehouse.duckdb`: a view per table for any DuckDB client, and read-only querying."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from newslake.transforms.errors import LakeError, QueryError
from newslake.warehouse.schemas import TABLES, TableSpec

if TYPE_CHECKING:
    from newslake.warehouse.lake import Lake

WAREHOUSE = "warehouse.duckdb"
ANALYTIC_VIEWS = ("coverage_weekly", "share_of_voice")  # warehouse/sql/<name>.sql
_READ_ONLY_STATEMENTS = {"SELECT", "EXPLAIN"}
_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.binary(): "BLOB",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def build_warehouse(lake: Lake) -> Path:
    """Rewrite `<lake>/warehouse.duckdb` (atomically) with a commented view per table."""
    target = lake.root / WAREHOUSE
    tmp = target.with_name(f".{WAREHOUSE}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for spec in TABLES.values():
            con.execute(f"CREATE VIEW {spec.name} AS {_view_sql(lake, spec)}")
            con.execute(f"COMMENT ON VIEW {spec.name} IS {_quote(spec.path)}")
            for column in spec.columns:
                con.execute(
                    f'COMMENT ON COLUMN {spec.name}."{column.name}" IS {_quote(column.doc)}'
                )
            con.execute(
                f'COMMENT ON COLUMN {spec.name}."{spec.partition}" IS {_quote(spec.partition_doc)}'
            )
        for name in ANALYTIC_VIEWS:
            con.execute(f"CREATE VIEW {name} AS {load_sql(name)}")
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def query(root: str | os.PathLike[str], sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a read-only query against the lake's views; QueryError if not."""
    path = Path(root).expanduser() / WAREHOUSE
    if not path.exists():
        raise LakeError(f"no warehouse at {path}: run `newslake run` or `newslake demo` first")
    statements = _parse(sql)
    con = duckdb.connect(str(path), read_only=True)
    try:
        for statement in statements[:-1]:
            con.execute(statement.query)
        result = con.execute(statements[-1].query)
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    finally:
        con.close()


def _parse(sql: str) -> list[Any]:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    for statement in statements:
        kind = statement.type.name
        if kind not in _READ_ONLY_STATEMENTS:
            raise QueryError(f"{kind} statements are refused: the warehouse is read-only")
    return statements


def load_sql(name: str, **relations: str) -> str:
    """The SQL of warehouse/sql/<name>.sql with its $relation placeholders filled in."""
    text = (resources.files("newslake.warehouse") / "sql" / f"{name}.sql").read_text()
    return Template(text).substitute(relations)


def parquet_relation(lake: Lake, spec: TableSpec, *, filename: bool = False) -> str:
    """DuckDB read_parquet() over a table's committed files, with typed Hive partitions
    (and each row's file path as `filename`, if asked)."""
    return (
        f"read_parquet({_quote(lake.file_glob(spec))}, hive_partitioning = true, "
        f"hive_types = {{'{spec.partition}': DATE}}, union_by_name = true"
        f"{', filename = true' if filename else ''})"
    )


def _view_sql(lake: Lake, spec: TableSpec) -> str:
    if not lake.data_files(spec):
        columns = [f'CAST(NULL AS {_sql_type(c.type)}) AS "{c.name}"' for c in spec.columns]
        columns.append(f'CAST(NULL AS DATE) AS "{spec.partition}"')
        return f"SELECT {', '.join(columns)} WHERE false"
    return f"SELECT * FROM {parquet_relation(lake, spec)}"


def _sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ"
    if pa.types.is_list(arrow_type):
        return f"{_sql_type(arrow_type.value_type)}[]"
    if pa.types.is_struct(arrow_type):
        fields = ", ".join(f"{f.name} {_sql_type(f.type)}" for f in arrow_type)
        return f"STRUCT({fields})"
    return _SQL_TYPES[arrow_type]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]
