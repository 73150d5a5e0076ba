"""A run over sources that hold nothing new logs every input and changes nothing else: no gold
commit, and no view but fetch_log's made again."""

import shutil
from dataclasses import replace

import duckdb
import pytest

from newslake.flows import commits
from newslake.flows.artifacts import summary_markdown
from newslake.flows.ingest import run_ingest
from newslake.warehouse import lookup_keys
from newslake.warehouse.health_refresh import STATE
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.page_keys import DIR, segments
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


def one_outlet(tmp_path, sample_dir):
    """A copy of one sample outlet, a lake beside it, and run_ingest's arguments for both."""
    corpus = tmp_path / "sample"
    shutil.copytree(sample_dir / "meridian-press", corpus)
    lake = tmp_path / "lake"
    return corpus, lake, {"sources": [str(corpus)], "lake": str(lake), "workers": 1}


def test_a_run_with_nothing_new_logs_each_input_and_moves_only_fetch_log(tmp_path, sample_dir):
    _, lake, params = one_outlet(tmp_path, sample_dir)
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


def known_pages(lake, tmp_path, name: str) -> dict:
    """What the lake index says of every page the lake logged."""
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT DISTINCT page_id FROM fetch_log").fetchall()]
    finally:
        con.close()
    index = LakeIndex(Lake(lake), spill=tmp_path / name / "index.duckdb")
    try:
        return index.known_pages([i for i in ids if i])
    finally:
        index.close()


def test_runs_with_an_edit_answer_and_summarise_from_their_own_rows(tmp_path, sample_dir):
    corpus, lake, params = one_outlet(tmp_path, sample_dir)
    summaries, markdown = [], []

    def run() -> None:
        # The summary made from the run's own rows reads as the one that asks the lake.
        summaries.append(run_ingest(**params))
        markdown.append(summary_markdown(summaries[-1]))
        assert markdown[-1] == summary_markdown(replace(summaries[-1], written=None))

    run()
    changed = corpus / "2026-03-09-calder-bay-lead-advisory.html"
    changed.write_text(changed.read_text().replace("18,000 residents", "19,500 residents"))
    run()
    run()
    assert summaries[1].count("updated") == 1
    assert summaries[2].count("unchanged") > 0 == summaries[2].count("updated")
    assert [s.written.articles for s in summaries] == [summaries[0].count("new"), 1, 0]
    assert "Articles stored by this run: 1, in 1 stories." in markdown[1]
    # Each run's commit added a segment; the answers are those of reading every file.
    assert len(segments(Lake(lake)).segments) == len(summaries)
    found = known_pages(lake, tmp_path, "segments")
    shutil.rmtree(lake / DIR)
    assert found == known_pages(lake, tmp_path, "files")
    assert any(not page.is_current for page in found.values())  # the edited page's earlier one


def test_a_key_segment_that_cannot_be_written_leaves_the_run_committed_and_the_next_writes_it(
    tmp_path, sample_dir, monkeypatch
):
    _, lake, params = one_outlet(tmp_path, sample_dir)

    def out_of_memory(lake):
        raise duckdb.OutOfMemoryException("failed to allocate data of size 8.0 MiB")

    monkeypatch.setattr(commits, "keep_lookup_keys", out_of_memory)
    first = run_ingest(**params)
    assert first.count("new") > 0 and log_rows(lake) == first.inputs
    assert not (lake / lookup_keys.DIR).exists()  # the page key segment was still kept
    assert len(segments(Lake(lake)).segments) == 1
    monkeypatch.undo()
    second = run_ingest(**params)
    assert second.count("new") == second.count("updated") == 0
    keys = lookup_keys.LookupKeys.of(Lake(lake))
    try:  # the second commit's segment covers the first run's files too
        assert keys.segments and not any(keys.uncovered(spec) for spec in lookup_keys.TABLES)
    finally:
        keys.close()
