"""`<lake>/warehouse.duckdb`: a view per table for any DuckDB client, and read-only querying."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from importlib import resources
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newslake.transforms.errors import LakeError, QueryError
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.schemas import TABLES, TableSpec

if TYPE_CHECKING:
    from newslake.warehouse.lake import Lake

WAREHOUSE = "warehouse.duckdb"
# Views over the tables, each defined in warehouse/sql/<name>.sql.
ANALYTIC_VIEWS = (
    "coverage_weekly",
    "share_of_voice",
    "recurring_claims",
    "claim_figures",
    "outlet_anomalies",
)
_SQL_TYPES = {
    pa.string(): "VARCHAR",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.binary(): "BLOB",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def build_warehouse(lake: Lake) -> Path:
    """Rewrite `<lake>/warehouse.duckdb` (atomically) with a commented view per table.

    The previous file is the starting point: only the views of tables whose version moved (or
    whose definition changed) are made again, since making one reads the footer of every file
    of its table."""
    target = lake.root / WAREHOUSE
    tmp = target.with_name(f".{WAREHOUSE}.tmp")
    tmp.unlink(missing_ok=True)
    con = _reuse(target, tmp) or duckdb.connect(str(tmp))
    try:
        con.execute("BEGIN")  # one commit, not one per statement: the file is written once
        create_views(con, lake)
        con.execute("COMMIT")
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def _reuse(target: Path, tmp: Path) -> duckdb.DuckDBPyConnection | None:
    """A connection to a copy of the current warehouse file at `tmp`, or None if there is
    none that opens."""
    if not target.exists():
        return None
    shutil.copyfile(target, tmp)
    try:
        return duckdb.connect(str(tmp))
    except duckdb.Error:
        tmp.unlink(missing_ok=True)
        return None


def create_views(con: duckdb.DuckDBPyConnection, lake: Lake) -> None:
    """A commented view per table over the files of the lake's pinned versions, and the
    analytic views over them; views the connection holds already as they would be made are
    kept."""
    held = _held_views(con)
    for spec in TABLES.values():
        comment, files = _table_comment(lake, spec), lake.data_files(spec)
        columns = [(column.name, column.doc) for column in spec.columns]
        columns.append((spec.partition, spec.partition_doc))
        comment_now, columns_now, sql = held.get(spec.name, (None, [], ""))
        here = _quote(f"{lake.table_dir(spec)}/")[:-1] in sql  # not a lake copied elsewhere
        if (comment_now, columns_now) == (comment, columns) and (here or not files):
            continue
        view = _view_sql(lake, spec, groups=_column_sets(spec, files, _held_groups(sql, spec)))
        con.execute(f"CREATE OR REPLACE VIEW {spec.name} AS {view}")
        con.execute(f"COMMENT ON VIEW {spec.name} IS {_quote(comment)}")
        for name, doc in columns:
            con.execute(f'COMMENT ON COLUMN {spec.name}."{name}" IS {_quote(doc)}')
    failpoint("mid-views")
    for name in ANALYTIC_VIEWS:
        sql = load_sql(name)
        comment = f"warehouse/sql/{name}.sql ({hashlib.sha256(sql.encode()).hexdigest()[:12]})"
        if held.get(name, (None, [], ""))[0] == comment:
            continue  # a view is bound again at each query: the ones below it may change
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        con.execute(f"COMMENT ON VIEW {name} IS {_quote(comment)}")


def _table_comment(lake: Lake, spec: TableSpec) -> str:
    """A table view's comment: the table's path and the Delta version it shows."""
    version = lake.versions().get(spec.name)
    return spec.path if version is None else f"{spec.path} (Delta version {version})"


_Held = tuple[str | None, list[tuple[str, str | None]], str]  # comment, columns, SQL


def _held_views(con: duckdb.DuckDBPyConnection) -> dict[str, _Held]:
    """Each view the connection holds: its comment, its columns' names and comments, its SQL."""
    views = con.execute(
        "SELECT view_name, comment, sql FROM duckdb_views() WHERE NOT internal"
    ).fetchall()
    columns: dict[str, list[tuple[str, str | None]]] = {}
    for view, column, comment in con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE NOT internal ORDER BY table_name, column_index"
    ).fetchall():
        columns.setdefault(view, []).append((column, comment))
    return {view: (comment, columns.get(view, []), sql) for view, comment, sql in views}


