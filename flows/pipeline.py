"""The middle of a run, without Prefect: batches cut by count and bytes, extraction of the
next batches kept in flight on the pool while the current one is staged, and claims found
for staged articles while later batches extract."""

from __future__ import annotations

import gc
import hashlib
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count, islice
from pathlib import Path
from typing import TypeVar

from newslake.flows.recorder import Placed, Result, RunRecorder
from newslake.flows.sources import Batch, Source
from newslake.flows.workers import (
    Unread,
    extract_all,
    extract_sent,
    extract_staging,
    keyed_claims_all,
    on_this_machine,
    rank_sent,
    reads_files,
    send,
    sent_pages,
    shared,
)
from newslake.transforms.claims.finding import FoundClaim, article_claims
from newslake.transforms.claims.placement import ClaimLookup, Ranked
from newslake.transforms.discovery import Entry
from newslake.transforms.records import Article, Page, RunInfo
from newslake.warehouse.failpoints import failpoint
from newslake.warehouse.replay import ReplayLog

IN_FLIGHT = 2  # batches extracting (or their claims being found) while one is staged
# A batch also ends once its pages hold this many bytes, so a folder of very large pages
# keeps memory as flat as one of ordinary pages (a batch of 128 ordinary pages: ~25 MB).
BATCH_BYTES = 32 << 20
# Full garbage collections took 4.7 of the main process's 34 CPU-s on 3,640 pages (18 of
# them); ten times rarer, 0.6 s, for a main-process peak RSS of 687 MB instead of 660.
FULL_COLLECTIONS_RARER = 10
# Pages per extraction task and articles per claim-finding task: each task costs the flow
# process's Dask client a few ms. A batch of 128 pages is still 8 tasks, for several workers.
PAGES_PER_TASK, ARTICLES_PER_TASK = 16, 16
# First copies of claims per ranking task: a batch of 128 articles has about a thousand, so a
# batch's ranking is spread over several workers.
RANK_CHUNK = 128

T = TypeVar("T")
Keyed = tuple[tuple[FoundClaim, ...], list[list[int]]]  # an article's claims, keys of each
FoundClaims = tuple[list[Placed], list[Keyed]]  # a batch's, in placed order
# A task's results (Unread: the flow process extracts the page), bronze files, their pages.
Extraction = tuple[Sequence[Result | Unread], list[str], int]


def new_run() -> RunInfo:
    """A run id that sorts by start time, and that start time (UTC, whole microseconds)."""
    started = datetime.now(UTC)
    return RunInfo(f"{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}", started)


def read_all(sources: Sequence[Source], pipeline: Pipeline, size: int) -> None:
    """Every batch of every source through the pipeline, sources in order, then the rest."""
    for source in sources:
        for batch in source.batches(size):
            pipeline.push(batch)
    pipeline.drain()


def replay(journal: ReplayLog, pipeline: Pipeline) -> None:
    """Every batch a run read, placed again through the pipeline from what its pages
    extracted to then (against the lake's newer commit point), in the order first read;
    claims found then for a text are not searched for again."""
    pipeline.known_claims = journal.claims()
    for batch, extracted in journal:
        pipeline.push(batch, extracted=extracted)
    pipeline.drain()


