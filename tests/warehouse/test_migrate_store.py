"""`newslake migrate` on an S3 lake written under a manifest (the layout before Delta in the
bucket), on moto's S3: the old lake is a local lake laid out in the bucket as that version's
writer did (data files under their paths, each Delta log file under `<path>.<run_id>`)."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from deltalake import DeltaTable
from lake_rows import RUN1, RUN2, article, commit, read
from moto_s3 import BUCKET, moto_s3

from newslake.transforms.errors import LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse import migrate
from newslake.warehouse.delta import LOG, is_log_name
from newslake.warehouse.lake import Lake
from newslake.warehouse.migrate import MIGRATED, migrate_store
from newslake.warehouse.objectstore import MANIFEST, Mirror, local_lake, storage_options, writing
from newslake.warehouse.runs import RUNS
from newslake.warehouse.schemas import TABLES

RUN3 = RunInfo("run-3", datetime(2026, 3, 7, 12, tzinfo=UTC))
MIGRATION = RunInfo("migration", datetime(2026, 3, 8, 12, tzinfo=UTC))


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


def lay_out_as_manifest(local: Path, url: str) -> dict:
    """Upload a local lake as the manifest layout's writer did, with a killed writer's log
    entry beside; returns the manifest written."""
    mirror = Mirror(url)
    files = {}
    tops = [*(spec.path for spec in TABLES.values()), RUNS]
    for path in sorted(p for top in tops for p in (local / top).rglob("*") if p.is_file()):
        rel = path.relative_to(local).as_posix()
        key = f"{rel}.run-2" if f"/{LOG}/" in rel else rel
        mirror.fs.put_file(str(path), mirror.key(key))
        info = mirror.fs.info(mirror.key(key))
        files[rel] = {"key": key, "size": path.stat().st_size, "etag": info["ETag"]}
    manifest = {"generation": 2, "run_id": "run-2", "written_at": "then", "files": files}
    mirror.fs.pipe_file(mirror.key(MANIFEST), json.dumps(manifest).encode())
    orphan = "silver/articles/_delta_log/00000000000000000009.json.dead-run"
    mirror.fs.pipe_file(mirror.key(orphan), b"{}")
    return manifest


@pytest.fixture
def old_lake(s3, tmp_path) -> tuple[str, Path]:
    """An S3 lake in the manifest layout and the local lake it was laid out from."""
    local = tmp_path / "local"
    commit(Lake(local), RUN1, [article("a1", 5), article("a2", 5), article("a3", None)])
    rel = "published_date=2026-03-05/part-run-1.parquet"
    commit(Lake(local), RUN2, [article("a4", 6, RUN2)], remove={rel: {"a1"}})
    url = f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}/lake"
    lay_out_as_manifest(local, url)
    return url, local


def stored(url: str) -> set[str]:
    mirror = Mirror(url)
    return {path.removeprefix(f"{mirror.base}/") for path in mirror.fs.find(mirror.base)}


def assert_delta_layout(url: str, local: Path, cache: Path) -> None:
    """The bucket holds the local lake's tables in Delta layout, read by deltalake and by a
    reader's mirror, with nothing of the manifest layout left."""
    objects = stored(url)
    assert MANIFEST not in objects and MIGRATED not in objects
    logs = [name for name in objects if f"/{LOG}/" in name]
    assert logs and all(is_log_name(name.rsplit("/", 1)[-1]) for name in logs)
    for spec in TABLES.values():
        wanted = local / spec.path / LOG
        have = {n.rsplit("/", 1)[-1] for n in logs if n.startswith(f"{spec.path}/{LOG}/")}
        assert have == {p.name for p in wanted.iterdir()} if wanted.is_dir() else not have
    table = DeltaTable(f"{url}/silver/articles", storage_options=storage_options())
    ids = sorted(table.to_pyarrow_table().column("article_id").to_pylist())
    assert ids == ["a2", "a3", "a4"]
    assert read(Lake(local_lake(url, str(cache))), "articles") == read(Lake(local), "articles")


def test_a_manifest_lake_is_refused_until_migrated(old_lake, tmp_path):
    url, local = old_lake
    with pytest.raises(LakeError, match="newslake migrate"):
        local_lake(url, str(tmp_path / "reader"))
    done = migrate_store(url, MIGRATION, timeout_s=5)
    logs = sum(1 for p in local.rglob("*") if p.is_file() and p.parent.name == LOG)
    # Every log file was copied to its path; its run-suffixed key and the dead run's went.
    assert done == (
        f"laid out {url} as Delta tables: {logs} objects copied to their paths, "
        f"{logs + 1} left-over log objects deleted"
    )
    assert_delta_layout(url, local, tmp_path / "reader")
    again = migrate_store(url, MIGRATION, timeout_s=5)
    assert again.endswith("already holds Delta tables: nothing to migrate")

    # A writer of this version carries on from the migrated lake.
    with writing(url, RUN3, timeout_s=5, cache_dir=str(tmp_path / "writer")) as staged:
        staged.add("articles", [article("a5", 7, RUN3)])
        staged.publish()
    ids = [row[0] for row in read(Lake(local_lake(url, str(tmp_path / "reader"))), "articles")]
    assert ids == ["a2", "a3", "a4", "a5"]


def test_a_migration_killed_before_its_switch_is_run_again(old_lake, tmp_path, monkeypatch):
    url, local = old_lake
    copy = migrate.copy_to_paths

    def killed_after_copying(mirror, manifest):
        copy(mirror, manifest)
        raise OSError("migration killed")

    monkeypatch.setattr(migrate, "copy_to_paths", killed_after_copying)
    with pytest.raises(OSError, match="migration killed"):
        migrate_store(url, MIGRATION, timeout_s=5)
    assert MANIFEST in stored(url)  # older readers still read the manifest's keys
    monkeypatch.undo()
    migrate_store(url, MIGRATION, timeout_s=5)
    assert_delta_layout(url, local, tmp_path / "reader")


def test_a_migration_killed_after_its_switch_finishes_when_run_again(
    old_lake, tmp_path, monkeypatch
):
    url, local = old_lake

    def killed_before_sweeping(mirror):
        raise OSError("migration killed")

    monkeypatch.setattr(migrate, "sweep_logs", killed_before_sweeping)
    with pytest.raises(OSError, match="migration killed"):
        migrate_store(url, MIGRATION, timeout_s=5)
    assert MANIFEST not in stored(url) and MIGRATED in stored(url)
    # Readers of this version already read the Delta layout.
    ids = [row[0] for row in read(Lake(local_lake(url, str(tmp_path / "early"))), "articles")]
    assert ids == ["a2", "a3", "a4"]
    monkeypatch.undo()
    done = migrate_store(url, MIGRATION, timeout_s=5)
    assert "laid out" in done
    assert_delta_layout(url, local, tmp_path / "reader")


def test_migrating_a_store_with_no_lake_says_so(s3, tmp_path):
    url = f"s3://{BUCKET}/{uuid.uuid4().hex[:8]}/lake"
    assert migrate_store(url, MIGRATION, timeout_s=5).endswith("nothing to migrate")
