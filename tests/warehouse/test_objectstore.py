"""The object-store lake: Delta tables in a bucket, mirror pulls and the writer lease (moto S3)."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from deltalake import DeltaTable
from lake_rows import RUN1, RUN2, article, read
from moto_s3 import BUCKET, moto_s3

from newslake.transforms.errors import LakeBusy, LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse import objectstore
from newslake.warehouse.lake import Lake
from newslake.warehouse.objectstore import (
    LEASE,
    MANIFEST,
    Lease,
    Mirror,
    cache_root,
    is_remote,
    lease_holder,
    local_lake,
    local_root,
    storage_options,
    writing,
)

RUN3 = RunInfo("run-3", datetime(2026, 3, 7, 12, tzinfo=UTC))


@pytest.fixture(scope="session")
def s3() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def url(s3) -> str:
    """A lake URL under a prefix no other test uses."""
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}/lake"


def commit(url: str, cache, run: RunInfo, rows: list[dict], remove: dict | None = None) -> None:
    with writing(url, run, timeout_s=5, cache_dir=str(cache)) as staged:
        staged.add("articles", rows)
        for file, keys in (remove or {}).items():
            staged.remove("articles", file, keys)
        staged.publish()


def articles(url: str, cache) -> list[tuple]:
    """The articles a reader with this cache directory sees."""
    return read(Lake(local_lake(url, str(cache))), "articles")


def stored(url: str) -> set[str]:
    """Every object under the lake's prefix, relative to it."""
    mirror = Mirror(url)
    return {path.removeprefix(f"{mirror.base}/") for path in mirror.fs.find(mirror.base)}


def test_remote_urls_are_told_from_directories():
    assert is_remote("s3://bucket/lake")
    assert is_remote("gs://bucket/lake")
    assert not is_remote("./lake")
    assert not is_remote("/srv/lake")
    assert not is_remote("file:///srv/lake")


def test_a_local_lake_is_written_and_read_in_place(tmp_path):
    root = tmp_path / "lake"
    with writing(str(root), RUN1, timeout_s=1) as staged:
        staged.add("articles", [article("a1", 5)])
        staged.publish()
    assert local_root(str(root)) == root
    assert local_lake(str(root)) == str(root)
    assert len(read(Lake(root), "articles")) == 1


def delta(url: str, table: str) -> DeltaTable:
    """A table of the lake read from the bucket by deltalake, as any Delta engine would."""
    return DeltaTable(f"{url}/{table}", storage_options=storage_options())


def test_the_bucket_holds_delta_tables_any_delta_reader_reads(url, tmp_path):
    commit(url, tmp_path / "writer", RUN1, [article("a1", 5), article("a2", None)])
    objects = stored(url)
    assert "silver/articles/_delta_log/00000000000000000000.json" in objects
    assert "silver/articles/_delta_log/00000000000000000001.json" in objects
    assert "silver/articles/published_date=2026-03-05/part-run-1.parquet" in objects
    assert "silver/articles/published_date=__HIVE_DEFAULT_PARTITION__/part-run-1.parquet" in (
        objects
    )
    assert any(name.startswith("_runs/_delta_log/") for name in objects)
    assert MANIFEST not in objects
    table = delta(url, "silver/articles")
    assert table.metadata().partition_columns == ["published_date"]
    assert sorted(table.to_pyarrow_table().column("article_id").to_pylist()) == ["a1", "a2"]
    assert table.history(1)[0]["run_id"] == "run-1"  # committed by delta-rs in the store


def test_a_commit_reaches_other_readers_through_the_runs_table(url, tmp_path):
    commit(url, tmp_path / "writer", RUN1, [article("a1", 5), article("a2", None)])
    other = tmp_path / "reader"
    assert [row[0] for row in articles(url, other)] == ["a1", "a2"]
    commit(url, tmp_path / "writer", RUN2, [article("a3", 6, RUN2)])
    assert [row[0] for row in articles(url, other)] == ["a1", "a2", "a3"]


