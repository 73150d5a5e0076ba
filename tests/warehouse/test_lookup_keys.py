"""The lookup key segments answer story candidates and known URLs exactly as reading every
story_index, pages and articles file does: after runs, a re-indexing, an article replaced,
a commit that wrote no segment, merges, a segment covering files twice and one unreadable."""

import shutil
from dataclasses import replace

import duckdb
import pytest
from lake_rows import RUN1, RUN2, article, logged

from newslake.transforms.records import Page, RunInfo, StoryIndexRow, as_row
from newslake.transforms.stories import Candidate
from newslake.warehouse import lookup_keys
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import MAX_BAND_KEY_SHARERS, LakeIndex
from newslake.warehouse.lookup_keys import DIR, TABLES, LookupKeys, keep_lookup_keys
from newslake.warehouse.schemas import ARTICLES

RUN3 = RunInfo("run-3", RUN2.started_at.replace(day=7))
AT = RUN1.started_at
BANDS = ["0:x", "1:y", "1:z", "2:w", "9:busy", "3:4", "0:new", "0:gone", "none"]
URLS = [
    "file:///a",
    "file:///a-final",
    "https://gazette/a",
    "https://gazette/b",
    "file:///b",
    "file:///new",
]


def indexing(article_id: str, keys: list[str], run: RunInfo, story: str = "s1") -> dict:
    row = StoryIndexRow(article_id, story, AT, keys, [len(keys), 7], run.started_at, run.run_id)
    return as_row(row)


def build(lake: Lake, keep_after: set[int]) -> None:
    """Three commits: pages, articles and indexings, with a crowded key; `a` indexed again
    with other keys and a page fetched again; `b`'s article replaced (its canonical URL gone)
    `keep_after`: the commits followed by keep_lookup_keys."""
    page = Page.create(source="files:t", url="file:///a", body=b"<p>A.</p>", run=RUN1)
    moved = replace(page, final_url="file:///a-final")
    crowd = [indexing(f"n{i}", ["9:busy", f"3:{i}"], RUN1) for i in range(MAX_BAND_KEY_SHARERS)]
    b = {**article("b", 5), "canonical_url": "https://gazette/b"}
    with lake.writing(RUN1, timeout_s=1) as commit:
        commit.add("pages", [as_row(moved)])
        commit.add("articles", [{**article("a", 5), "canonical_url": "https://gazette/a"}, b])
        commit.add("story_index", [indexing("a", ["0:x", "1:y"], RUN1), *crowd])
        commit.add("story_index", [indexing("b", ["0:x", "1:z", "0:gone"], RUN1, "s2")])
        commit.publish()
    if 1 in keep_after:
        keep_lookup_keys(lake)
    with lake.writing(RUN2, timeout_s=1) as commit:
        commit.add("pages", [as_row(Page.create(source="files:t", url="file:///b", body=b"B",
                                                run=RUN2))])  # fmt: skip
        commit.add("story_index", [indexing("a", ["0:new", "1:y"], RUN2, "s3")])
        # n0 indexed again (its old row no longer counts), and a 101st holder of the crowded key
        commit.add("story_index", [indexing(n, ["9:busy"], RUN2) for n in ("n0", "n100")])
        commit.publish()
    if 2 in keep_after:
        keep_lookup_keys(lake)
    old = lake.data_files(ARTICLES)[0].relative_to(lake.table_dir(ARTICLES)).as_posix()
    with lake.writing(RUN3, timeout_s=1) as commit:
        commit.remove("articles", old, ["b"])
        commit.add("articles", [{**b, "canonical_url": None, "text": "B, updated."}])
        commit.add("story_index", [indexing("c", ["2:w", "3:4"], RUN3, "s4")])
        commit.publish()
    if 3 in keep_after:
        keep_lookup_keys(lake)


def answers(lake: Lake, tmp_path, name: str) -> tuple[dict, set]:
    index = LakeIndex(lake, spill=tmp_path / name / "index.duckdb")
    try:
        return index.story_candidates(BANDS), index.known_urls(URLS)
    finally:
        index.close()


def from_files(lake: Lake, tmp_path) -> tuple[dict, set]:
    """The answers of a lake without segments: every file read."""
    copy = Lake(tmp_path / "copy")
    shutil.copytree(lake.root, copy.root)
    shutil.rmtree(copy.root / DIR, ignore_errors=True)
    return answers(copy, tmp_path, "files")


