"""A run over sources that hold nothing new logs every input and changes nothing else: no gold
commit, and no view but fetch_log's made again."""

import shutil

import duckdb
import pytest

from newslake.flows.ingest import run_ingest
from newslake.warehouse.health_refresh import STATE
from newslake.warehouse.runs import runs
from newslake.warehouse.schemas import TABLES
from newslake.warehouse.views import WAREHOUSE

pytestmark = pytest.mark.usefixtures("prefect_backend")


def view_comments(lake) -> dict[str, str]:
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        found = con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")
        return dict(found.fetchall())
    finally:
        con.close()


def log_rows(lake) -> int:
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM fetch_log").fetchone()[0]
    finally:
        con.close()


def test_a_run_with_nothing_new_logs_each_input_and_moves_only_fetch_log(tmp_path, sample_dir):
    corpus = tmp_path / "sample"
    shutil.copytree(sample_dir / "meridian-press", corpus)
    lake = tmp_path / "lake"
    params = {"sources": [str(corpus)], "lake": str(lake), "workers": 1}
    first = run_ingest(**params)
    points, comments, logged = runs(lake), view_comments(lake), log_rows(lake)
    assert (lake / STATE).exists()  # the site counts the next gold refresh starts from

    second = run_ingest(**params)
    assert second.inputs == first.inputs > 0
    assert second.count("new") == second.count("updated") == 0
    assert log_rows(lake) == logged + second.inputs  # every input logged again
    after = runs(lake)
    assert [p.kind for p in after[len(points) :]] == ["run"]  # no gold commit
    moved = {
        name
        for name, version in after[-1].versions.items()
        if points[-1].versions.get(name) != version
    }
    assert moved == {"fetch_log"}
    now = view_comments(lake)
    assert {name for name in TABLES if now[name] != comments[name]} == {"fetch_log"}
    assert {name: now[name] for name in now if name != "fetch_log"} == {
        name: comments[name] for name in comments if name != "fetch_log"
    }