def test_a_rewritten_file_gets_a_new_path_and_the_old_one_stays_for_older_versions(url, tmp_path):
    cache = tmp_path / "writer"
    commit(url, cache, RUN1, [article("a1", 5), article("a2", 5)])
    reader = tmp_path / "reader"
    assert len(articles(url, reader)) == 2
    rel = "published_date=2026-03-05/part-run-1.parquet"
    commit(url, cache, RUN2, [], remove={rel: {"a1"}})
    objects = stored(url)
    assert f"silver/articles/{rel}" in objects  # version 1 still reads it
    assert "silver/articles/published_date=2026-03-05/part-run-2-r1.parquet" in objects
    assert [row[0] for row in articles(url, reader)] == ["a2"]
    assert delta(url, "silver/articles").file_uris()[0].endswith("part-run-2-r1.parquet")
    # The reader's mirror holds the snapshot's files only.
    local = {p.name for p in (cache_root(url, str(reader)) / "silver/articles").rglob("*.parquet")}
    assert {name for name in local if "checkpoint" not in name} == {"part-run-2-r1.parquet"}


def test_a_reader_never_sees_a_run_whose_runs_row_was_not_written(url, tmp_path, monkeypatch):
    writer = tmp_path / "writer"
    commit(url, writer, RUN1, [article("a1", 5)])

    def killed_before_runs_row(self, point):
        raise OSError("writer killed")

    monkeypatch.setattr(objectstore.MirrorLake, "append_point", killed_before_runs_row)
    with pytest.raises(OSError, match="writer killed"):
        commit(url, writer, RUN2, [article("a2", 6, RUN2)])
    monkeypatch.undo()
    # The articles table went on to version 2 in the bucket, but `_runs` still names 1.
    assert delta(url, "silver/articles").version() == 2
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1"]
    assert lease_holder(url) is None  # the lease was released all the same

    # The next writer, on another machine, restores the table in the store and commits.
    commit(url, tmp_path / "other-writer", RUN3, [article("a3", 7, RUN3)])
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1", "a3"]
    ids = delta(url, "silver/articles").to_pyarrow_table().column("article_id").to_pylist()
    assert sorted(ids) == ["a1", "a3"]


def test_a_reader_pulls_only_the_log_after_the_newest_checkpoint(url, tmp_path):
    writer = tmp_path / "writer"
    commit(url, writer, RUN1, [article("a1", 5)])
    commit(url, writer, RUN2, [article("a2", 6, RUN2)])
    delta(url, "silver/articles").create_checkpoint()  # at version 2
    commit(url, writer, RUN3, [article("a3", 7, RUN3)])
    reader = tmp_path / "reader"
    assert [row[0] for row in articles(url, reader)] == ["a1", "a2", "a3"]
    log = cache_root(url, str(reader)) / "silver/articles/_delta_log"
    assert sorted(p.name for p in log.iterdir()) == [
        "00000000000000000002.checkpoint.parquet",
        "00000000000000000002.json",
        "00000000000000000003.json",
        "_last_checkpoint",
    ]


def test_an_up_to_date_reader_only_lists_the_runs_log(url, tmp_path, monkeypatch):
    writer, reader = tmp_path / "writer", tmp_path / "reader"
    commit(url, writer, RUN1, [article("a1", 5)])
    assert [row[0] for row in articles(url, reader)] == ["a1"]

    def no_point(self):
        raise AssertionError("the commit point was read again")

    monkeypatch.setattr(Mirror, "point", no_point)
    assert [row[0] for row in articles(url, reader)] == ["a1"]
    monkeypatch.undo()
    commit(url, writer, RUN2, [article("a2", 6, RUN2)])  # `_runs`'s log moves on
    assert [row[0] for row in articles(url, reader)] == ["a1", "a2"]


def test_a_reader_beside_a_writer_reads_the_mirror_as_it_stands(url, tmp_path):
    cache = tmp_path / "cache"
    commit(url, cache, RUN1, [article("a1", 5)])
    with writing(url, RUN2, timeout_s=5, cache_dir=str(cache)) as staged:
        staged.add("articles", [article("a2", 6, RUN2)])
        staged.publish()
        # Published to the store and the mirror; the writer still holds the mirror.
        assert [row[0] for row in articles(url, cache)] == ["a1", "a2"]
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1", "a2"]


def test_the_lease_refuses_a_second_writer(url, tmp_path):
    with Lease(Mirror(url), "holder-run", timeout_s=1):
        assert "run holder-run" in lease_holder(url)
        with (
            pytest.raises(LakeBusy, match="being written by run holder-run"),
            writing(url, RUN1, timeout_s=0.5, cache_dir=str(tmp_path)),
        ):
            pass
    assert lease_holder(url) is None
    commit(url, tmp_path, RUN1, [article("a1", 5)])  # free again