def covers_every_file(lake: Lake) -> bool:
    keys = LookupKeys.of(lake)
    keys.close()
    return not any(keys.uncovered(spec) for spec in TABLES)


EXPECTED_URLS = {"file:///a", "file:///a-final", "https://gazette/a", "file:///b"}


@pytest.mark.parametrize("keep_after", [set(), {1}, {1, 2}, {1, 2, 3}, {3}, {2}])
def test_segments_answer_as_the_files_do(tmp_path, keep_after):
    lake = Lake(tmp_path / "lake")
    build(lake, keep_after)
    stories, urls = answers(lake, tmp_path, "segments")
    assert (stories, urls) == from_files(lake, tmp_path)
    assert urls == EXPECTED_URLS  # b's canonical URL went with its replaced article
    a = Candidate("s3", [2, 7], AT, "a")  # its latest indexing, under its new keys only
    b = Candidate("s2", [3, 7], AT, "b")
    c = Candidate("s4", [2, 7], AT, "c")
    n4 = Candidate("s1", [2, 7], AT, "n4")
    assert stories == {
        "0:x": [b], "1:y": [a], "1:z": [b], "2:w": [c], "3:4": [c, n4], "0:new": [a],
        "0:gone": [b],
    }  # fmt: skip
    assert "9:busy" not in stories  # held by MAX_BAND_KEY_SHARERS + 1 latest indexings
    assert covers_every_file(lake) == (3 in keep_after)


def test_segments_past_the_limit_are_merged_into_one_beside_the_largest(tmp_path, monkeypatch):
    monkeypatch.setattr(lookup_keys, "MAX_SEGMENTS", 2)
    lake = Lake(tmp_path / "lake")
    build(lake, {1, 2, 3})
    found = sorted(lake.root.joinpath(DIR).glob("*.sqlite"))
    assert len(found) == 2  # the third commit's keep merged the second's into its own
    assert covers_every_file(lake)
    assert answers(lake, tmp_path, "merged") == from_files(lake, tmp_path)


def test_a_lake_with_nothing_new_writes_no_segment(tmp_path):
    lake = Lake(tmp_path / "lake")
    build(lake, {3})
    keep_lookup_keys(lake)
    assert len(list(lake.root.joinpath(DIR).glob("*.sqlite"))) == 1


def test_files_covered_twice_count_once_and_a_broken_segment_is_ignored(tmp_path):
    lake = Lake(tmp_path / "lake")
    build(lake, {1, 2, 3})
    folder = lake.root / DIR
    first = sorted(folder.glob("*.sqlite"))[0]
    shutil.copy(first, folder / "0-left-by-a-killed-merge.sqlite")
    (folder / "1-torn.sqlite").write_bytes(b"not a database")
    assert answers(lake, tmp_path, "twice") == from_files(lake, tmp_path)


def test_a_commit_that_only_logs_is_not_listed_again(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    build(lake, {3})
    with lake.writing(RunInfo("run-4", RUN3.started_at), timeout_s=1) as commit:
        commit.add("fetch_log", [logged("file:///a", "unchanged", RUN3)])
        commit.publish()

    def listed(_lake):
        raise AssertionError("the files were listed")

    monkeypatch.setattr(LookupKeys, "of", listed)
    keep_lookup_keys(lake)  # a segment holds the lake's versions of the three tables
    assert len(list(lake.root.joinpath(DIR).glob("*.sqlite"))) == 1


def test_a_segment_that_fails_midway_leaves_no_file_behind(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    build(lake, set())
    appended = []
    append = lookup_keys._append

    def fails_second(con, duck, table, sql):
        if appended:
            raise duckdb.OutOfMemoryException("failed to allocate data of size 8.0 MiB")
        appended.append(table)
        append(con, duck, table, sql)

    monkeypatch.setattr(lookup_keys, "_append", fails_second)
    with pytest.raises(duckdb.OutOfMemoryException):
        keep_lookup_keys(lake)
    assert appended == ["urls"] and list(lake.root.joinpath(DIR).iterdir()) == []
    monkeypatch.undo()
    keep_lookup_keys(lake)
    assert answers(lake, tmp_path, "after") == from_files(lake, tmp_path)
