"""Maintenance flows: `compact` merges each partition's per-run files into one."""

from __future__ import annotations

from prefect import flow, get_run_logger

from newslake.flows.ingest import new_run
from newslake.flows.settings import Settings
from newslake.warehouse.compact import compact
from newslake.warehouse.lake import Lake


@flow(name="compact")
def compact_lake(
    lake: str | None = None, config_path: str | None = None, min_files: int = 2
) -> dict[str, int]:
    """Merge every partition holding at least `min_files` Parquet files into one file, in one
    atomic commit under the writer lock; returns the files merged per table."""
    settings = Settings.load(config_path, lake=lake)
    run = new_run()
    with Lake(settings.lake).writing(run, settings.lock_timeout_s) as commit:
        merged = compact(commit, min_files)
        commit.publish()
    get_run_logger().info("compacted %s", merged or "nothing")
    return merged
