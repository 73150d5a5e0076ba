"""The `ingest` flow: sources -> bronze pages -> silver articles -> DuckDB views."""

from __future__ import annotations

import logging
import multiprocessing
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from itertools import islice

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from newslake.flows.progress import progress_bar
from newslake.flows.recorder import Result, RunRecorder
from newslake.flows.settings import Settings
from newslake.flows.sources.files import FileInput, discover_files, read_file, source_label
from newslake.flows.summary import RunSummary
from newslake.transforms.errors import ExtractError, FetchError
from newslake.transforms.extract import extract_page
from newslake.transforms.records import FetchLogRow, Page, RunInfo
from newslake.warehouse.lake import Lake

IN_FLIGHT = 2  # batches extracting while the previous one is staged


def new_run() -> RunInfo:
    """A run id that sorts by start time, and that start time (UTC, whole microseconds)."""
    started = datetime.now(UTC)
    return RunInfo(f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", started)


@task(name="discover-files", cache_policy=NONE)
def discover_inputs(settings: Settings) -> list[FileInput]:
    """Every file the configured sources name."""
    return discover_files(settings.sources)


@task(name="read-files", cache_policy=NONE, retries=2, retry_delay_seconds=1)
def read_files(
    items: Sequence[FileInput], run: RunInfo, max_bytes: int
) -> tuple[list[Page], list[FetchLogRow]]:
    """A batch of files read into pages, and log rows for those that could not be."""
    pages, failures = [], []
    for item in items:
        result = read_file(item, run, max_bytes)
        (pages if isinstance(result, Page) else failures).append(result)
    return pages, failures


@task(name="extract-articles", cache_policy=NONE)
def extract_articles(pages: Sequence[Page], pool: Executor | None) -> list[Result]:
    """Extraction results for a batch of pages, computed on the process pool."""
    if pool is None:
        return [extract_or_error(p) for p in pages]
    return list(pool.map(extract_or_error, pages, chunksize=4))


@task(name="stage-batch", cache_policy=NONE)
def stage_batch(recorder: RunRecorder, pages: Sequence[Page], results: Sequence[Result]) -> None:
    """Decide identity for a batch and stage its pages, articles and log rows."""
    recorder.record(pages, results)


@task(name="commit-run", cache_policy=NONE)
def commit_run(recorder: RunRecorder) -> dict[str, int]:
    """Publish everything staged in one atomic commit and rebuild the DuckDB views."""
    return recorder.commit.publish()


@flow(name="ingest", task_runner=ThreadPoolTaskRunner(max_workers=IN_FLIGHT))
def ingest(
    sources: list[str | dict[str, str]] | None = None,
    lake: str | None = None,
    config_path: str | None = None,
    workers: int | None = None,
    show_progress: bool = False,
) -> RunSummary:
    """Read every configured source once and commit what it holds to the lake."""
    settings = Settings.load(
        config_path, lake=lake, sources=sources, **{"extract.workers": workers}
    )
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
    summary = RunSummary(run.run_id, str(Lake(settings.lake).root))
    items = discover_inputs(settings)
    summary.inputs = len(items)
    outlets = {source_label(s): s.outlet for s in settings.sources}
    with (
        Lake(settings.lake).writing(run, settings.lock_timeout_s) as commit,
        extraction_pool(settings.workers) as pool,
        progress_bar(show_progress, len(items), "ingesting") as advance,
        closing(RunRecorder(commit, run, summary, outlets)) as recorder,
    ):
        in_flight: deque = deque()
        for batch in batched(items, settings.extract.batch_size):
            pages, failures = read_files(batch, run, settings.extract.max_file_bytes)
            recorder.log(failures)
            fresh = recorder.skip_known(pages)
            in_flight.append((fresh, extract_articles.submit(fresh, pool), len(batch)))
            while len(in_flight) > IN_FLIGHT:
                _stage_next(recorder, in_flight, advance)
        while in_flight:
            _stage_next(recorder, in_flight, advance)
        summary.rows_written = commit_run(recorder)
    summary.seconds = time.perf_counter() - started
    get_run_logger().info("run %s: %s", run.run_id, summary.as_dict())
    return summary


def _stage_next(recorder: RunRecorder, in_flight: deque, advance) -> None:
    pages, future, size = in_flight.popleft()
    stage_batch(recorder, pages, future.result())
    advance(size)


def batched(items: Sequence[FileInput], size: int) -> Iterator[list[FileInput]]:
    """Consecutive slices of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def extract_or_error(page: Page) -> Result:
    """The page's extraction, or the typed error saying why there is none."""
    try:
        return extract_page(page)
    except (ExtractError, FetchError) as exc:
        return exc


def quiet_extractors() -> None:
    """Silence trafilatura's own warnings: its failures reach us as ExtractError rows."""
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


@contextmanager
def extraction_pool(workers: int) -> Iterator[Executor | None]:
    """A process pool of `workers` (None for one: extract in this process)."""
    if workers <= 1:
        quiet_extractors()
        yield None
        return
    # forkserver: children fork from a clean process that already imported trafilatura,
    # not from this one, which holds Prefect's threads and sockets.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["newslake.transforms.extract"])
    with ProcessPoolExecutor(workers, mp_context=context, initializer=quiet_extractors) as pool:
        yield pool
