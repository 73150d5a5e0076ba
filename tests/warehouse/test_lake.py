import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from lake_rows import RUN1, RUN2, article, commit, read

from newslake.transforms.errors import LakeBusy
from newslake.transforms.records import (
    Article,
    ArticleVersion,
    ClaimRow,
    FetchLogRow,
    Page,
    RunInfo,
    StoryIndexRow,
    as_row,
)
from newslake.warehouse import lake as lake_module
from newslake.warehouse.lake import STAGING, Lake, write_partitions
from newslake.warehouse.lock import lock_holder, writer_lock
from newslake.warehouse.runs import runs
from newslake.warehouse.schemas import ARTICLES, TABLES
from newslake.warehouse.views import ANALYTIC_VIEWS, WAREHOUSE

# Every table whose rows Python builds, with the record that builds them.
RECORDS = {
    "pages": Page,
    "fetch_log": FetchLogRow,
    "articles": Article,
    "story_index": StoryIndexRow,
    "article_versions": ArticleVersion,
    "claims": ClaimRow,
}


@pytest.mark.parametrize("table", RECORDS)
def test_record_fields_match_table_schemas(table):
    assert [f.name for f in fields(RECORDS[table])] == TABLES[table].schema.names


def one_of_each_record() -> dict[str, object]:
    """A record of every kind Python stages, with a value in every field."""
    at, run = RUN1.started_at, RUN1.run_id
    page = Page.create(source="files:t", url="file:///a", body=b"<p>Body.</p>", run=RUN1)
    return {
        "pages": page,
        "fetch_log": FetchLogRow.for_page(page, "ok", RUN1, article_id="a"),
        "articles": Article(
            **article("a", 5), published_offset_minutes=60, published_day=at.date()
        ),
        "story_index": StoryIndexRow("a", "s", at, ["k1", "k2"], [1, -2], at, run),
        "article_versions": ArticleVersion("a", "p", "h", "T", "Old.", 1, at, at, run, run),
        "claims": ClaimRow(
            "c", "a", 3, "s", "Gazette", "Cost $5 million.", "cost <num>",
            [{"value": 5e6, "unit": "USD", "kind": "money", "text": "$5 million", "high": None}],
            "the board", "figure", at, [1, -7], run,
        ),
    }  # fmt: skip


def test_every_record_converts_to_its_table_schema():
    records = one_of_each_record()
    assert sorted(records) == sorted(RECORDS)
    for table, record in records.items():
        assert isinstance(record, RECORDS[table])
        rows = TABLES[table].to_table([as_row(record)]).to_pylist()
        assert rows == [as_row(record)]


def test_a_row_that_does_not_fit_the_schema_fails_at_the_boundary():
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, TypeError)):
        ARTICLES.to_table([{**article("a", 5), "word_count": "many"}])


def test_published_rows_land_in_hive_partitions_with_a_null_partition_for_no_date(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5), article("b", 5), article("c", None)])
    dirs = sorted(p.parent.name for p in lake.data_files(ARTICLES))
    assert dirs == ["published_date=2026-03-05", "published_date=__HIVE_DEFAULT_PARTITION__"]
    rows = read(lake, "articles")
    assert [(r[0], str(r[-1])) for r in rows] == [
        ("a", "2026-03-05"),
        ("b", "2026-03-05"),
        ("c", "None"),
    ]
    assert not (lake.root / STAGING).exists() or not any((lake.root / STAGING).iterdir())


def test_texts_are_written_without_a_dictionary_and_other_strings_with_one(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5), article("b", 5)])
    (path,) = lake.data_files(ARTICLES)
    row_group = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {
        row_group.column(i).path_in_schema: row_group.column(i).encodings
        for i in range(row_group.num_columns)
    }
    assert not any("DICTIONARY" in e for e in encodings["text"])
    assert any("DICTIONARY" in e for e in encodings["outlet"])


def test_a_large_flush_is_written_as_sorted_row_groups_of_bounded_size(tmp_path, monkeypatch):
    monkeypatch.setattr(lake_module, "_ROW_GROUP_BYTES", 1 << 20)
    texts = {f"a{i:02d}": f"{i} " + "word " * 60_000 for i in range(20)}  # ~300 KB each
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article(key, 5, text=text) for key, text in reversed(texts.items())])
    (path,) = lake.data_files(ARTICLES)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups > 4
    assert all(meta.row_group(i).num_rows <= 4 for i in range(meta.num_row_groups))
    ids = pq.read_table(path, columns=["article_id"]).column(0).to_pylist()
    assert ids == sorted(texts)


