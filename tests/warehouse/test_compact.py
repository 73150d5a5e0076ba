from datetime import UTC, datetime

from lake_rows import article, commit, read

from newslake.transforms.records import RunInfo
from newslake.warehouse.compact import compact
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES


def run(n: int) -> RunInfo:
    return RunInfo(f"run-{n}", datetime(2026, 3, 5 + n, 12, tzinfo=UTC))


def test_compaction_merges_each_partitions_files_and_keeps_every_row(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1)), article("b", 6, run(1))])
    commit(lake, run(2), [article("c", 5, run(2)), article("d", None, run(2))])
    commit(lake, run(3), [article("e", 5, run(3))])
    before = read(lake, "articles")
    assert len(list((lake.table_dir(ARTICLES) / "published_date=2026-03-05").iterdir())) == 3

    with lake.writing(run(4), timeout_s=1) as staged:
        merged = compact(staged)
        staged.publish()

    assert merged == {"articles": 3}  # only the partition with several files
    assert read(lake, "articles") == before
    per_partition = {}
    for file in lake.data_files(ARTICLES):
        per_partition.setdefault(file.parent.name, []).append(file.name)
    assert all(len(names) == 1 for names in per_partition.values())
    ids = [row[0] for row in read(lake, "articles")]
    assert ids == sorted(ids)

    with lake.writing(run(5), timeout_s=1) as staged:
        assert compact(staged) == {}  # nothing left to merge: a no-op
        staged.publish()
    assert read(lake, "articles") == before


def test_a_compacted_lake_still_takes_updates_of_merged_rows(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", 5, run(2))])
    with lake.writing(run(3), timeout_s=1) as staged:
        compact(staged)
        staged.publish()
    (merged,) = lake.data_files(ARTICLES)
    rel = merged.relative_to(lake.table_dir(ARTICLES)).as_posix()
    commit(lake, run(4), [article("a", 5, run(4), text="New body.")], remove={rel: ["a"]})
    texts = {row[0]: row for row in read(lake, "articles")}
    assert sorted(texts) == ["a", "b"]
    assert "New body." in texts["a"]


def test_compaction_packs_small_files_into_files_of_the_target_size(tmp_path):
    lake = Lake(tmp_path / "lake")
    for n in range(1, 6):
        commit(lake, run(n), [article(f"a{n}", 5, run(n), text=f"Body {n}. " * 200)])
    partition = lake.table_dir(ARTICLES) / "published_date=2026-03-05"
    sizes = [f.stat().st_size for f in sorted(partition.glob("*.parquet"))]
    before = read(lake, "articles")

    target = sum(sizes[:2]) + 1  # room for two files, not three
    with lake.writing(run(6), timeout_s=1) as staged:
        merged = compact(staged, target_bytes=target)
        staged.publish()

    assert merged == {"articles": 4}  # two pairs merged; the fifth file is left as it is
    names = sorted(f.name for f in partition.glob("*.parquet"))
    assert names == ["part-run-5.parquet", "part-run-6-1.parquet", "part-run-6.parquet"]
    assert read(lake, "articles") == before


def test_compaction_leaves_files_of_the_target_size_alone_and_clears_orphans(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, run(1), [article("a", 5, run(1))])
    commit(lake, run(2), [article("b", 5, run(2))])
    partition = lake.table_dir(ARTICLES) / "published_date=2026-03-05"
    orphan = partition / ".part-dead.parquet.tmp"
    orphan.write_bytes(b"half a file")
    (lake.root / "_staging" / "dead-run").mkdir(parents=True)

    with lake.writing(run(3), timeout_s=1) as staged:
        assert compact(staged, target_bytes=1) == {}  # every file is already "big"
        staged.publish()

    assert not orphan.exists()
    assert not (lake.root / "_staging" / "dead-run").exists()
    assert len(list(partition.glob("*.parquet"))) == 2
