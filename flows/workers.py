"""Where extraction runs: a process pool or a Dask cluster, and the work each worker does
(extraction, finding claims with their match keys, ranking a batch's claims).

Nothing here imports Prefect: workers unpickle `extract_all` by importing this module,
and a worker that imported Prefect would spend seconds on it before its first page.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import multiprocessing.forkserver
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from newslake.transforms.claims.clusters import PreparedCache
from newslake.transforms.claims.finding import FoundClaim, article_claims
from newslake.transforms.claims.placement import RankBatch, Ranked, claim_keys, rank_firsts
from newslake.transforms.errors import ConfigError, ExtractError, FetchError
from newslake.transforms.extract import extract_page
from newslake.transforms.placement import Result
from newslake.transforms.records import Extracted, Page
from newslake.warehouse.failpoints import muted
from newslake.warehouse.lake import Commit, write_partitions
from newslake.warehouse.run_writer import write_pages

if TYPE_CHECKING:
    from distributed import Client, SpecCluster

T = TypeVar("T")
# Stored claims this worker prepared, kept across ranking tasks: a story's claims are
# candidates batch after batch (the flow process kept as many before ranking moved here).
_PREPARED = PreparedCache(2_000)
# Imported once by the fork server, so every worker forks with it loaded (see worker_preload).
PRELOAD = "newslake.flows.worker_preload"
# Loaded by a run's own scheduler: it closes the cluster when the flow process is gone.
GUARD = "newslake.flows.cluster_guard"


def extract_or_error(page: Page) -> Extracted | ExtractError | FetchError:
    """The page's extraction, or the typed error saying why there is none."""
    try:
        return extract_page(page)
    except (ExtractError, FetchError) as exc:
        return exc


def extract_all(pages: Sequence[Page]) -> list[Result]:
    """`extract_or_error` of each page: one task for a few pages, since each task costs the
    scheduler and the flow process's client."""
    return [extract_or_error(page) for page in pages]


@dataclass(frozen=True, slots=True)
class OnDisk:
    """A page sent to a worker on this machine without its bytes (`page.body` is empty): the
    worker reads them from `path`, the local file the flow process read them from."""

    page: Page
    path: Path


@dataclass(frozen=True, slots=True)
class Unread:
    """What a worker returns for an `OnDisk` page whose file no longer holds the bytes the
    flow process read (changed or gone since): the flow process extracts that page itself."""


Sent = Page | OnDisk


def sent_pages(pages: Sequence[Page], files: dict[str, Path]) -> list[Sent]:
    """Pages as sent to workers that see this machine's files: a page read from a local
    file (`files`, by page id) goes as an `OnDisk`, the rest as themselves."""
    return [
        OnDisk(replace(page, body=b""), files[page.page_id]) if page.page_id in files else page
        for page in pages
    ]


def received(item: Sent) -> Page | None:
    """The page with its bytes: an `OnDisk` page's read from its file again, None unless
    they are the bytes its page id was made from."""
    if isinstance(item, Page):
        return item
    try:
        body = item.path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(body).hexdigest() != item.page.body_sha256:
        return None
    return replace(item.page, body=body)


def extract_sent(items: Sequence[Sent]) -> list[Result | Unread]:
    """`extract_all` of pages as `sent_pages` sent them: Unread where a file changed."""
    return _extracted([received(item) for item in items])


def extract_staging(
    items: Sequence[Sent], write: Sequence[bool], staging: Path, name: str
) -> tuple[list[Result | Unread], list[str], int]:
    """`extract_sent`, and the pages marked in `write` written as bronze part files into the
    run's staging directory (`run_writer.write_pages`): the files and how many pages, with
    the results. Only for workers on the flow process's machine, which see that directory;
    an Unread page is not written (the flow process stages it)."""
    pages = [received(item) for item in items]
    chosen = [p for p, wanted in zip(pages, write, strict=True) if wanted and p is not None]
    with muted():  # a failpoint kills the run's process, not one of its workers
        files, rows = write_pages(staging, name, chosen) if chosen else ([], 0)
    return _extracted(pages), files, rows


def _extracted(pages: Sequence[Page | None]) -> list[Result | Unread]:
    return [Unread() if page is None else extract_or_error(page) for page in pages]


def keyed_claims(
    text: str, language: str | None, published_at: datetime | None, semantic: bool
) -> tuple[tuple[FoundClaim, ...], list[list[int]]]:
    """An article's claims and the match keys of each (the lake index is asked about them)."""
    claims = article_claims(text, language, published_at)
    return claims, claim_keys(claims, semantic) if claims else []


def keyed_claims_all(
    articles: Sequence[tuple[str, str | None, datetime | None]], semantic: bool
) -> list[tuple[tuple[FoundClaim, ...], list[list[int]]]]:
    """`keyed_claims` of each (text, language, published_at): a few articles per task."""
    return [keyed_claims(*article, semantic) for article in articles]


def send(job: tuple) -> bytes:
    """A task's arguments as one pickle: Dask would walk every list and dict of them."""
    return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)


def rank_sent(job: bytes, start: int, size: int) -> list[Ranked]:
    """`rank_firsts` of the `size` first copies from `start` of the batch that `send` packed
    as (RankBatch, semantic), with this worker's prepared claims."""
    batch, semantic = pickle.loads(job)
    chunk = RankBatch(*batch).chunk(start, size)
    return rank_firsts(*chunk[:4], semantic, chunk.start, _PREPARED)


def quiet_extractors() -> None:
    """Silence trafilatura's own warnings: its failures reach us as ExtractError rows."""
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


