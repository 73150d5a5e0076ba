"""The object-store lake: manifest commits, mirror pulls and the writer lease, on moto's S3."""

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
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
    is_remote,
    lease_holder,
    local_lake,
    local_root,
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


def test_a_commit_reaches_other_readers_through_the_manifest(url, tmp_path):
    commit(url, tmp_path / "writer", RUN1, [article("a1", 5), article("a2", None)])
    manifest, _ = Mirror(url).manifest()
    assert manifest["generation"] == 1
    data = [rel for rel in manifest["files"] if rel.startswith("silver/articles/published")]
    assert len(data) == 2
    assert "silver/articles/_delta_log/00000000000000000001.json" in manifest["files"]
    assert any(rel.startswith("_runs/") for rel in manifest["files"])
    assert stored(url) == {MANIFEST} | {f["key"] for f in manifest["files"].values()}
    other = tmp_path / "reader"
    assert [row[0] for row in articles(url, other)] == ["a1", "a2"]

    commit(url, tmp_path / "writer", RUN2, [article("a3", 6, RUN2)])
    assert Mirror(url).manifest()[0]["generation"] == 2
    assert [row[0] for row in articles(url, other)] == ["a1", "a2", "a3"]


def test_a_rewritten_file_gets_a_new_path_and_the_old_one_stays_for_older_versions(url, tmp_path):
    cache = tmp_path / "writer"
    commit(url, cache, RUN1, [article("a1", 5), article("a2", 5)])
    reader = tmp_path / "reader"
    assert len(articles(url, reader)) == 2
    rel = "published_date=2026-03-05/part-run-1.parquet"
    commit(url, cache, RUN2, [], remove={rel: {"a1"}})
    files = Mirror(url).manifest()[0]["files"]
    assert files[f"silver/articles/{rel}"]["key"] == f"silver/articles/{rel}"  # never rewritten
    assert "silver/articles/published_date=2026-03-05/part-run-2-r1.parquet" in files
    assert [row[0] for row in articles(url, reader)] == ["a2"]


def test_a_reader_never_sees_files_whose_manifest_was_not_written(url, tmp_path, monkeypatch):
    writer = tmp_path / "writer"
    commit(url, writer, RUN1, [article("a1", 5)])
    before = stored(url)
    put = objectstore._put_if

    def killed_before_manifest(fs, path, data, condition):
        if path.endswith(MANIFEST):
            raise OSError("writer killed")
        return put(fs, path, data, condition)

    monkeypatch.setattr(objectstore, "_put_if", killed_before_manifest)
    with pytest.raises(OSError, match="writer killed"):
        commit(url, writer, RUN2, [article("a2", 6, RUN2)])
    monkeypatch.setattr(objectstore, "_put_if", put)
    orphans = stored(url) - before
    assert orphans  # the data files went up ...
    assert Mirror(url).manifest()[0]["generation"] == 1  # ... but nothing was committed
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1"]
    assert lease_holder(url) is None  # the lease was released all the same

    # The next writer starts from the store's state, not the mirror's, and sweeps the orphans.
    monkeypatch.setattr(objectstore, "ORPHAN_AGE_S", 0)
    commit(url, writer, RUN3, [article("a3", 7, RUN3)])
    assert [row[0] for row in articles(url, writer)] == ["a1", "a3"]
    assert not orphans & stored(url)


def test_a_reader_beside_a_writer_reads_the_mirror_as_it_stands(url, tmp_path):
    cache = tmp_path / "cache"
    commit(url, cache, RUN1, [article("a1", 5)])
    with writing(url, RUN2, timeout_s=5, cache_dir=str(cache)) as staged:
        staged.add("articles", [article("a2", 6, RUN2)])
        staged.publish()
        # Published to the mirror, not yet pushed: the reader must not undo it.
        assert [row[0] for row in articles(url, cache)] == ["a1", "a2"]
    assert [row[0] for row in articles(url, tmp_path / "reader")] == ["a1", "a2"]


def test_a_push_on_a_moved_generation_is_refused(url, tmp_path):
    commit(url, tmp_path / "one", RUN1, [article("a1", 5)])
    stale = Mirror(url, str(tmp_path / "two"))
    base, etag = stale.pull()
    commit(url, tmp_path / "one", RUN2, [article("a2", 6, RUN2)])  # someone else commits
    with Lake(stale.root).writing(RUN3, timeout_s=1) as staged:
        staged.add("articles", [article("a3", 7, RUN3)])
        staged.publish()
    with pytest.raises(LakeError, match="another writer"):
        stale.push(base, etag, RUN3.run_id)
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
