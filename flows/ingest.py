"""The `ingest` flow: sources -> bronze pages -> silver articles -> DuckDB views."""

from __future__ import annotations

import gc
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from newslake.flows.artifacts import publish_artifacts
from newslake.flows.progress import progress_bar
from newslake.flows.recorder import FoundClaims, Placed, Result, RunRecorder
from newslake.flows.settings import Settings, SourceSettings
from newslake.flows.sources import check_sources
from newslake.flows.sources.files import FileInput, discover_files, read_file
from newslake.flows.sources.http import FetchMemory, Validators
from newslake.flows.sources.warc import WarcItem, read_warc
from newslake.flows.sources.web import Discovery, WebInput, discover_web, fetch_pages
from newslake.flows.summary import ArchiveCounts, RunSummary
from newslake.flows.workers import extract_or_error, extraction_pool
from newslake.transforms.claims.finding import FoundClaim, article_claims
from newslake.transforms.discovery import Entry
from newslake.transforms.records import FetchLogRow, Page, RunInfo
from newslake.transforms.topics import compile_topics
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.gold import GoldRefresh, refresh_gold
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.objectstore import local_root, writing

IN_FLIGHT = 2  # batches extracting (or their claims being found) while one is staged
# A batch also ends once its pages hold this many bytes, so a folder of very large pages
# keeps memory as flat as one of ordinary pages (a batch of 128 ordinary pages: ~25 MB).
BATCH_BYTES = 32 << 20
# Full garbage collections took 4.7 of the main process's 34 CPU-s on 3,640 pages (18 of
# them); ten times rarer, 0.6 s, for a main-process peak RSS of 687 MB instead of 660.
FULL_COLLECTIONS_RARER = 10
# Batches go to tasks inside quote(): Prefect would otherwise walk every page, result and
# signature value of every batch looking for futures (measured: half the main thread's time).


T = TypeVar("T")