@contextmanager
def extraction_pool(
    workers: int, runner: str = "local", dask_address: str = ""
) -> Iterator[Executor | None]:
    """A process pool of `workers` (None for one: extract in this process); with `runner`
    "dask", the processes of a Dask cluster instead (see `dask_pool`)."""
    if runner == "dask":
        with dask_pool(workers, dask_address) as pool:
            yield pool
        return
    if workers <= 1:
        quiet_extractors()
        yield None
        return
    context = _forkserver()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=quiet_extractors) as pool:
        yield pool


def start_fork_server() -> None:
    """Start the process that extraction workers fork from, so it loads the extractors (about
    a second) while Prefect starts, and the pool's first workers begin at once."""
    _forkserver()
    multiprocessing.forkserver.ensure_running()


def _forkserver() -> multiprocessing.context.BaseContext:
    # forkserver: children fork from a clean process that already loaded the extractors,
    # not from this one, which holds Prefect's threads and sockets.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


@contextmanager
def dask_pool(workers: int, address: str) -> Iterator[Executor]:
    """An executor on the Dask scheduler at `address`; without one, on a local cluster (see
    `local_cluster`) closed on exit. A remote cluster's workers need newslake installed."""
    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO would reach Prefect's
    with ExitStack() as stack:
        if address:
            try:
                client = stack.enter_context(Client(address))
            except OSError as exc:
                raise ConfigError(f"no Dask scheduler at {address}: {exc}") from None
        else:
            client = stack.enter_context(Client(stack.enter_context(local_cluster(workers))))
            client.wait_for_workers(max(workers, 1))  # started, not yet connected
        client.run(quiet_extractors)  # the workers there now; ones joining later log more
        yield DaskExecutor(client, local=not address)


class DaskExecutor(Executor):
    """A Dask client as an executor whose `map` gathers its results in one request, as they
    are first needed (the client's own executor asks for them one task at a time). Every
    call is a new task (`pure=False`): the same arguments may be sent again. `local`: its
    workers are this machine's processes (a cluster the run started), which see the lake."""

    def __init__(self, client: Client, local: bool = False) -> None:
        self.client, self.local = client, local

    def submit(self, fn, /, *args, **kwargs):
        """`fn(*args, **kwargs)` as a task; its Dask future (`.result()` waits for it)."""
        return self.client.submit(fn, *args, pure=False, **kwargs)

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        """Every call submitted now; the results, in order, gathered at the first `next`."""
        return _gathered(self.client, self.client.map(fn, *iterables, pure=False))


def shared(pool: Executor, data: T) -> T:
    """`data` as the pool's tasks take it: on a Dask cluster, sent once to one worker (tasks
    elsewhere fetch it from there) instead of inside every task that needs it; the Dask
    future stands for the data in a task's arguments."""
    if isinstance(pool, DaskExecutor):
        return cast(T, pool.client.scatter(data, hash=False))
    return data


def beside(pool: Executor | None, fn: Callable[..., T], /, *args: object) -> T:
    """`fn(*args)` on a worker of the Dask cluster the run started (its CPU is then not the flow
    process's), else here; the flow process waits for the result. Not on a process pool's
    worker: one busy with a long task when `newslake serve` got SIGTERM outlived the flow
    process, and kept the pool's forkserver and resource tracker alive with it."""
    if getattr(pool, "local", False):
        assert pool is not None
        return pool.submit(fn, *args).result()
    return fn(*args)


def on_this_machine(pool: Executor) -> bool:
    """Whether the pool's workers run on this machine and may write into the run's staging
    directory: the Dask cluster the run started (whose workers the run closes with it). A
    process pool's workers stay extract-only, as before."""
    return bool(getattr(pool, "local", False))


def reads_files(pool: Executor) -> bool:
    """Whether the pool's workers see this machine's files, so a page read from a local file
    can be sent without its bytes (`sent_pages`): a process pool, or the Dask cluster the run
    started. A cluster elsewhere gets the bytes."""
    return isinstance(pool, ProcessPoolExecutor) or on_this_machine(pool)


def write_staged(commit: Commit, pool: Executor | None) -> None:
    """Have the workers of the cluster the run started write the rows `commit` holds in
    memory as its staged files, one task per table (`StagedTable.hand_off`): encoding and
    compressing them, a file per table and day, is then not the flow process's CPU.
    Elsewhere they are written by this process as it publishes, as before."""
    if pool is None or not on_this_machine(pool):
        return
    handed = [(name, staged.hand_off()) for name, staged in commit.tables.items()]
    tasks = [
        (name, pool.submit(write_partitions, commit.staging, name, *rows))
        for name, rows in handed
        if rows is not None
    ]
    for name, done in tasks:
        commit.tables[name].stats.update(done.result())


def _gathered(client: Client, futures: list) -> Iterator:
    yield from client.gather(futures)


@contextmanager
def local_cluster(workers: int) -> Iterator[SpecCluster]:
    """A Dask scheduler and `workers` single-threaded workers, each in a child process on
    loopback, no dashboard; killed with their children on exit. The scheduler closes itself
    and the workers if this process dies first (`cluster_guard`).

    Not a LocalCluster: its scheduler runs in the process that starts it, and there it cost
    the flow process about as much CPU per page as the flow's own work.
    """
    from distributed.deploy.subprocess import SubprocessCluster

    with tempfile.TemporaryDirectory(prefix="newslake-dask-") as folder:
        cluster = SubprocessCluster(
            host="127.0.0.1",
            dashboard_address=None,  # type: ignore[arg-type]  # None: no dashboard (its docs)
            n_workers=max(workers, 1),
            threads_per_worker=1,
            # Where the scheduler says its address (by default a file left in /tmp).
            scheduler_kwargs={
                "scheduler_file": str(Path(folder) / "scheduler.json"),
                "preload": [GUARD],
            },
        )
        with cluster:
            yield cluster