class Pipeline:
    """Keeps extraction of the next batches running while the current one is staged."""

    def __init__(
        self,
        recorder: RunRecorder,
        pool: Executor | None,
        advance: Callable[[int], None],
        journal: ReplayLog | None = None,
    ) -> None:
        """With a `journal`, each batch is kept there with its results once staged, and the
        claims found for its articles once found."""
        self.recorder, self.pool, self.advance = recorder, pool, advance
        self.journal = journal
        self.known_claims: dict[str, Keyed] = {}  # claims found before, by `text_key`
        self.claims = recorder.claims is not None  # find claims only if they are recorded
        # (batch, pages to extract, their extraction tasks, whether workers wrote their pages)
        self.in_flight: deque = deque()
        self.finding: deque = deque()  # (articles staged, their claims as found), in order
        self.ranking: tuple[ClaimLookup, list] | None = None  # claims looked up, being ranked
        # Workers that see the run's staging directory write the bronze pages they extract;
        # workers that see this machine's files read pages from there.
        self.workers_write = pool is not None and on_this_machine(pool)
        self.workers_read = pool is not None and reads_files(pool)
        self.parts = count()  # numbers the part files they write

    def push(
        self, batch: Batch, recheck: bool = False, extracted: dict[str, Result] | None = None
    ) -> None:
        """Log the batch's failures, and start extracting its pages that are not known
        already (with `recheck`, every page: they are stored already, and extracted again;
        with `extracted`, the results of an earlier extraction are used, by page id)."""
        self.recorder.log(batch.log, batch.entries)
        self.recorder.hold(batch.repeats)
        if recheck:
            self.recorder.stored_pages.update(page.page_id for page in batch.pages)
            fresh = batch.pages
        else:
            fresh = self.recorder.skip_known(batch.pages)
        tasks: Iterable[Extraction]
        if extracted is not None:
            # A page the newer point asks to look at again (its article changed) is new here.
            missing = [page for page in fresh if page.page_id not in extracted]
            again = zip([page.page_id for page in missing], extract_all(missing), strict=True)
            extracted = {**extracted, **dict(again)}
            tasks = [([extracted[page.page_id] for page in fresh], [], 0)]
        else:
            tasks = self._extract(fresh, batch.files)
        written = extracted is None and self.workers_write
        self.in_flight.append((batch, fresh, tasks, written))
        while len(self.in_flight) > IN_FLIGHT:
            self._stage_next()

    def drain(self) -> None:
        """Stage everything still in flight, then the rows of inputs that repeat a capture."""
        while self.in_flight:
            self._stage_next()
        self.stage_found(self._found(keep=0))
        self._place_ranked()
        self.recorder.place_repeats()

    def stage(
        self,
        pages: Sequence[Page],
        results: Sequence[Result],
        entries: dict[str, Entry],
        written: tuple[list[str], int] | None = None,
    ) -> list[Placed]:
        """Stage the claims found for earlier batches, then decide identity for this batch and
        stage its pages (or take in the files `written` by the workers: names, pages),
        articles and log rows; returns the articles staged, whose claims are to be found."""
        self.stage_found(self._found(keep=IN_FLIGHT))
        return self.recorder.record(pages, results, entries, written)

    def stage_found(self, found: Sequence[FoundClaims]) -> None:
        """Match claims found for batches (in the order they were staged) to the lake's and the
        run's, and stage them: each batch is looked up once the one before is placed, then
        ranked on the pool while later batches stage, and placed at the next look-up."""
        for placed, keyed in found:
            if self.journal is not None:
                kept = zip(placed, keyed, strict=True)
                self.journal.add_claims({text_key(a): k for (a, _), k in kept})
            claims = [claims for claims, _ in keyed]
            if self.pool is None:
                self.recorder.record_claims(placed, claims)
                continue
            self._place_ranked()
            lookup = self.recorder.look_up_claims(placed, claims, [keys for _, keys in keyed])
            if lookup is not None:
                self.ranking = (lookup, self._rank(lookup))

    def _rank(self, lookup: ClaimLookup) -> list:
        """Start ranking a batch's first copies on the pool, RANK_CHUNK per task: the batch is
        packed once, and each task cuts its chunk from it."""
        assert self.pool is not None
        job = shared(self.pool, send((tuple(lookup.ranking()), self.recorder.semantic_claims)))
        starts = range(0, len(lookup.firsts.claims), RANK_CHUNK)
        return [self.pool.submit(rank_sent, job, start, RANK_CHUNK) for start in starts]

    def _place_ranked(self) -> None:
        """Place the claims of the batch being ranked, once its rankings are in."""
        if self.ranking is None:
            return
        lookup, tasks = self.ranking
        self.ranking = None
        rankings: list[Ranked] = [ranked for task in tasks for ranked in task.result()]
        self.recorder.place_claims(lookup, rankings)

    def _extract(self, pages: Sequence[Page], files: dict[str, Path]) -> Iterable[Extraction]:
        """Start extracting pages, PAGES_PER_TASK per task on the pool (those read from `files`
        sent without their bytes to workers that read them there): per task, the results and
        (workers that write) the bronze files written and pages in them."""
        if self.pool is None:  # extract here: threads would only share one core and the GIL
            return [(extract_all(pages), [], 0)]
        chunks = list(batched(pages, PAGES_PER_TASK))
        sent = [sent_pages(chunk, files if self.workers_read else {}) for chunk in chunks]
        if not self.workers_write:
            return ((results, [], 0) for results in self.pool.map(extract_sent, sent))
        stored, run_id = self.recorder.stored_pages, self.recorder.run.run_id
        return self.pool.map(
            extract_staging,
            sent,
            [[page.page_id not in stored for page in chunk] for chunk in chunks],
            [self.recorder.commit.staging] * len(chunks),
            [f"{run_id}-p{next(self.parts)}" for _ in chunks],
        )

    def _stage_next(self) -> None:
        batch, pages, tasks, written = self.in_flight.popleft()
        sent: list[Result | Unread] = []
        files: list[str] = []
        rows = 0
        for task_results, task_files, task_rows in tasks:
            sent += task_results
            files += task_files
            rows += task_rows
        results = self._extract_unread(pages, sent, written)
        failpoint("after-extract")
        if self.journal is not None:
            self.journal.add(batch, {p.page_id: r for p, r in zip(pages, results, strict=True)})
        placed = self.stage(pages, results, batch.entries, (files, rows) if written else None)
        if self.claims and placed:
            self.finding.append((placed, self._find_claims(placed)))
        self.advance(len(batch.pages) + len(batch.log) + len(batch.repeats))

    def _extract_unread(
        self, pages: Sequence[Page], results: Sequence[Result | Unread], written: bool
    ) -> list[Result]:
        """The results, with the pages whose files changed before a worker read them again
        extracted here from the bytes read first (and staged, if workers wrote the batch's
        pages)."""
        unread = [page for page, r in zip(pages, results, strict=True) if isinstance(r, Unread)]
        again = iter(extract_all(unread))
        if unread and written:
            self.recorder.writer.stage_pages(unread)
        return [next(again) if isinstance(r, Unread) else r for r in results]

    def _find_claims(self, placed: list[Placed]) -> Iterable[Keyed]:
        """Start finding the claims of a batch's staged articles, with their match keys, on
        the pool (found after staging, so a copy of a text already stored costs no claim
        search); those of a text found before are taken as they were."""
        keys = [text_key(a) for a, _ in placed]
        known = self.known_claims
        missing = [a for (a, _), key in zip(placed, keys, strict=True) if key not in known]
        searched = iter(self._search_claims(missing))
        return (known[k] if k in known else next(searched) for k in keys)

    def _search_claims(self, articles: list[Article]) -> Iterable[Keyed]:
        """Find these articles' claims and their match keys (on the pool if there is one)."""
        if not articles:
            return []
        if self.pool is None:
            return [(article_claims(a.text, a.language, a.published_at), []) for a in articles]
        semantic = self.recorder.semantic_claims
        chunks = list(
            batched(((a.text, a.language, a.published_at) for a in articles), ARTICLES_PER_TASK)
        )
        return _flat(self.pool.map(keyed_claims_all, chunks, [semantic] * len(chunks)))

    def _found(self, keep: int) -> list[FoundClaims]:
        """The claims of the oldest batches still being found, all but the last `keep`
        (which the pool may still be working on)."""
        found = []
        while len(self.finding) > keep:
            placed, claims = self.finding.popleft()
            found.append((placed, list(claims)))
        return found


def text_key(article: Article) -> str:
    """What an article's claims depend on (its text, language and date), as one key."""
    digest = hashlib.sha256(article.text.encode())
    digest.update(f"|{article.language}|{article.published_at}".encode())
    return digest.hexdigest()


def _flat(chunks: Iterable[list[T]]) -> Iterator[T]:
    """The items of the chunks, in order, as each chunk arrives."""
    for chunk in chunks:
        yield from chunk


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