def new_run() -> RunInfo:
    """A run id that sorts by start time, and that start time (UTC, whole microseconds)."""
    started = datetime.now(UTC)
    return RunInfo(f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", started)


@task(name="discover-files", cache_policy=NONE)
def discover_inputs(sources: Sequence[SourceSettings]) -> list[FileInput]:
    """Every file the file sources name."""
    return discover_files(sources)


@task(name="read-files", cache_policy=NONE, retries=2, retry_delay_seconds=1)
def read_files(
    items: Sequence[FileInput], run: RunInfo, max_bytes: int
) -> tuple[list[Page], list[FetchLogRow]]:
    """A batch of files read into pages, and log rows for those that could not be."""
    results = [read_file(item, run, max_bytes) for item in items]
    return _pages(results), _logs(results)


@task(name="discover-web", cache_policy=NONE)
def discover_urls(
    sources: Sequence[SourceSettings],
    settings: Settings,
    memory: FetchMemory,
    run: RunInfo,
    index: LakeIndex,
) -> Discovery:
    """New article URLs listed by feed and sitemap sources; page sources fetched as they are."""

    def validators(urls: list[str]) -> dict[str, Validators]:
        return {url: Validators(*pair) for url, pair in index.validators(urls).items()}

    return discover_web(sources, settings.fetch, memory, run, index.known_urls, validators)


@task(name="fetch-pages", cache_policy=NONE)
def fetch_batch(
    items: Sequence[WebInput], settings: Settings, memory: FetchMemory, run: RunInfo
) -> tuple[list[Page], list[FetchLogRow]]:
    """A batch of article URLs fetched concurrently, politely and safely."""
    return fetch_pages(items, settings.fetch, memory, run, {})


@task(name="read-warc", cache_policy=NONE)
def read_warc_batch(records: Iterator[WarcItem], size: int) -> tuple[list[Page], list[FetchLogRow]]:
    """The next `size` pages (and log rows) streamed from an archive, fewer if they reach
    BATCH_BYTES."""
    items = take(records, size, lambda item: len(item.page.body) if item.page else 0)
    return [i.page for i in items if i.page], [i.log for i in items if i.log]


@task(name="extract-articles", cache_policy=NONE)
def extract_articles(pages: Sequence[Page], pool: Executor | None) -> list[Result]:
    """Extraction results for a batch of pages, computed on the process pool."""
    if pool is None:
        return [extract_or_error(p) for p in pages]
    return list(pool.map(extract_or_error, pages, chunksize=4))


@task(name="stage-batch", cache_policy=NONE)
def stage_batch(
    recorder: RunRecorder,
    pages: Sequence[Page],
    results: Sequence[Result],
    entries: dict[str, Entry],
    found: Sequence[FoundClaims],
) -> list[Placed]:
    """Stage the claims found for earlier batches, then decide identity for this batch and
    stage its pages, articles and log rows; returns the articles staged, whose claims are
    to be found."""
    stage_found(recorder, found)
    return recorder.record(pages, results, entries)


@task(name="stage-claims", cache_policy=NONE)
def stage_claims(recorder: RunRecorder, found: Sequence[FoundClaims]) -> None:
    """Stage the claims found for the last batches."""
    stage_found(recorder, found)


def stage_found(recorder: RunRecorder, found: Sequence[FoundClaims]) -> None:
    """Match claims found for batches (in the order they were staged) to the lake's and the
    run's, and stage them."""
    for placed, claims in found:
        recorder.record_claims(placed, claims)


@task(name="commit-run", cache_policy=NONE)
def commit_run(recorder: RunRecorder) -> dict[str, int]:
    """Publish everything staged in one atomic commit and rebuild the DuckDB views, then
    release the run's lake state: its memory is gone before the gold refresh needs some."""
    counts = recorder.commit.publish()
    recorder.close()
    return counts


@task(name="refresh-gold", cache_policy=NONE, retries=1)
def refresh_gold_task(recorder: RunRecorder) -> GoldRefresh:
    """Settle story representatives and recompute the coverage table for the dates this run
    touched (a second atomic commit)."""
    return refresh_gold(
        recorder.commit.lake,
        recorder.run,
        recorder.touched_dates,
        recorder.min_stories,
        claims_changed=recorder.claims_changed,
    )


# prefect's TaskRunner is invariant in its future type, so the runner its docs show here fails
# mypy (PrefectHQ/prefect#16938): the ignore covers that stub error only.
@flow(
    name="ingest",
    task_runner=ThreadPoolTaskRunner(max_workers=IN_FLIGHT),  # type: ignore[arg-type]
)
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
    kinds = {
        kind: [s for s in settings.sources if s.source_kind == kind]
        for kind in ("files", "web", "warc")
    }
    files, webs, warcs = kinds["files"], kinds["web"], kinds["warc"]
    file_items = discover_inputs(files) if files else []
    outlets = {s.label: s.outlet for s in settings.sources}
    topics = compile_topics(settings.topics)
    size = settings.extract.batch_size
    with (
        rare_full_collections(),
        writing(settings.lake, run, settings.lock_timeout_s, settings.cache_dir) as commit,
        extraction_pool(
            settings.workers, settings.extract.runner, settings.extract.dask_address
        ) as pool,
        progress_bar(show_progress, len(file_items) or None, "ingesting") as advance,
        closing(RunRecorder(commit, run, summary, outlets, topics, settings.claims)) as recorder,
    ):
        pipeline = Pipeline(recorder, pool, advance)
        for items in batched(file_items, size, _file_bytes):
            pipeline.push(*read_files(quote(items), run, settings.extract.max_file_bytes))
        if webs:
            memory = FetchMemory()
            found = discover_urls(webs, settings, memory, run, recorder.index)
            pipeline.push(found.pages, found.log)
            for urls in batched(found.inputs, size):
                # Only this batch's entries: Prefect walks every task parameter it is given.
                entries = {item.url: item.entry for item in urls if item.entry}
                fetched = fetch_batch(quote(urls), settings, memory, run)
                failpoint("after-fetch")
                pipeline.push(*fetched, entries)
        if warcs:
            summary.archives = ArchiveCounts()
        for source in warcs:
            records = read_warc(source, run, settings.fetch.max_body_bytes, summary.archives)
            while batch := read_warc_batch(records, size):
                if not any(batch):
                    break
                pipeline.push(*batch)
        pipeline.drain()
        summary.inputs = sum(summary.outcomes.values())
        summary.rows_written = commit_run(recorder)
        failpoint("between-commits")
        refresh_gold_task(recorder)
    summary.seconds = time.perf_counter() - started
    publish_artifacts(summary)
    get_run_logger().info("run %s: %s", run.run_id, summary.as_dict())
    return summary


@contextmanager
def rare_full_collections(factor: int = FULL_COLLECTIONS_RARER) -> Iterator[None]:
    """Python's full garbage collections, `factor` times rarer while the block runs.

    Each one walks every object the run holds, and the lake state grows to millions of them;
    the cyclic garbage a run makes is small (measured: see FULL_COLLECTIONS_RARER).
    """
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, old * factor)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


