from datetime import UTC, datetime

import pyarrow as pa
from deltalake import DeltaTable
from lake_rows import article, commit, read

from newslake.transforms.records import RunInfo
from newslake.warehouse.compact import compact
from newslake.warehouse.lake import Lake
from newslake.warehouse.runs import runs
from newslake.warehouse.schemas import ARTICLES


def run(n: int) -> RunInfo:
    return RunInfo(f"run-{n}", datetime(2026, 3, 5 + n, 12, tzinfo=UTC))


def compacted(lake: Lake, n: int, **options) -> dict[str, int]:
    with lake.writing(run(n), timeout_s=1) as staged:
        staged.kind = "compact"
        return compact(staged, **options)


def on_disk(lake: Lake, partition: str) -> list[str]:
    return sorted(p.name for p in (lake.table_dir(ARTICLES) / partition).glob("*.parquet"))


def test_compaction_merges_each_partitions_files_keeps_every_row_and_vacuum_removes_files(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1)), article("b", 6, run(1))])
    commit(lake, run(2), [article("c", 5, run(2)), article("d", None, run(2))])
    commit(lake, run(3), [article("e", 5, run(3))])
    before = read(lake, "articles")
    assert len(on_disk(lake, "published_date=2026-03-05")) == 3

    merged = compacted(lake, 4, retention_hours=0)

    assert merged == {"articles": 3}  # only the partition with several files
    assert read(lake, "articles") == before
    assert runs(lake.root)[-1].kind == "compact"
    per_partition: dict[str, list[str]] = {}
    for file in Lake(lake.root).data_files(ARTICLES):
        per_partition.setdefault(file.parent.name, []).append(file.name)
    assert all(len(names) == 1 for names in per_partition.values())
    # Vacuumed with no retention: the merged files are gone from disk, not only from the log.
    assert on_disk(lake, "published_date=2026-03-05") == per_partition["published_date=2026-03-05"]

    assert len(DeltaTable(str(lake.root / "_runs")).file_uris()) == 1  # `_runs` too
    assert [p.run_id for p in runs(lake.root)] == ["run-1", "run-2", "run-3", "run-4"]
    assert compacted(lake, 5, retention_hours=0) == {}  # nothing left to merge: a no-op
    assert read(lake, "articles") == before


def test_within_the_retention_the_merged_files_stay_for_older_versions(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", 5, run(2))])
    old = runs(lake.root)[-1].versions["articles"]
    assert compacted(lake, 3) == {"articles": 2}  # the default retention: a week
    assert len(on_disk(lake, "published_date=2026-03-05")) == 3
    older = DeltaTable(str(lake.table_dir(ARTICLES)), version=old)
    assert len(older.file_uris()) == 2


def test_a_compacted_lake_still_takes_updates_of_merged_rows(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", 5, run(2))])
    compacted(lake, 3, retention_hours=0)
    (merged,) = Lake(lake.root).data_files(ARTICLES)
    rel = merged.relative_to(lake.table_dir(ARTICLES)).as_posix()
    commit(lake, run(4), [article("a", 5, run(4), text="New body.")], remove={rel: ["a"]})
    texts = {row[0]: row for row in read(lake, "articles")}
    assert sorted(texts) == ["a", "b"]
    assert "New body." in texts["a"]


def test_files_of_the_target_size_are_left_alone_and_staging_is_cleared(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", 5, run(2))])
    (lake.root / "_staging" / "dead-run").mkdir(parents=True)
    assert compacted(lake, 3, target_bytes=1) == {}  # every file is already "big"
    assert not (lake.root / "_staging" / "dead-run").exists()
    assert len(on_disk(lake, "published_date=2026-03-05")) == 2
    assert [p.run_id for p in runs(lake.root)] == ["run-1", "run-2"]  # nothing to record


def test_column_comments_and_types_survive_compaction(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", None, run(2))])
    compacted(lake, 3, retention_hours=0)
    table = DeltaTable(str(lake.table_dir(ARTICLES)))
    schema = pa.schema(table.schema().to_arrow())
    for column in ARTICLES.columns:
        field = schema.field(column.name)
        assert field.metadata[b"comment"] == column.doc.encode()
        assert field.type == column.type
    assert schema.field(ARTICLES.partition).metadata[b"comment"] == ARTICLES.partition_doc.encode()
    assert table.metadata().partition_columns == [ARTICLES.partition]
    assert table.to_pyarrow_table().num_rows == 2