def test_an_expired_lease_is_taken_over(url, tmp_path):
    mirror = Mirror(url)
    note = {"run_id": "dead-run", "host": "h", "pid": 1, "since": "then", "expires": 0}
    mirror.fs.pipe_file(mirror.key(LEASE), json.dumps(note).encode())
    assert lease_holder(url) is None
    commit(url, tmp_path, RUN1, [article("a1", 5)])
    assert LEASE not in stored(url)


def test_the_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(url, tmp_path):
    mirror = Mirror(url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    note = {"run_id": "killed-run", "host": socket.gethostname(), "pid": dead.pid}
    note |= {"since": "then", "expires": time.time() + 3600}
    mirror.fs.pipe_file(mirror.key(LEASE), json.dumps(note).encode())
    assert lease_holder(url) is None
    commit(url, tmp_path, RUN1, [article("a1", 5)])
    # A live process, or one on another host (whose pid says nothing here), still holds it.
    for host, pid in ((socket.gethostname(), os.getpid()), ("elsewhere", dead.pid)):
        note |= {"host": host, "pid": pid}
        mirror.fs.pipe_file(mirror.key(LEASE), json.dumps(note).encode())
        assert "run killed-run" in lease_holder(url)
    mirror.fs.rm_file(mirror.key(LEASE))


def test_a_staging_run_holds_the_lease_only_in_its_section(url, tmp_path):
    commit(url, tmp_path / "setup", RUN1, [article("a1", 5)])
    with (
        writing(url, RUN2, 1, str(tmp_path / "two"), concurrent=True) as second,
        writing(url, RUN3, 1, str(tmp_path / "three"), concurrent=True) as third,
    ):
        second.add("articles", [article("a2", 6)])
        third.add("articles", [article("a3", 6)])
        assert lease_holder(url) is None  # both staged against run-1's point
        with third.section() as fresh:
            assert fresh and "run run-3" in lease_holder(url)
            third.publish()
        assert lease_holder(url) is None
        assert second.moved()  # asked of the store, not of its own mirror
        with second.section() as fresh:
            assert not fresh  # the caller must place again; here it stages its row anew
            second.restart()
            second.add("articles", [article("a2", 6)])
            second.publish()
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1", "a2", "a3"]


def test_a_held_lease_is_renewed(url):
    # Renewed every ttl/3; a ttl of seconds keeps the renewed lease live on a loaded machine.
    with Lease(Mirror(url), "long-run", timeout_s=1, ttl_s=3) as lease:
        first = lease.etag
        deadline = time.monotonic() + 30
        while lease.etag == first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lease.etag != first
        assert "run long-run" in lease_holder(url)


def test_reading_a_lake_that_was_never_written_is_an_error(url, tmp_path):
    with pytest.raises(LakeError, match="no lake at s3://"):
        local_lake(url, str(tmp_path))


LOG_FILES = {
    "00000000000000000000.json": "e0",
    "00000000000000000001.json": "e1",
    "00000000000000000002.json": "e2",
    "00000000000000000002.checkpoint.parquet": "c2",
    "00000000000000000003.json": "e3",
    "00000000000000000004.json": "e4",
    "00000000000000000004.checkpoint.0000000001.0000000002.parquet": "c4a",
    "00000000000000000004.checkpoint.0000000002.0000000002.parquet": "c4b",
    "00000000000000000005.json": "e5",
    "_last_checkpoint": "l",
    "00000000000000000006.json.run-9": "left by the manifest layout",
}


@pytest.mark.parametrize(
    ("limit", "needed"),
    [
        (1, {"00000000000000000000.json", "00000000000000000001.json"}),
        (
            3,
            {
                "00000000000000000002.checkpoint.parquet",
                "00000000000000000002.json",
                "00000000000000000003.json",
            },
        ),
        (
            None,
            {
                "00000000000000000004.checkpoint.0000000001.0000000002.parquet",
                "00000000000000000004.checkpoint.0000000002.0000000002.parquet",
                "00000000000000000004.json",
                "00000000000000000005.json",
                "_last_checkpoint",
            },
        ),
        (-1, set()),
    ],
)
def test_a_mirror_pulls_the_newest_checkpoint_at_the_version_and_the_entries_after(limit, needed):
    assert objectstore._needed(LOG_FILES, limit) == needed
