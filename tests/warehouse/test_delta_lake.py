"""The lake's tables as Delta tables: one version per changed table and one `_runs` row per
run, readers pinned to `_runs`, recovery, and time travel (`newslake sql --as-of`)."""

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from lake_rows import RUN1, RUN2, article, commit, read
from typer.testing import CliRunner

from newslake.flows.cli import app
from newslake.transforms.errors import LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse import lake as lake_module
from newslake.warehouse.as_of import connect_as_of
from newslake.warehouse.delta import file_stats
from newslake.warehouse.lake import Lake, uncommitted
from newslake.warehouse.runs import RUNS, runs
from newslake.warehouse.schemas import ARTICLES, FETCH_LOG, TABLES

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
RUN3 = RunInfo("run-3", datetime(2026, 3, 7, 12, tzinfo=UTC))


def log_row(url: str, run: RunInfo) -> dict:
    return {
        "url": url,
        "source": "files:t",
        "outcome": "new",
        "attempts": 1,
        "elapsed_ms": 3,
        "logged_at": run.started_at,
        "run_id": run.run_id,
    }


def versions(lake: Lake) -> dict[str, int]:
    found = {}
    for spec in TABLES.values():
        path = lake.table_dir(spec)
        if (path / "_delta_log").exists():
            found[spec.name] = DeltaTable(str(path)).version()
    return found


def test_a_publish_makes_one_delta_version_per_changed_table_and_one_runs_row(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    assert versions(lake) == {"articles": 1}  # 0 creates the table, 1 adds the run's files
    with lake.writing(RUN2, timeout_s=1) as staged:
        staged.add("articles", [article("b", 6, RUN2)])
        staged.add("fetch_log", [log_row("file:///b", RUN2)])
        staged.publish()
    assert versions(lake) == {"articles": 2, "fetch_log": 1}
    points = runs(lake.root)
    assert [(p.run_id, p.kind) for p in points] == [(RUN1.run_id, "run"), (RUN2.run_id, "run")]
    assert points[-1].versions == {"articles": 2, "fetch_log": 1}
    history = DeltaTable(str(lake.table_dir(ARTICLES))).history(1)[0]
    assert history["run_id"] == RUN2.run_id  # each Delta commit names its run
    with lake.writing(RUN3, timeout_s=1) as staged:
        staged.publish()  # nothing staged: no version, no `_runs` row
    assert len(runs(lake.root)) == 2


def test_adds_carry_row_counts_and_null_counts_from_the_footer(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5), article("b", 5)])
    (path,) = lake.data_files(ARTICLES)
    stats = file_stats(pq.read_metadata(path), ARTICLES)
    assert stats["numRecords"] == 2
    assert stats["nullCount"]["canonical_url"] == 2
    assert stats["minValues"]["word_count"] == stats["maxValues"]["word_count"] == 1
    actions = pa.table(DeltaTable(str(lake.table_dir(ARTICLES))).get_add_actions(flatten=True))
    assert actions["num_records"].to_pylist() == [2]


