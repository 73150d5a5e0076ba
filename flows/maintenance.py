"""Maintenance flows: `compact` merges each partition's per-run files into one; `reprocess`
rebuilds silver and gold from the stored pages, without the network."""

from __future__ import annotations

from contextlib import closing

from prefect import flow, get_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from newslake.flows.ingest import (
    IN_FLIGHT,
    Pipeline,
    commit_run,
    extraction_pool,
    new_run,
    refresh_gold_task,
)
from newslake.flows.recorder import RunRecorder
from newslake.flows.settings import Settings
from newslake.flows.summary import RunSummary
from newslake.transforms.topics import compile_topics
from newslake.warehouse.compact import compact
from newslake.warehouse.lake import Lake
from newslake.warehouse.rebuild import clear_rebuilt, first_seen, latest_pages


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


@flow(name="reprocess", task_runner=ThreadPoolTaskRunner(max_workers=IN_FLIGHT))
def reprocess_lake(
    lake: str | None = None, config_path: str | None = None, workers: int | None = None
) -> RunSummary:
    """Extract every URL's latest stored page again and rebuild articles, stories, claims and
    the gold tables from them, as a fresh ingest of those pages would, in one atomic commit.

    Story and claim ids are assigned anew; first_seen_at is kept. Use the config the pages
    were ingested with: its topics, claim settings and per-source outlets apply.
    """
    settings = Settings.load(config_path, lake=lake, **{"extract.workers": workers})
    run = new_run()
    store = Lake(settings.lake)
    summary = RunSummary(run.run_id, str(store.root))
    outlets = {s.label: s.outlet for s in settings.sources}
    with (
        store.writing(run, settings.lock_timeout_s) as commit,
        extraction_pool(settings.workers) as pool,
        closing(
            RunRecorder(
                commit,
                run,
                summary,
                outlets,
                compile_topics(settings.topics),
                settings.claims,
                first_seen=first_seen(store),
            )
        ) as recorder,
    ):
        clear_rebuilt(commit)
        pipeline = Pipeline(recorder, pool, lambda _n: None)
        for pages in latest_pages(store, settings.extract.batch_size):
            recorder.stored_pages.update(page.page_id for page in pages)  # bronze stays as is
            pipeline.push(pages, [])
        pipeline.drain()
        summary.inputs = sum(summary.outcomes.values())
        summary.rows_written = commit_run(recorder)
        refresh_gold_task(recorder)
    get_run_logger().info("reprocessed %s", summary.as_dict())
    return summary
