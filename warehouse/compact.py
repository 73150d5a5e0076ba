"""Compaction and vacuum through deltalake: each table's small files (one per run) binned into
files of about a target size, then the files and log entries no retained version needs
deleted."""

from __future__ import annotations

from pathlib import Path

from deltalake import WriterProperties
from deltalake.transaction import CommitProperties

from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.delta import is_table, open_table
from newslake.warehouse.lake import Commit, Lake, reindex_claims
from newslake.warehouse.runs import RUNS
from newslake.warehouse.schemas import CLAIMS, TABLES

TARGET_BYTES = 128 << 20  # large enough for few files per partition, small enough to prune
RETENTION_HOURS = 168  # how long a replaced file stays for time travel and slow readers


def compact(
    commit: Commit, target_bytes: int = TARGET_BYTES, retention_hours: int = RETENTION_HOURS
) -> dict[str, int]:
    """Compact every table (Delta `optimize.compact`: each partition's files under
    `target_bytes` binned into files of about that size, one commit per table) and record the
    new versions as a `_runs` row; then compact `_runs`, and vacuum it and each table. Returns
    the files merged per table. Rows are kept as they are; readers keep their snapshot until
    the `_runs` row."""
    lake = commit.lake
    versions = dict(lake.versions())
    merged: dict[str, int] = {}
    properties = CommitProperties(custom_metadata={"run_id": commit.run.run_id})
    writer = WriterProperties(compression="ZSTD")
    paths = {name: lake.table_dir(TABLES[name]) for name in versions if name in TABLES}
    for name, path in paths.items():
        table = lake.delta_table(path)
        metrics = table.optimize.compact(
            target_size=target_bytes, writer_properties=writer, commit_properties=properties
        )
        if metrics["numFilesRemoved"]:
            merged[name] = metrics["numFilesRemoved"]
            table.update_incremental()
            versions[name] = table.version()
            lake.refreshed(path)
    index = lake.table_dir(CLAIM_KEYS)
    if CLAIMS.name in merged:  # the claims files were renamed: the key index is built anew
        claims = open_table(paths[CLAIMS.name], versions[CLAIMS.name])
        files = [Path(uri) for uri in claims.file_uris()]
        staging = commit.staging / CLAIM_KEYS.path
        versions[CLAIM_KEYS.name] = reindex_claims(lake, files, staging, commit.run.run_id)
        merged[CLAIM_KEYS.name] = len(open_table(index, versions[CLAIM_KEYS.name] - 1).file_uris())
    if merged:
        commit.record(versions)  # the commit point; only then may the old files go
    runs = lake.root / RUNS
    if is_table(runs):  # one file per run until now
        lake.delta_table(runs).optimize.compact(writer_properties=writer)
        lake.refreshed(runs)
    for path in [*paths.values(), index, runs]:
        if is_table(path):
            vacuum(lake, path, retention_hours)
    return merged


def vacuum(lake: Lake, path: Path, retention_hours: int) -> None:
    """Delete the files no version of the last `retention_hours` needs (and files no version
    ever named, such as a killed run's), drop expired log entries, and write a checkpoint."""
    table = lake.delta_table(path)
    table.vacuum(retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False)
    table.cleanup_metadata()
    table.update_incremental()
    table.create_checkpoint()
    lake.refreshed(path)