def query(root: str | os.PathLike[str], sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a read-only query against the lake's views; QueryError if not."""
    path = Path(root).expanduser() / WAREHOUSE
    if not path.exists():
        raise LakeError(f"no warehouse at {path}: run `newslake run` or `newslake demo` first")
    statements = read_only_statements(sql)
    con = connect_read_only(root)
    try:
        for statement in statements[:-1]:
            con.execute(statement)
        result = con.execute(statements[-1])
        columns = [d[0] for d in result.description] if result.description else []
        return columns, result.fetchall()
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    finally:
        con.close()


def load_sql(name: str, **relations: str) -> str:
    """The SQL of warehouse/sql/<name>.sql with its $relation placeholders filled in."""
    text = (resources.files("newslake.warehouse") / "sql" / f"{name}.sql").read_text()
    return Template(text).substitute(relations)


def parquet_relation(
    lake: Lake, spec: TableSpec, *, filename: bool = False, files: list[Path] | None = None
) -> str:
    """DuckDB read_parquet() over the files of a table's pinned version (or the `files` of
    it given), with typed Hive partitions (and each row's file path as `filename`, if asked)."""
    chosen = lake.data_files(spec) if files is None else files
    listed = ", ".join(_quote(str(file)) for file in chosen)
    return (
        f"read_parquet([{listed}], hive_partitioning = true, "
        f"hive_types = {{'{spec.partition}': DATE}}, union_by_name = true"
        f"{', filename = true' if filename else ''})"
    )


def table_relation(lake: Lake, spec: TableSpec, files: list[Path] | None = None) -> str:
    """A table (or the `files` of it given) as a relation with every column of today's
    schema, typed, even with no files (or only older ones): what the warehouse view of the
    table shows."""
    return f"({_view_sql(lake, spec, files)})"


def _view_sql(
    lake: Lake,
    spec: TableSpec,
    files: list[Path] | None = None,
    groups: list[list[Path]] | None = None,
) -> str:
    """Every column of today's schema, typed, whatever the files hold: a column added since
    some (or all) files were written reads as NULL there. Given the files in `groups` of one
    column set each, one read_parquet per group, which binds by reading one footer, not all."""
    columns = [f'CAST(NULL AS {_sql_type(c.type)}) AS "{c.name}"' for c in spec.columns]
    columns.append(f'CAST(NULL AS DATE) AS "{spec.partition}"')
    typed = f"SELECT {', '.join(columns)} WHERE false"
    if groups is not None:
        reads = [f"SELECT * FROM {_same_columns_relation(spec, group)}" for group in groups]
        return " UNION ALL BY NAME ".join([typed, *reads])
    chosen = lake.data_files(spec) if files is None else files
    if not chosen:
        return typed
    relation = parquet_relation(lake, spec, files=chosen)
    return f"{typed} UNION ALL BY NAME SELECT * FROM {relation}"


def _same_columns_relation(spec: TableSpec, files: list[Path]) -> str:
    """read_parquet() over files that all hold the same columns: bound from the first's footer."""
    listed = ", ".join(_quote(str(file)) for file in files)
    return (
        f"read_parquet([{listed}], hive_partitioning = true, "
        f"hive_types = {{'{spec.partition}': DATE}})"
    )


_LISTED = re.compile(r"read_parquet\(list_value\(((?:'(?:[^']|'')*'(?:, )?)*)\)")
_STRING = re.compile(r"'((?:[^']|'')*)'")


def _held_groups(sql: str, spec: TableSpec) -> list[list[str]]:
    """The file lists of a held view made of one read_parquet per column set (as DuckDB
    keeps its SQL), each file relative to the table (so that a lake moved or copied elsewhere
    still finds them); none for a view of any other form, whose lists may mix column sets."""
    if "union_by_name" in sql:
        return []
    return [
        [_relative(text.replace("''", "'"), spec) for text in _STRING.findall(match.group(1))]
        for match in _LISTED.finditer(sql)
    ]


def _relative(path: str, spec: TableSpec) -> str:
    """A held view's file path relative to its table, wherever the lake was then."""
    return path.rsplit(f"/{spec.path}/", 1)[-1]


def _column_sets(spec: TableSpec, files: list[Path], held: list[list[str]]) -> list[list[Path]]:
    """The files grouped by the columns (names and types) they hold, in order of each
    group's first file. A file of a `held` group has that group's columns (files of a Delta
    table are never rewritten in place): only the files new to the view, and one file of each
    held group still shown, have their footer read."""
    group_of = {name: i for i, group in enumerate(held) for name in group}
    held_columns: dict[int, frozenset[tuple[str, str]]] = {}
    groups: dict[frozenset[tuple[str, str]], list[Path]] = {}
    for file in files:
        i = group_of.get(_relative(str(file), spec))
        if i is None:
            columns = _columns(file)
        else:
            columns = held_columns.get(i) or held_columns.setdefault(i, _columns(file))
        groups.setdefault(columns, []).append(file)
    return list(groups.values())


def _columns(file: Path) -> frozenset[tuple[str, str]]:
    return frozenset((field.name, str(field.type)) for field in pq.read_schema(file))


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


def connect_read_only(root: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A read-only connection to `<root>/warehouse.duckdb`, showing timestamps in UTC."""
    path = Path(root).expanduser() / WAREHOUSE
    if not path.exists():
        raise LakeError(f"no warehouse at {path}: run `newslake run` or `newslake demo` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise LakeError(f"cannot open {path}: {_first_line(exc)}") from None
    con.execute("SET TimeZone = 'UTC'")
    return con


def read_only_statements(sql: str) -> list[str]:
    """The statements of `sql`; QueryError if there is none, or if any could write.

    Allowed: queries (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE), EXPLAIN [ANALYZE]
    of one of those, and the PRAGMAs that only read. Everything else (INSERT, CREATE, COPY,
    ATTACH, SET, CALL, LOAD, EXPORT, …) could change the lake, the files around it or the
    session, and is refused.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(_first_line(exc)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    for statement in statements:
        _refuse_writes(statement.type.name, statement.query)
    return [statement.query for statement in statements]


def _refuse_writes(kind: str, text: str) -> None:
    if kind == "SELECT":
        return
    if kind == "EXPLAIN":
        # EXPLAIN ANALYZE runs its statement, so what is explained must be read-only too.
        head = re.match(r"\s*EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", text, re.IGNORECASE)
        try:
            read_only_statements(text[head.end() :] if head else "")
        except QueryError:
            raise QueryError(
                "EXPLAIN of anything but a read-only query is refused: the warehouse is read-only"
            ) from None
        return
    if kind == "PRAGMA":
        name = re.match(r"\s*PRAGMA\s+(\w+)", text, re.IGNORECASE)
        pragma = name.group(1).lower() if name else "?"
        if pragma in _READ_PRAGMAS:
            return
        raise QueryError(
            f"PRAGMA {pragma} is refused: the warehouse is read-only "
            "(only PRAGMAs that read, such as table_info and show_tables, run)"
        )
    hint = " (to save a result, use `newslake sql --output FILE`)"
    raise QueryError(
        f"{kind} statements are refused: the warehouse is read-only"
        f"{hint if kind in ('COPY', 'EXPORT') else ''}"
    )


_READ_PRAGMAS = frozenset(
    "collations database_list database_size functions metadata_info platform show "
    "show_databases show_tables show_tables_expanded storage_info table_info user_agent "
    "version".split()
)
