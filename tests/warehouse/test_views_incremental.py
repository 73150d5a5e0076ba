"""build_warehouse starts from the previous warehouse file: what it keeps must read as a build
from scratch would."""

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from lake_rows import RUN1, RUN2, article, commit

from newslake.transforms.records import FetchLogRow, Page, RunInfo, as_row
from newslake.warehouse import views
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import TABLES
from newslake.warehouse.views import (
    ANALYTIC_VIEWS,
    WAREHOUSE,
    build_warehouse,
    create_views,
    table_relation,
)

RUN3 = RunInfo("run-3", RUN2.started_at)
VIEW_SQL = "SELECT sql FROM duckdb_views() WHERE view_name = 'fetch_log'"


def log_only(lake: Lake, run: RunInfo, url: str) -> None:
    """A commit that changes fetch_log alone (a run that found nothing new)."""
    page = Page.create(source="files:t", url=url, body=b"<p>Body.</p>", run=run)
    with lake.writing(run, timeout_s=1) as staged:
        staged.add("fetch_log", [as_row(FetchLogRow.for_page(page, "unchanged", run))])
        staged.publish()


def contents(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Every view's comment, column comments and rows."""
    found: dict[str, object] = {}
    for name in [*TABLES, *ANALYTIC_VIEWS]:
        comment = con.execute(
            "SELECT comment FROM duckdb_views() WHERE view_name = ?", [name]
        ).fetchone()
        columns = con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? "
            "ORDER BY column_index",
            [name],
        ).fetchall()
        rows = con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        found[name] = (comment, columns, rows)
    return found


def kept_and_fresh(lake: Lake) -> tuple[dict[str, object], dict[str, object]]:
    """The views of the lake's warehouse file, and the same views made from scratch."""
    kept = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    fresh = duckdb.connect()
    try:
        create_views(fresh, Lake(lake.root))
        return contents(kept), contents(fresh)
    finally:
        kept.close()
        fresh.close()


def view_comment(lake: Lake, name: str) -> str:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute(
            "SELECT comment FROM duckdb_views() WHERE view_name = ?", [name]
        ).fetchone()[0]
    finally:
        con.close()


def test_views_kept_from_the_previous_file_read_as_views_made_from_scratch(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    log_only(lake, RUN2, "file:///a")
    commit(lake, RUN3, [article("b", 6, RUN3)])
    log_only(lake, RunInfo("run-4", RUN2.started_at), "file:///b")
    kept, fresh = kept_and_fresh(lake)
    assert kept == fresh
    assert len(kept["articles"][2]) == 2 and len(kept["fetch_log"][2]) == 2


def test_a_commit_of_one_table_moves_only_that_tables_view(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    log_only(lake, RUN2, "file:///a")
    before = view_comment(lake, "articles"), view_comment(lake, "fetch_log")
    log_only(lake, RUN3, "file:///a")
    after = view_comment(lake, "articles"), view_comment(lake, "fetch_log")
    assert after[0] == before[0] == "silver/articles (Delta version 1)"
    assert (before[1], after[1]) == (
        "bronze/fetch_log (Delta version 1)",
        "bronze/fetch_log (Delta version 2)",
    )


def test_a_lake_copied_elsewhere_gets_views_over_its_own_files(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    log_only(lake, RUN2, "file:///a")
    shutil.copytree(lake.root, tmp_path / "copy")
    shutil.rmtree(lake.root)
    copy = Lake(tmp_path / "copy")
    log_only(copy, RUN3, "file:///a")  # articles did not move: its view must still be made
    kept, fresh = kept_and_fresh(copy)
    assert kept == fresh
    assert len(kept["articles"][2]) == 1


def test_a_lake_copied_elsewhere_reads_one_footer_per_held_column_set(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    for i, run in enumerate((RUN1, RUN2, RUN3)):
        log_only(lake, run, f"file:///{i}")  # three fetch_log files of one column set
    shutil.copytree(lake.root, tmp_path / "copy")
    copy = Lake(tmp_path / "copy")
    read: list[Path] = []
    original = views._columns
    monkeypatch.setattr(views, "_columns", lambda file: read.append(file) or original(file))
    log_only(copy, RunInfo("run-4", RUN2.started_at), "file:///3")
    logged = [file for file in read if TABLES["fetch_log"].path in file.as_posix()]
    assert len(logged) == 2  # one held file for the three, and the new one
    assert all(file.is_relative_to(copy.root) for file in logged)
    kept, fresh = kept_and_fresh(copy)
    assert kept == fresh and len(kept["fetch_log"][2]) == 4


def test_a_view_over_files_of_two_column_sets_reads_as_one_made_from_scratch(tmp_path):
    lake = Lake(tmp_path / "lake")
    log_only(lake, RUN1, "file:///a")
    spec = TABLES["fetch_log"]
    added = next(c for c in reversed(spec.columns) if c.nullable and not c.type.num_fields)
    [old] = lake.data_files(spec)  # written before `added` was a column of fetch_log
    pq.write_table(pq.read_table(old).drop_columns([added.name]), old)
    (lake.root / WAREHOUSE).unlink()
    build_warehouse(lake)
    log_only(lake, RUN2, "file:///b")  # the held view's files keep their group; one file joins
    kept, fresh = kept_and_fresh(lake)
    assert kept == fresh
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'fetch_log'")
        text = sql.fetchone()[0]
        rows = con.execute(f'SELECT url, "{added.name}" FROM fetch_log ORDER BY url')
        assert rows.fetchall() == [("file:///a", None), ("file:///b", None)]
    finally:
        con.close()
    assert text.count("read_parquet(") == 2 and "union_by_name" not in text


def test_a_held_view_over_every_file_by_name_is_grouped_again_from_the_footers(tmp_path):
    lake = Lake(tmp_path / "lake")
    log_only(lake, RUN1, "file:///a")
    spec = TABLES["fetch_log"]
    added = next(c for c in reversed(spec.columns) if c.nullable and not c.type.num_fields)
    [old] = lake.data_files(spec)
    pq.write_table(pq.read_table(old).drop_columns([added.name]), old)
    log_only(lake, RUN2, "file:///b")
    con = duckdb.connect(str(lake.root / WAREHOUSE))  # as an earlier version made the view
    try:
        con.execute(f"CREATE OR REPLACE VIEW fetch_log AS {table_relation(lake, spec)}")
        con.execute("COMMENT ON VIEW fetch_log IS 'made by an earlier version'")
    finally:
        con.close()
    log_only(lake, RUN3, "file:///c")
    kept, fresh = kept_and_fresh(lake)
    assert kept == fresh and len(kept["fetch_log"][2]) == 3
    con, scratch = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True), duckdb.connect()
    try:
        create_views(scratch, Lake(lake.root))
        made = [c.execute(VIEW_SQL).fetchone()[0] for c in (con, scratch)]
    finally:
        con.close()
        scratch.close()
    assert made[0] == made[1]  # the files grouped by their own columns: a alone, then b and c
    assert made[0].count("read_parquet(") == 2
