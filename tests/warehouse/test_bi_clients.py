"""The lake as BI clients see it: SQLAlchemy on warehouse.duckdb, pyarrow and polars on the
Parquet directories, files written by an older schema, and several readers at once."""

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import deltalake
import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, TABLES
from newslake.warehouse.views import ANALYTIC_VIEWS, WAREHOUSE, build_warehouse

sa = pytest.importorskip("sqlalchemy")
pl = pytest.importorskip("polars")
pytest.importorskip("duckdb_engine")

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
RUN = RunInfo("r1", datetime(2026, 3, 10, 8, tzinfo=UTC))
ROWS = 3


def row(spec, i: int) -> dict:
    """Row i of any table: row 0 has every nullable column null (so a null partition where
    the partition comes from one); the others have a value of the column's type everywhere."""
    values = {c.name: None if i == 0 and c.nullable else _value(c.type, i) for c in spec.columns}
    values[spec.partition] = None if i == 0 else date(2026, 3, 5 + i)  # for gold's own dates
    return values


def _value(kind: pa.DataType, i: int):
    if pa.types.is_timestamp(kind):
        return datetime(2026, 3, 5 + i, 12, tzinfo=UTC)
    if pa.types.is_list(kind):
        return [_value(kind.value_type, j) for j in range(i)]
    if pa.types.is_struct(kind):
        return {field.name: _value(field.type, i) for field in kind}
    if pa.types.is_integer(kind):
        return i
    if pa.types.is_floating(kind):
        return i + 0.5
    if pa.types.is_boolean(kind):
        return i % 2 == 0
    if pa.types.is_binary(kind):
        return bytes([i]) * 4
    if pa.types.is_date(kind):
        return date(2026, 3, 5 + i)
    return f"v{i}"


def make_lake(root: Path) -> Lake:
    lake = Lake(root)
    with lake.writing(RUN, timeout_s=5) as commit:
        for spec in TABLES.values():
            commit.add(spec.name, [row(spec, i) for i in range(ROWS)])
        commit.publish()
    return lake


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Lake:
    """Every table with three rows over two or three partitions."""
    return make_lake(tmp_path_factory.mktemp("bi") / "lake")


