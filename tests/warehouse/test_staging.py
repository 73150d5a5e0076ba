"""Runs that stage without the writer lock (`Lake.staging`) and commit in its section: the
point they placed against is pinned, a newer one is reported, and a writer's recovery leaves
a live run's staging alone."""

import pytest
from lake_rows import RUN1, RUN2, article, commit, read

from newslake.transforms.errors import LakeBusy, LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import STAGING, Lake
from newslake.warehouse.lock import held_dir, lock_holder, remove_if_dead
from newslake.warehouse.runs import runs
from newslake.warehouse.schemas import ARTICLES

RUN3 = RunInfo("run-3", RUN2.started_at)


def test_a_run_reads_the_point_it_started_at_while_another_commits(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    with lake.staging(RUN2, timeout_s=1) as staged:
        assert lock_holder(lake.root) is None  # staging holds no lock
        commit(lake, RUN3, [article("c", 6, RUN3)])  # another run commits meanwhile
        assert [p.parent.name for p in staged.lake.data_files(ARTICLES)] == [
            "published_date=2026-03-05"
        ]
        staged.add("articles", [article("b", 7, RUN2)])
        with staged.section() as fresh:
            assert not fresh  # the lake moved on: placement must be redone
            assert lock_holder(lake.root).startswith("run run-2 ")
            staged.restart()  # what was placed against the old point goes
            staged.add("articles", [article("b", 7, RUN2)])
            staged.publish()
    assert [r[0] for r in read(lake, "articles")] == ["a", "b", "c"]
    assert [p.run_id for p in runs(lake.root)] == ["run-1", "run-3", "run-2"]


def test_an_unmoved_point_is_published_as_staged(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    with lake.staging(RUN2, timeout_s=1) as staged:
        staged.add("articles", [article("b", 7, RUN2)])
        with staged.section() as fresh:
            assert fresh
            staged.publish()
        assert staged.section_s > 0
    assert [r[0] for r in read(lake, "articles")] == ["a", "b"]


def test_publishing_outside_the_section_is_refused(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.staging(RUN1, timeout_s=1) as staged:
        staged.add("articles", [article("a", 5)])
        with pytest.raises(LakeError, match="outside the writer's section"):
            staged.publish()
    assert lake.data_files(ARTICLES) == []


def test_the_section_waits_for_the_writer_lock_and_gives_up_in_one_line(tmp_path):
    lake = Lake(tmp_path / "lake")
    with (
        lake.staging(RUN2, timeout_s=0.3) as staged,
        lake.writing(RUN1, timeout_s=1),
        pytest.raises(LakeBusy, match=r"is being written by run run-1 .* after 0\.3 s"),
        staged.section(),
    ):
        pass


def test_recovery_drops_dead_runs_staging_and_keeps_live_ones(tmp_path):
    lake = Lake(tmp_path / "lake")
    dead = lake.root / STAGING / "dead-run"
    (dead / "silver").mkdir(parents=True)
    with lake.staging(RUN2, timeout_s=1) as staged:
        staged.add("articles", [article("b", 7, RUN2)])
        staged.tables["articles"].flush()
        commit(lake, RUN1, [article("a", 5)])  # its writer recovers the lake first
        assert not dead.exists()
        assert any((staged.staging / ARTICLES.path).rglob("*.parquet"))
    assert not (lake.root / STAGING / RUN2.run_id).exists()


def test_a_held_directory_is_removed_only_once_released(tmp_path):
    path = tmp_path / "d"
    with held_dir(path):
        assert not remove_if_dead(path)
        assert path.is_dir()
    assert remove_if_dead(path)
    assert not path.exists()


def test_a_run_restarted_outside_the_section_reads_the_newer_point(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, RUN1, [article("a", 5)])
    with lake.staging(RUN2, timeout_s=1) as staged:
        staged.add("articles", [article("b", 7, RUN2)])
        assert not staged.moved()
        commit(lake, RUN3, [article("c", 6, RUN3)])
        assert staged.moved()
        staged.restart()  # placed again without the lock, against run-3's point
        assert not staged.moved()
        assert len(staged.lake.data_files(ARTICLES)) == 2
        staged.add("articles", [article("b", 7, RUN2)])
        with staged.section() as fresh:
            assert fresh  # nobody committed since: the section only publishes
            staged.publish()
    assert [r[0] for r in read(lake, "articles")] == ["a", "b", "c"]