def test_batches_sharing_days_stage_one_file_per_table_and_day(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as staged:
        staged.add("articles", [article("d", 6), article("a", 5), article("b", 6)])
        staged.add("articles", [article("c", 5), article("e", 7)])
        assert staged.publish()["articles"] == 5
    files = lake.data_files(ARTICLES)
    assert [p.parent.name[-2:] for p in files] == ["05", "06", "07"]
    ids = [pq.read_table(p, columns=["article_id"]).column(0).to_pylist() for p in files]
    assert ids == [["a", "c"], ["b", "d"], ["e"]]


def staged_by_hand_off(lake: Lake, rows: list[dict], flush_first: bool) -> list[str]:
    """Stage rows in two batches, write what is buffered with `hand_off` and
    `write_partitions` (as a worker would), publish; the articles' partition directories."""
    with lake.writing(RUN1, timeout_s=1) as staged:
        staged.add("articles", rows[:5])
        if flush_first:  # as the memory budget would: this run's first files are open here
            staged.tables["articles"].flush()
        staged.add("articles", rows[5:])
        handed = staged.tables["articles"].hand_off()
        assert handed is not None and handed[0].num_rows == len(rows) - 5 * flush_first
        staged.tables["articles"].stats.update(
            write_partitions(staged.staging, "articles", *handed)
        )
        assert staged.tables["articles"].hand_off() is None  # nothing left in memory
        assert staged.publish()["articles"] == len(rows)
    return [p.parent.name for p in lake.data_files(ARTICLES)]


@pytest.mark.parametrize("flush_first", [False, True])
def test_rows_handed_off_are_staged_as_this_process_stages_them(tmp_path, flush_first):
    rows = [article(f"a{i}", 5 + i % 3, text=f"Body {i}.") for i in range(9)]
    here = Lake(tmp_path / "here")
    commit(here, RUN1, rows)
    there = Lake(tmp_path / "there")
    parts = staged_by_hand_off(there, rows, flush_first)
    assert read(there, "articles") == read(here, "articles")
    days = sorted(set(parts))
    assert [parts.count(day) for day in days] == [1 + flush_first] * 3  # the flush's file too
    if not flush_first:  # the Delta statistics the other process read are the commit's
        assert add_stats(there) == add_stats(here)


def add_stats(lake: Lake) -> list[dict]:
    """The statistics of each file in the articles table's Delta log, in path order."""
    adds = DeltaTable(str(lake.table_dir(ARTICLES))).get_add_actions(flatten=True)
    rows = pa.table(adds).drop_columns(["modification_time", "size_bytes"]).to_pylist()
    return sorted(rows, key=lambda row: row["path"])


def test_removing_rows_rewrites_only_the_file_that_held_them(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5), article("b", 5), article("c", 6)])
    untouched = lake.table_dir(ARTICLES) / "published_date=2026-03-06" / "part-run-1.parquet"
    before = untouched.stat().st_mtime_ns
    held = "published_date=2026-03-05/part-run-1.parquet"
    commit(lake, RUN2, [article("a", 7, RUN2, "New body.")], remove={held: {"a"}})
    rows = {r[0]: r for r in read(lake, "articles")}
    assert sorted(rows) == ["a", "b", "c"]
    assert "New body." in rows["a"]
    assert untouched.stat().st_mtime_ns == before


def test_removing_every_row_of_a_file_deletes_it(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    commit(
        lake,
        RUN2,
        [article("a", 6, RUN2)],
        remove={"published_date=2026-03-05/part-run-1.parquet": {"a"}},
    )
    assert [p.parent.name for p in lake.data_files(ARTICLES)] == ["published_date=2026-03-06"]


def test_failure_while_staging_leaves_nothing_visible_and_the_next_run_completes(
    tmp_path, monkeypatch
):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    real_close = lake_module.StagedTable.close
    calls = []

    def failing_close(self):
        calls.append(self.spec.name)
        if len(calls) == 2:  # the first table's files are staged, the second's fail
            raise OSError("disk full")
        return real_close(self)

    monkeypatch.setattr(lake_module.StagedTable, "close", failing_close)
    with pytest.raises(OSError, match="disk full"), lake.writing(RUN2, timeout_s=1) as staged:
        staged.add("fetch_log", [])
        staged.add("articles", [article("b", 5, RUN2)])
        staged.add("pages", [])
        staged.publish()
    assert [r[0] for r in read(lake, "articles")] == ["a"]
    assert not (lake.root / STAGING / RUN2.run_id).exists()
    monkeypatch.undo()
    commit(lake, RUN2, [article("b", 5, RUN2)])
    assert [r[0] for r in read(lake, "articles")] == ["a", "b"]


def test_a_commit_interrupted_between_tables_is_invisible_and_undone_by_the_next_writer(
    tmp_path, monkeypatch
):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5), article("b", 6)])
    real_commit = lake_module.commit_files

    def die_after_articles(*args, **kwargs):
        real_commit(*args, **kwargs)
        raise KeyboardInterrupt  # the process dies after the articles' Delta commit

    monkeypatch.setattr(lake_module, "commit_files", die_after_articles)
    with pytest.raises(KeyboardInterrupt), lake.writing(RUN2, timeout_s=1) as staged:
        staged.add("articles", [article("c", 7, RUN2)])
        staged.add("fetch_log", [])
        staged.publish()
    monkeypatch.undo()
    table = DeltaTable(str(lake.table_dir(ARTICLES)))
    assert table.version() == 2  # committed past the `_runs` row, which still says 1
    assert [p.run_id for p in runs(lake.root)] == [RUN1.run_id]
    assert [r[0] for r in read(lake, "articles")] == ["a", "b"]
    pinned = Lake(lake.root).data_files(ARTICLES)
    assert sorted(p.name for p in pinned) == ["part-run-1.parquet"] * 2
    with lake.writing(RunInfo("run-3", RUN2.started_at), timeout_s=1):
        pass  # taking the lock recovers
    latest = DeltaTable(str(lake.table_dir(ARTICLES)))
    assert sorted(Path(uri).name for uri in latest.file_uris()) == ["part-run-1.parquet"] * 2
    commit(lake, RunInfo("run-4", RUN2.started_at), [article("d", 8, RUN2)])
    assert [r[0] for r in read(lake, "articles")] == ["a", "b", "d"]
    assert not (lake.root / STAGING).exists() or not any((lake.root / STAGING).iterdir())


