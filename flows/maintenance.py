"""Maintenance flows: `compact` merges each partition's per-run files and vacuums; `reprocess`
rebuilds silver and gold from the stored pages, without the network."""

from __future__ import annotations

from contextlib import closing, nullcontext
from datetime import UTC, date, datetime, time
from typing import Any

from prefect import flow, get_run_logger

from newslake.flows.commits import commit_run, refresh_gold_task
from newslake.flows.pipeline import Pipeline, new_run
from newslake.flows.recorder import RunRecorder
from newslake.flows.settings import Settings
from newslake.flows.sources import Batch
from newslake.flows.summary import RunSummary
from newslake.flows.workers import extraction_pool
from newslake.transforms.claims.finding import article_claims
from newslake.transforms.topics import compile_topics
from newslake.warehouse.compact import TARGET_BYTES, compact
from newslake.warehouse.lake import Lake
from newslake.warehouse.objectstore import local_root, writing
from newslake.warehouse.rebuild import (
    Stage,
    article_dates,
    clear_rebuilt,
    first_seen,
    latest_pages,
    stored_articles,
)


@flow(name="compact")
def compact_lake(
    lake: str | None = None, config_path: str | None = None, target_mb: int = TARGET_BYTES >> 20
) -> dict[str, int]:
    """Compact every table into files of about `target_mb` MB through deltalake (one commit
    per table, visible at once through a `_runs` row) under the writer lock, then vacuum what
    the configured retention no longer needs; returns the files merged per table."""
    settings = Settings.load(config_path, lake=lake)
    run = new_run()
    with writing(settings.lake, run, settings.lock_timeout_s, settings.cache_dir) as commit:
        commit.kind = "compact"
        merged = compact(commit, target_mb << 20, settings.retention_hours)
    get_run_logger().info("compacted %s", merged or "nothing")
    return merged


@flow(name="reprocess")
def reprocess_lake(
    lake: str | None = None,
    config_path: str | None = None,
    workers: int | None = None,
    stage: Stage = Stage.extract,
    since: date | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
) -> RunSummary:
    """Rebuild silver and gold from what the lake stores, without the network, from `stage`
    on, in atomic commits under the writer lock.

    From `extract` (or `stories`), every URL's latest stored page is extracted again and
    articles, stories, claims and gold are rebuilt as a fresh ingest of those pages would,
    with new story and claim ids and first_seen_at kept. With `since`, only pages fetched on
    or after that day are extracted again, as a run that fetched them anew: a changed text
    becomes an update. From `claims`, the stored articles' claims (with `since`, of those
    stored on or after that day) are found and grouped again; from `gold`, the gold tables
    are recomputed. Use the config the pages were ingested with: its topics, claim settings
    and per-source outlets apply. `runner` and `dask_address` choose where pages are
    extracted, as in `ingest`.
    """
    overrides: dict[str, Any] = {
        "extract.workers": workers,
        "extract.runner": runner,
        "extract.dask_address": dask_address,
    }
    settings = Settings.load(config_path, lake=lake, **overrides)
    stage = Stage(stage)
    after = datetime.combine(since, time(), UTC) if since else None
    run = new_run()
    store = Lake(local_root(settings.lake, settings.cache_dir))
    summary = RunSummary(run.run_id, str(store.root))
    outlets = {s.label: s.outlet for s in settings.sources}
    extracting = stage in (Stage.extract, Stage.stories)
    rebuild = extracting and since is None
    extract = settings.extract
    with (
        writing(settings.lake, run, settings.lock_timeout_s, settings.cache_dir) as commit,
        (
            extraction_pool(settings.workers, extract.runner, extract.dask_address)
            if extracting
            else nullcontext()
        ) as pool,
        closing(
            RunRecorder(
                commit,
                run,
                summary,
                outlets,
                compile_topics(settings.topics),
                settings.claims,
                first_seen=first_seen(store) if rebuild else None,
            )
        ) as recorder,
    ):
        batch = extract.batch_size
        if extracting:
            if rebuild:
                clear_rebuilt(commit)
            pipeline = Pipeline(recorder, pool, lambda _n: None)
            for pages in latest_pages(store, batch, after):
                pipeline.push(Batch(pages, []), recheck=True)  # bronze stays as it is
            pipeline.drain()
        elif stage is Stage.claims and recorder.claims_enabled:
            if since is None:
                recorder.drop_every_claim()
            for articles in stored_articles(store, batch, after):
                placed = [(a, since is not None) for a in articles]
                claims = [article_claims(a.text, a.language, a.published_at) for a in articles]
                summary.outcomes["claims_regrouped"] += len(articles)
                recorder.record_claims(placed, claims)
        if stage in (Stage.claims, Stage.gold):
            recorder.touch(article_dates(store, after), claims=True)  # claim clusters are gold too
        summary.inputs = sum(summary.outcomes.values())
        summary.rows_written = commit_run(recorder, pool)
        refresh_gold_task(recorder, pool)
    get_run_logger().info("reprocessed %s", summary.as_dict())
    return summary
