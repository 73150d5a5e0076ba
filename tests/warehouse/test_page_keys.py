"""The page key segments answer which pages the lake knows exactly as reading every fetch_log
and articles file does: after runs, an update, a commit that wrote no segment, and merges."""

import shutil

import pytest
from lake_rows import RUN1, RUN2, article

from newslake.transforms.records import FetchLogRow, Page, RunInfo, as_row
from newslake.warehouse import page_keys
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.page_keys import DIR, keep_page_keys, segments
from newslake.warehouse.schemas import ARTICLES, FETCH_LOG

RUN3 = RunInfo("run-3", RUN2.started_at.replace(day=7))


def page(name: str, run: RunInfo, body: bytes = b"<p>A.</p>") -> Page:
    return Page.create(source="files:t", url=f"file:///{name}", body=body, run=run)


def answers(lake: Lake, page_ids: list[str], tmp_path, name: str):
    index = LakeIndex(lake, spill=tmp_path / name / "index.duckdb")
    try:
        return index.known_pages(page_ids)
    finally:
        index.close()


def from_files(lake: Lake, page_ids: list[str], tmp_path):
    """The answers of a lake without segments: every file read."""
    copy = Lake(tmp_path / "copy")
    shutil.copytree(lake.root, copy.root)
    shutil.rmtree(copy.root / DIR, ignore_errors=True)
    return answers(copy, page_ids, tmp_path, "files")


def log(commit, p: Page, outcome: str, run: RunInfo, **kw) -> None:
    commit.add("fetch_log", [as_row(FetchLogRow.for_page(p, outcome, run, **kw))])


@pytest.fixture
def pages():
    return {
        "a": page("a", RUN1),
        "x": page("x", RUN1, b""),
        "a2": page("a", RUN3, b"<p>A, updated.</p>"),
        "n": page("n", RUN1, b"<p>never stored</p>"),
    }


def build(lake: Lake, pages, keep_after: set[int]) -> None:
    """Three commits: a stored article and a failed page; both logged again; the article
    replaced by a newer capture. `keep_after`: the commits followed by keep_page_keys."""
    a = {**article("a", 5), "page_id": pages["a"].page_id}
    with lake.writing(RUN1, timeout_s=1) as commit:
        log(commit, pages["a"], "ok", RUN1, article_id="a")
        log(commit, pages["x"], "parse_error", RUN1, error="no text")
        commit.add("articles", [a])
        commit.publish()
    if 1 in keep_after:
        keep_page_keys(lake)
    with lake.writing(RUN2, timeout_s=1) as commit:
        log(commit, pages["a"], "unchanged", RUN2, article_id="a")
        log(commit, pages["x"], "parse_error", RUN2, error="still no text")
        commit.publish()
    if 2 in keep_after:
        keep_page_keys(lake)
    old_file = lake.data_files(ARTICLES)[0].relative_to(lake.table_dir(ARTICLES)).as_posix()
    with lake.writing(RUN3, timeout_s=1) as commit:
        commit.remove("articles", old_file, ["a"])
        log(commit, pages["a2"], "updated", RUN3, article_id="a")
        commit.add("articles", [{**a, "page_id": pages["a2"].page_id, "text": "A, updated."}])
        commit.publish()
    if 3 in keep_after:
        keep_page_keys(lake)


@pytest.mark.parametrize("keep_after", [set(), {1}, {1, 2}, {1, 2, 3}, {3}])
def test_segments_answer_as_the_files_do(tmp_path, pages, keep_after):
    lake = Lake(tmp_path / "lake")
    build(lake, pages, keep_after)
    asked = [p.page_id for p in pages.values()]
    found = answers(lake, asked, tmp_path, "segments")
    assert found == from_files(lake, asked, tmp_path)
    assert set(found) == {pages["a"].page_id, pages["x"].page_id, pages["a2"].page_id}
    assert found[pages["x"].page_id].error == "still no text"  # the latest log row
    assert found[pages["a"].page_id].is_current is False  # its article now holds the newer capture
    assert found[pages["a2"].page_id].is_current is True
    keys = segments(lake)
    assert len(keys.segments) == len(keep_after)
    if 3 in keep_after:  # the last segment covers every file the lake holds
        for spec in (FETCH_LOG, ARTICLES):
            assert set(page_keys.relative_files(lake, spec)) <= keys.covered[spec.name]


def test_segments_past_the_limit_are_merged_into_one(tmp_path, pages, monkeypatch):
    monkeypatch.setattr(page_keys, "MAX_SEGMENTS", 2)
    lake = Lake(tmp_path / "lake")
    build(lake, pages, {1, 2, 3})
    keys = segments(lake)
    assert len(keys.segments) == 1
    covered = {spec.name: set(page_keys.relative_files(lake, spec)) for spec in page_keys.TABLES}
    assert keys.covered == covered  # the replaced article file is dropped
    asked = [p.page_id for p in pages.values()]
    assert answers(lake, asked, tmp_path, "merged") == from_files(lake, asked, tmp_path)


def test_a_lake_with_nothing_new_writes_no_segment(tmp_path, pages):
    lake = Lake(tmp_path / "lake")
    build(lake, pages, {3})
    keep_page_keys(lake)
    assert len(segments(lake).segments) == 1
