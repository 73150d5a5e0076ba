"""The `ingest` flow: sources -> bronze pages -> silver articles -> gold, in one run.

Its stages, in order: check the sources; discover each kind's inputs; read, extract and
stage them batch by batch (flows/pipeline.py); commit; refresh gold. Prefect tasks sit at
those edges only, so what a batch holds never passes through Prefect.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE

from newslake.flows.artifacts import publish_artifacts
from newslake.flows.commits import commit_run, refresh_gold_task
from newslake.flows.pipeline import Pipeline, new_run, rare_full_collections, read_all, replay
from newslake.flows.progress import progress_bar
from newslake.flows.recorder import RunRecorder
from newslake.flows.settings import Settings
from newslake.flows.sources import RunContext, Source, by_kind, check_sources
from newslake.flows.summary import RunSummary
from newslake.flows.workers import extraction_pool
from newslake.transforms.topics import compile_topics
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.objectstore import local_root, writing
from newslake.warehouse.replay import ReplayLog

# Times a run that finds a newer commit point places again before taking the writer lock; if
# the point moves on even then, it places once more inside the section.
UNLOCKED_REPLACEMENTS = 2


@task(name="discover", task_run_name="discover-{kind}", cache_policy=NONE)
def discover(kind: str, source: Source) -> int | None:
    """What the sources of one kind hold: how many inputs (None for a stream)."""
    return source.discover()


@task(name="read-extract-stage", cache_policy=NONE)
def read_extract_stage(sources: Sequence[Source], pipeline: Pipeline, size: int) -> None:
    """Every source read in batches of `size`, each batch extracted on the pool and staged
    (identity, stories, claims) while the next ones extract."""
    read_all(sources, pipeline, size)


@task(name="place-again", cache_policy=NONE)
def replay_task(journal: ReplayLog, pipeline: Pipeline) -> None:
    """The run's batches placed again against the lake's newer commit point (another run
    committed while this one staged), from the results they extracted to."""
    replay(journal, pipeline)


def place_again(recorder: RunRecorder, journal: ReplayLog, pool: Executor | None) -> RunRecorder:
    """A recorder holding the run placed again against the lake's current commit point."""
    recorder = recorder.rebased()
    recorder.summary.replaced = True
    replay_task(journal, Pipeline(recorder, pool, lambda _n: None))
    return recorder


@flow(name="ingest")
def ingest(
    sources: list[str | dict[str, Any]] | None = None,
    lake: str | None = None,
    config_path: str | None = None,
    workers: int | None = None,
    allow_hosts: list[str] | None = None,
    show_progress: bool = False,
    runner: str | None = None,
    dask_address: str | None = None,
) -> RunSummary:
    """Read or fetch every configured source once and commit what it holds to the lake."""
    overrides: dict[str, Any] = {
        "extract.workers": workers,
        "fetch.allowed_hosts": allow_hosts,
        "extract.runner": runner,
        "extract.dask_address": dask_address,
    }
    settings = Settings.load(config_path, lake=lake, sources=sources, **overrides)
    return ingest_with(settings, show_progress)


def run_ingest(**params: object) -> RunSummary:
    """Run the `ingest` flow; a NewslakeError inside it is raised here as itself."""
    state = ingest(**params, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    return result


def ingest_with(settings: Settings, show_progress: bool = False) -> RunSummary:
    """The body of `ingest`, for callers that already hold loaded settings."""
    started = time.perf_counter()
    run = new_run()
    summary = RunSummary(run.run_id, str(local_root(settings.lake, settings.cache_dir)))
    check_sources(settings.sources)
    outlets = {s.label: s.outlet for s in settings.sources}
    topics = compile_topics(settings.topics)
    extract = settings.extract
    with (
        rare_full_collections(),
        writing(
            settings.lake, run, settings.lock_timeout_s, settings.cache_dir, concurrent=True
        ) as commit,
        extraction_pool(settings.workers, extract.runner, extract.dask_address) as pool,
    ):
        recorder = RunRecorder(commit, run, summary, outlets, topics, settings.claims)
        try:
            context = RunContext(settings, run, recorder.index, summary)
            chosen = by_kind(settings.sources)
            opened = [(kind.name, kind.open(sources, context)) for kind, sources in chosen]
            total = sum(discover(name, source) or 0 for name, source in opened) or None
            journal = None if commit.locked else ReplayLog(commit)
            with progress_bar(show_progress, total, "ingesting") as advance:
                pipeline = Pipeline(recorder, pool, advance, journal)
                read_extract_stage([source for _, source in opened], pipeline, extract.batch_size)
            failpoint("before-section")
            for _ in range(UNLOCKED_REPLACEMENTS):  # without the lock while others commit
                if journal is None or not commit.moved():
                    break
                recorder = place_again(recorder, journal, pool)
            with commit.section() as fresh:
                if not fresh and journal is not None:
                    recorder = place_again(recorder, journal, pool)
                summary.inputs = sum(summary.outcomes.values())
                summary.rows_written = commit_run(recorder, pool)
                summary.written = recorder.written
                failpoint("between-commits")
                refresh_gold_task(recorder, pool)
        finally:
            recorder.close()
    summary.section_seconds = commit.section_s
    summary.seconds = time.perf_counter() - started
    publish_artifacts(summary)
    get_run_logger().info("run %s: %s", run.run_id, summary.as_dict())
    return summary
