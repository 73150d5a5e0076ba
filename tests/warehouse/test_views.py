from datetime import UTC, datetime

import pytest

from newslake.transforms.errors import LakeError, QueryError
from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
from newslake.warehouse.views import query


@pytest.fixture
def lake(tmp_path):
    lake = Lake(tmp_path / "lake")
    run = RunInfo("r", datetime(2026, 3, 1, tzinfo=UTC))
    with lake.writing(run, timeout_s=1) as staged:
        staged.add(
            "fetch_log",
            [
                {
                    "url": "file:///a",
                    "source": "files:t",
                    "outcome": "ok",
                    "status": None,
                    "error": None,
                    "attempts": 1,
                    "elapsed_ms": 3,
                    "page_id": "p",
                    "article_id": "a",
                    "run_id": "r",
                    "logged_at": run.started_at,
                }
            ],
        )
        staged.publish()
    return lake


def test_select_returns_columns_and_rows(lake):
    columns, rows = query(lake.root, "SELECT outcome, fetch_date FROM fetch_log")
    assert columns == ["outcome", "fetch_date"]
    assert [(r[0], str(r[1])) for r in rows] == [("ok", "2026-03-01")]


def test_several_statements_answer_with_the_last(lake):
    assert query(lake.root, "SELECT 1; SELECT 2 AS two")[1] == [(2,)]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP VIEW articles",
        "CREATE TABLE t AS SELECT 1",
        "COPY (SELECT 1) TO 'x.csv'",
        "INSERT INTO t VALUES (1)",
        "ATTACH 'other.db'",
        "SELECT 1; DELETE FROM t",
    ],
)
def test_writes_are_refused(lake, sql):
    with pytest.raises(QueryError, match="refused"):
        query(lake.root, sql)


def test_bad_sql_is_a_query_error_with_one_line(lake):
    with pytest.raises(QueryError) as info:
        query(lake.root, "SELEC nonsense")
    assert "\n" not in str(info.value)


def test_missing_lake_says_how_to_make_one(tmp_path):
    with pytest.raises(LakeError, match="newslake run"):
        query(tmp_path / "nowhere", "SELECT 1")