class Pipeline:
    """Keeps extraction of the next batches running while the current one is staged."""

    def __init__(
        self, recorder: RunRecorder, pool: Executor | None, advance: Callable[[int], None]
    ) -> None:
        self.recorder, self.pool, self.advance = recorder, pool, advance
        self.claims = recorder.claims is not None  # find claims only if they are recorded
        self.in_flight: deque = deque()
        self.finding: deque = deque()  # (articles staged, their claims as found), in order

    def push(
        self,
        pages: list[Page],
        failures: list[FetchLogRow],
        entries: dict[str, Entry] | None = None,
        recheck: bool = False,
    ) -> None:
        """Log the failures, and start extracting the pages that are not known already (with
        `recheck`, every page: they are stored already, and extracted again)."""
        self.recorder.log(failures, entries)
        if recheck:
            self.recorder.stored_pages.update(page.page_id for page in pages)
            fresh = pages
        else:
            fresh = self.recorder.skip_known(pages)
        # Without a pool, extract here: threads would only share one core and the GIL.
        future = (
            extract_articles.submit(quote(fresh), self.pool)
            if self.pool
            else _Ready(extract_articles(quote(fresh), None))
        )
        self.in_flight.append((fresh, future, len(pages) + len(failures), entries or {}))
        while len(self.in_flight) > IN_FLIGHT:
            self._stage_next()

    def drain(self) -> None:
        """Stage everything still in flight."""
        while self.in_flight:
            self._stage_next()
        if self.finding:
            stage_claims(self.recorder, quote(self._found(keep=0)))

    def _stage_next(self) -> None:
        pages, future, size, entries = self.in_flight.popleft()
        results = future.result()
        failpoint("after-extract")
        found = quote(self._found(keep=IN_FLIGHT))
        # Prefect unwraps quote() before the task runs, but Task.__call__ is typed with the
        # task's own parameters, which the wrapper does not match.
        placed = stage_batch(  # type: ignore[call-overload]
            self.recorder, quote(pages), quote(results), quote(entries), found
        )
        if self.claims and placed:
            self.finding.append((placed, self._find_claims(placed)))
        self.advance(size)
        _forget_task_results()

    def _find_claims(self, placed: list[Placed]) -> Iterable[tuple[FoundClaim, ...]]:
        """Start finding the claims of a batch's staged articles on the pool (found after
        staging, so a copy of a text already stored costs no claim search)."""
        columns = (
            [a.text for a, _ in placed],
            [a.language for a, _ in placed],
            [a.published_at for a, _ in placed],
        )
        if self.pool is None:
            return list(map(article_claims, *columns))
        return self.pool.map(article_claims, *columns, chunksize=8)  # collected in _found

    def _found(self, keep: int) -> list[FoundClaims]:
        """The claims of the oldest batches still being found, all but the last `keep`
        (which the pool may still be working on)."""
        found = []
        while len(self.finding) > keep:
            placed, claims = self.finding.popleft()
            found.append((placed, list(claims)))
        return found


def _forget_task_results() -> None:
    """Drop Prefect's map from task results to their states for this flow run.

    Prefect keeps it to link a result passed on to its upstream task; ours reach tasks
    inside quote(), so it links nothing, but it holds an entry for every item of every
    batch's results until the run ends.
    """
    context = FlowRunContext.get()
    if context is not None:
        context.run_results.clear()


class _Ready:
    """An already computed result, with the interface of a Prefect future."""

    def __init__(self, value: list[Result]) -> None:
        self.value = value

    def result(self) -> list[Result]:
        return self.value


def batched(
    items: Iterable[T], size: int, weight: Callable[[T], int] | None = None
) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items (see `take`)."""
    iterator = iter(items)
    while chunk := take(iterator, size, weight):
        yield chunk


def take(items: Iterator[T], size: int, weight: Callable[[T], int] | None = None) -> list[T]:
    """The next `size` items; with `weight` (bytes), fewer once they weigh BATCH_BYTES."""
    if weight is None:
        return list(islice(items, size))
    chunk, total = [], 0
    for item in items:
        chunk.append(item)
        total += weight(item)
        if len(chunk) >= size or total >= BATCH_BYTES:
            break
    return chunk


def _file_bytes(item: FileInput) -> int:
    try:
        return item.path.stat().st_size
    except OSError:
        return 0  # read_files logs why


def _pages(results: Sequence[Page | FetchLogRow]) -> list[Page]:
    return [r for r in results if isinstance(r, Page)]


def _logs(results: Sequence[Page | FetchLogRow]) -> list[FetchLogRow]:
    return [r for r in results if isinstance(r, FetchLogRow)]