def test_leaving_without_publishing_discards_what_was_staged(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as staged:
        staged.add("articles", [article("a", 5)])
    assert lake.data_files(ARTICLES) == []
    assert not (lake.root / STAGING / RUN1.run_id).exists()


def test_a_second_writer_gives_up_with_a_message_naming_the_holder(tmp_path):
    root = tmp_path / "lake"
    with writer_lock(root, "run-1", timeout_s=1):
        assert "run run-1" in lock_holder(root)
        busy = pytest.raises(LakeBusy, match=r"being written by run run-1 \(pid \d+")
        with busy, writer_lock(root, "run-2", timeout_s=0.3):
            pass
    assert lock_holder(root) is None
    with writer_lock(root, "run-2", timeout_s=0.3):
        pass


def test_views_cover_every_table_even_before_it_has_rows(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    views = {
        r[0]
        for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert views == set(TABLES) | set(ANALYTIC_VIEWS)
    assert con.execute("SELECT count(*) FROM pages").fetchone() == (0,)
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = 'articles' "
        "AND column_name = 'story_id'"
    ).fetchone()[0]
    assert "story" in comment
    con.close()


def test_the_data_dictionary_is_generated_from_the_schemas():
    from pathlib import Path

    from newslake.warehouse.dictionary import tables_markdown

    docs = Path(__file__).parents[2] / "docs" / "tables.md"
    assert docs.read_text() == tables_markdown(), "run: python -m newslake.warehouse.dictionary"


def test_files_from_an_older_schema_conform_to_todays():
    from newslake.warehouse.schemas import conform

    old = ARTICLES.to_table([article("a", 5)]).drop_columns(["topic_hits", "language"])
    table = conform(old, ARTICLES.schema)
    assert table.schema == ARTICLES.schema
    assert table.to_pylist()[0]["topic_hits"] == []
    assert table.to_pylist()[0]["language"] is None


@pytest.mark.skipif(
    "jemalloc" not in pa.supported_memory_backends(), reason="this pyarrow has no jemalloc"
)
@pytest.mark.parametrize(("chosen", "expected"), [(None, "jemalloc"), ("system", "system")])
def test_the_entry_point_gives_arrow_jemalloc_unless_the_user_chose_an_allocator(chosen, expected):
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    code = (
        "import os, subprocess, sys, pyarrow\n"
        "from newslake.warehouse.lake import prefer_jemalloc\n"
        "prefer_jemalloc()\n"
        "print(pyarrow.default_memory_pool().backend_name)\n"
        "child = 'import pyarrow; print(pyarrow.default_memory_pool().backend_name)'\n"
        "subprocess.run([sys.executable, '-c', child], check=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.split() == [expected, expected], out.stderr  # its child processes too


def test_importing_the_lake_leaves_arrows_allocator_alone():
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    code = (
        "import pyarrow; before = pyarrow.default_memory_pool().backend_name\n"
        "import newslake.warehouse.lake, newslake.flows.ingest, os\n"
        "print(before, pyarrow.default_memory_pool().backend_name,"
        " os.environ.get('ARROW_DEFAULT_MEMORY_POOL'))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    before, after, variable = out.stdout.split()
    assert after == before and variable == "None", out.stderr