def test_a_table_committed_past_the_runs_row_is_invisible_to_readers(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    staged_file = tmp_path / "extra.parquet"
    pq.write_table(ARTICLES.to_table([article("z", 5)]), staged_file)
    table_dir = lake.table_dir(ARTICLES)
    rel = "published_date=2026-03-05/part-stray.parquet"
    staged_file.rename(table_dir / rel)
    lake_module.commit_files(table_dir, ARTICLES, [rel], [], "stray")  # no `_runs` row
    assert DeltaTable(str(table_dir)).version() == 2
    reader = Lake(lake.root)
    assert [p.name for p in reader.data_files(ARTICLES)] == ["part-run-1.parquet"]
    assert [r[0] for r in read(lake, "articles")] == ["a"]
    assert [spec.name for spec in uncommitted(reader)] == ["articles"]

    with lake.writing(RUN2, timeout_s=1):
        pass  # the next writer restores the table to the `_runs` version
    assert uncommitted(Lake(lake.root)) == []
    latest = DeltaTable(str(table_dir))
    assert [uri.rsplit("/", 1)[1] for uri in latest.file_uris()] == ["part-run-1.parquet"]


def test_a_table_created_by_a_run_killed_before_its_first_runs_row_is_dropped(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    log_dir = lake.table_dir(FETCH_LOG) / "fetch_date=2026-03-06"
    log_dir.mkdir(parents=True)
    pq.write_table(FETCH_LOG.to_table([log_row("file:///x", RUN2)]), log_dir / "part-x.parquet")
    lake_module.commit_files(
        lake.table_dir(FETCH_LOG), FETCH_LOG, ["fetch_date=2026-03-06/part-x.parquet"], [], "x"
    )
    assert read(lake, "fetch_log") == []
    with lake.writing(RUN2, timeout_s=1) as staged:
        staged.add("fetch_log", [log_row("file:///b", RUN2)])
        staged.publish()
    assert [r[0] for r in read(lake, "fetch_log")] == ["file:///b"]


def three_runs(tmp_path) -> Lake:
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    commit(lake, RUN2, [article("b", 6, RUN2)])
    held = "published_date=2026-03-05/part-run-1.parquet"
    commit(lake, RUN3, [article("a", 7, RUN3, "New body.")], remove={held: {"a"}})
    return lake


def rows(con, sql: str) -> list[tuple]:
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_as_of_a_run_id_or_a_timestamp_reads_the_lake_as_after_that_run(tmp_path):
    lake = three_runs(tmp_path)
    sql = "SELECT article_id, CAST(published_date AS VARCHAR) FROM articles ORDER BY 1"
    assert rows(connect_as_of(lake.root, RUN1.run_id, 168), sql) == [("a", "2026-03-05")]
    assert rows(connect_as_of(lake.root, RUN2.run_id, 168), sql) == [
        ("a", "2026-03-05"),
        ("b", "2026-03-06"),
    ]
    assert rows(connect_as_of(lake.root, RUN3.run_id, 168), sql) == [
        ("a", "2026-03-07"),
        ("b", "2026-03-06"),
    ]
    second = runs(lake.root)[1].committed_at
    between = (second + (runs(lake.root)[2].committed_at - second) / 2).isoformat()
    assert len(rows(connect_as_of(lake.root, between, 168), sql)) == 2
    with pytest.raises(LakeError, match="no run committed at or before"):
        connect_as_of(lake.root, "2000-01-01T00:00:00+00:00", 168)
    with pytest.raises(LakeError, match="neither a run id of this lake nor an ISO timestamp"):
        connect_as_of(lake.root, "run-9", 168)


def test_as_of_refuses_a_run_older_than_the_retention(tmp_path):
    lake = three_runs(tmp_path)
    with pytest.raises(LakeError, match=r"older than the retention of 0 h") as refused:
        connect_as_of(lake.root, RUN1.run_id, 0)  # its runs are seconds old
    assert RUN1.run_id in str(refused.value)
    latest = runs(lake.root)[-1]
    assert rows(connect_as_of(lake.root, latest.run_id, 0), "SELECT count(*) FROM articles") == [
        (2,)
    ]  # the newest run is always readable


def test_the_sql_command_reads_as_of_a_run_and_fails_in_one_line_for_an_unknown_one(tmp_path):
    lake = three_runs(tmp_path)
    runner = CliRunner()
    sql = "SELECT count(*) AS n FROM articles"
    old = runner.invoke(
        app, ["sql", "--lake", str(lake.root), "-f", "csv", "--as-of", "run-1", sql]
    )
    assert old.exit_code == 0, old.output
    assert old.output.split() == ["n", "1"]
    now = runner.invoke(app, ["sql", "--lake", str(lake.root), "-f", "csv", sql])
    assert now.output.split() == ["n", "2"]
    bad = subprocess.run(
        [NEWSLAKE, "sql", "--lake", str(lake.root), "--as-of", "nope", sql],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "error: 'nope' is neither a run id of this lake nor an ISO timestamp"
    )


def test_column_comments_are_delta_field_metadata(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", None)])
    schema = pa.schema(DeltaTable(str(lake.table_dir(ARTICLES))).schema().to_arrow())
    assert [f.name for f in schema] == [*ARTICLES.schema.names, ARTICLES.partition]
    for column in ARTICLES.columns:
        assert schema.field(column.name).metadata[b"comment"] == column.doc.encode()
    runs_schema = pa.schema(DeltaTable(str(lake.root / RUNS)).schema().to_arrow())
    assert runs_schema.field("versions").metadata[b"comment"].startswith(b"JSON")
    assert json.loads(
        DeltaTable(str(lake.root / RUNS)).to_pyarrow_table()["versions"][0].as_py()
    ) == {"articles": 1}


def test_a_column_added_to_the_schema_is_added_to_the_delta_table(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    narrow = dataclasses.replace(ARTICLES, columns=ARTICLES.columns[:-1])
    lake_module.commit_files(lake.table_dir(ARTICLES), narrow, [], [], "old")
    table = DeltaTable(str(lake.table_dir(ARTICLES)))
    assert ARTICLES.columns[-1].name not in pa.schema(table.schema().to_arrow()).names
    commit(lake, RUN1, [article("a", 5)])
    field = pa.schema(DeltaTable(str(lake.table_dir(ARTICLES))).schema().to_arrow()).field(
        ARTICLES.columns[-1].name
    )
    assert field.metadata[b"comment"] == ARTICLES.columns[-1].doc.encode()