def view_rows(lake: Lake, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def hive(spec) -> ds.Partitioning:
    """The table's Hive partitioning, typed; `__HIVE_DEFAULT_PARTITION__` is pyarrow's null."""
    return ds.partitioning(pa.schema([(spec.partition, pa.date32())]), flavor="hive")


# duckdb_engine reflects LIST and STRUCT columns as NullType, with a warning per column.
@pytest.mark.filterwarnings("ignore:Did not recognize type:sqlalchemy.exc.SAWarning")
def test_sqlalchemy_lists_and_reads_every_view(lake):
    engine = sa.create_engine(
        f"duckdb:///{lake.root / WAREHOUSE}", connect_args={"read_only": True}
    )
    try:
        inspector = sa.inspect(engine)
        views = set(inspector.get_view_names())
        assert set(TABLES) | set(ANALYTIC_VIEWS) <= views
        for spec in TABLES.values():
            columns = {c["name"] for c in inspector.get_columns(spec.name)}
            assert columns == {c.name for c in spec.columns} | {spec.partition}, spec.name
        with engine.connect() as con:
            for view in sorted(views):
                rows = con.execute(sa.text(f'SELECT * FROM "{view}" LIMIT 5')).fetchall()
                if view in TABLES:
                    assert len(rows) == ROWS, view
            # Core, not Table(autoload_with=...): duckdb_engine 0.17's full table reflection
            # queries pg_catalog in ways DuckDB lacks under SQLAlchemy >= 2.0.36.
            names = ("article_id", "authors", "published_at")
            articles = sa.table("articles", *map(sa.column, names))
            got = con.execute(sa.select(articles).order_by(articles.c.article_id)).fetchall()
        assert [r.authors for r in got] == [[], ["v0"], ["v0", "v1"]]
        assert got[0].published_at is None
        assert got[1].published_at.utcoffset().total_seconds() == 0
    finally:
        engine.dispose()


def test_sqlalchemy_cannot_write_through_a_read_only_engine(lake):
    engine = sa.create_engine(
        f"duckdb:///{lake.root / WAREHOUSE}", connect_args={"read_only": True}
    )
    try:
        with engine.connect() as con, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            con.execute(sa.text("CREATE TABLE t AS SELECT 1"))
    finally:
        engine.dispose()


def test_pyarrow_dataset_reads_each_table_with_hive_partitions(lake):
    for spec in TABLES.values():
        table = ds.dataset(lake.table_dir(spec), format="parquet", partitioning=hive(spec))
        data = table.to_table()
        [(count,)] = view_rows(lake, f"SELECT count(*) FROM {spec.name}")
        assert data.num_rows == count == ROWS, spec.name
        _check_types(spec, {f.name: f.type for f in data.schema})
        assert data.schema.field(spec.partition).type == pa.date32()
        dates = data.column(spec.partition).to_pylist()
        assert date(2026, 3, 6) in dates, spec.name
    undated = ds.dataset(lake.table_dir(ARTICLES), format="parquet", partitioning=hive(ARTICLES))
    nulls = undated.to_table(filter=ds.field("published_date").is_null())
    assert nulls.num_rows == 1 and nulls.column("published_at").null_count == 1


def test_polars_reads_each_table_with_hive_partitions(lake):
    for spec in TABLES.values():
        frame = pl.scan_parquet(
            lake.table_dir(spec) / "**" / "*.parquet",
            hive_partitioning=True,
            hive_schema={spec.partition: pl.Date},
        ).collect()
        [(count,)] = view_rows(lake, f"SELECT count(*) FROM {spec.name}")
        assert frame.height == count == ROWS, spec.name
        assert frame.schema[spec.partition] == pl.Date
        arrow = frame.to_arrow()
        _check_types(spec, {f.name: f.type for f in arrow.schema})
        for column in spec.columns:
            if pa.types.is_timestamp(column.type):
                assert frame.schema[column.name] == pl.Datetime("us", "UTC"), column.name
            if pa.types.is_list(column.type):
                assert isinstance(frame.schema[column.name], pl.List), column.name
    articles = pl.read_delta(str(lake.table_dir(ARTICLES)))  # the table, through its Delta log
    assert articles.height == ROWS
    assert articles.filter(pl.col("published_date").is_null()).height == 1


def _check_types(spec, types: dict[str, pa.DataType]) -> None:
    """UTC timestamps stay UTC, lists stay lists, nothing became the null type."""
    for column in spec.columns:
        kind = types[column.name]
        assert not pa.types.is_null(kind), (spec.name, column.name)
        if pa.types.is_timestamp(column.type):
            assert pa.types.is_timestamp(kind) and kind.tz in ("UTC", "+00:00"), column.name
        if pa.types.is_list(column.type):
            assert pa.types.is_list(kind) or pa.types.is_large_list(kind), column.name


def _new_column():
    """A nullable scalar column of articles: the kind a later version adds to the schema."""
    return next(c for c in reversed(ARTICLES.columns) if c.nullable and not c.type.num_fields)


def _drop_from_file(path: Path, column: str) -> None:
    pq.write_table(pq.read_table(path).drop_columns([column]), path)


def test_views_read_files_written_before_a_column_was_added(tmp_path):
    lake = make_lake(tmp_path / "lake")
    column = _new_column().name
    old = lake.table_dir(ARTICLES) / "published_date=2026-03-06"
    [old_file] = old.glob("*.parquet")
    _drop_from_file(old_file, column)
    assert column not in pq.read_schema(old_file).names
    (lake.root / WAREHOUSE).unlink()  # the lake's files are never rewritten: its views are new
    build_warehouse(lake)
    rows = view_rows(lake, f'SELECT published_date, "{column}" FROM articles ORDER BY ALL')
    assert rows == [(date(2026, 3, 6), None), (date(2026, 3, 7), "v2"), (None, None)]


def test_views_read_a_table_whose_files_all_predate_a_column(tmp_path):
    lake = make_lake(tmp_path / "lake")
    column = _new_column().name
    for path in lake.data_files(ARTICLES):
        _drop_from_file(path, column)
    build_warehouse(lake)
    rows = view_rows(lake, f'SELECT count(*), count("{column}") FROM articles')
    assert rows == [(ROWS, 0)]


def test_two_processes_read_the_warehouse_at_once(lake, tmp_path):
    sql = "SELECT count(*) AS n FROM articles, range(200000)"
    expected = f"n\n{ROWS * 200000}\n"
    holder = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)  # a third reader
    try:
        procs = [
            subprocess.Popen(
                [NEWSLAKE, "sql", sql, "--lake", str(lake.root), "--format", "csv"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(proc, *proc.communicate(timeout=120)) for proc in procs]
        assert holder.execute("SELECT count(*) FROM articles").fetchall() == [(ROWS,)]
    finally:
        holder.close()
    for proc, out, err in results:
        assert proc.returncode == 0, err
        assert out.replace("\r\n", "\n") == expected


# The Delta tables (issue 23) as the engines' own Delta readers see them.


def _delta_path(lake: Lake, spec) -> str:
    return str(lake.table_dir(spec))


def test_deltalake_and_pyarrow_read_every_table_with_its_declared_types(lake):
    for spec in TABLES.values():
        table = deltalake.DeltaTable(_delta_path(lake, spec))
        assert table.metadata().partition_columns == [spec.partition], spec.name
        data = table.to_pyarrow_table()
        [(count,)] = view_rows(lake, f"SELECT count(*) FROM {spec.name}")
        assert data.num_rows == count == ROWS, spec.name
        for column in spec.columns:
            assert data.schema.field(column.name).type == column.type, (spec.name, column.name)
        assert data.schema.field(spec.partition).type == pa.date32(), spec.name
        dataset = table.to_pyarrow_dataset()
        assert dataset.to_table(columns=[c.name for c in spec.columns]).num_rows == ROWS
        assert date(2026, 3, 6) in data.column(spec.partition).to_pylist(), spec.name


def test_polars_reads_every_delta_table_with_its_declared_types(lake):
    for spec in TABLES.values():
        expected = pl.from_arrow(spec.schema.empty_table()).schema
        frame = pl.scan_delta(_delta_path(lake, spec)).collect()
        assert frame.height == ROWS, spec.name
        for name, dtype in expected.items():
            assert frame.schema[name] == dtype, (spec.name, name)
        assert frame.schema[spec.partition] == pl.Date, spec.name
        eager = pl.read_delta(_delta_path(lake, spec))
        assert eager.schema == frame.schema and eager.height == ROWS, spec.name
    undated = pl.scan_delta(_delta_path(lake, ARTICLES)).filter(pl.col("published_date").is_null())
    assert undated.collect().height == 1


def test_delta_readers_equal_the_views_row_for_row_after_an_update(tmp_path):
    lake = make_lake(tmp_path / "lake")
    updated = {**row(ARTICLES, 1), "title": "updated", "run_id": "r2"}
    [old] = [p for p in lake.data_files(ARTICLES) if "2026-03-06" in str(p)]
    rel = old.relative_to(lake.table_dir(ARTICLES)).as_posix()
    with lake.writing(RunInfo("r2", datetime(2026, 3, 11, tzinfo=UTC)), timeout_s=5) as commit:
        commit.remove("articles", rel, {updated["article_id"]})
        commit.add("articles", [updated])
        commit.publish()
    names = ", ".join(f'"{c.name}"' for c in ARTICLES.columns) + ', "published_date"'
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        con.register(
            "via_deltalake", deltalake.DeltaTable(_delta_path(lake, ARTICLES)).to_pyarrow_table()
        )
        con.register("via_polars", pl.read_delta(_delta_path(lake, ARTICLES)).to_arrow())
        for reader in ("via_deltalake", "via_polars"):
            for a, b in ((reader, "articles"), ("articles", reader)):
                only = f"SELECT {names} FROM {a} EXCEPT ALL SELECT {names} FROM {b}"
                extra = con.execute(f"SELECT count(*) FROM ({only})").fetchone()
                assert extra == (0,), (a, b)
        assert con.execute("SELECT title FROM via_polars WHERE run_id = 'r2'").fetchall() == [
            ("updated",)
        ]
    finally:
        con.close()
    # A glob still finds the replaced file, with the article's earlier version in it.
    globbed = pl.scan_parquet(
        lake.table_dir(ARTICLES) / "published_date=*" / "*.parquet", hive_partitioning=True
    ).collect()
    assert globbed.height == ROWS + 1
    assert globbed.filter(pl.col("article_id") == updated["article_id"]).height == 2
