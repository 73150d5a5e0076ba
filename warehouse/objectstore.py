"""A lake on an object store (s3://…): Delta tables in the bucket, worked on through a local mirror.

The store holds the lake as a local directory does: each table's Hive partition directories and
`_delta_log/`, and `_runs`, the commit point, so any Delta reader reads the bucket. Every Delta
commit is made by delta-rs against the table's URL (a conditional put of the next log entry).
Commands work on a local mirror laid out as a local lake. A reader pulls the Delta logs and the
files of the snapshot the store's newest `_runs` row names, and only those, `_runs` last, so the
mirror moves from one whole commit to the next. A writer stages in its mirror against the
snapshot it pulled, then, holding the lease `_lock.json` only for its section, pulls again,
uploads its files, commits each table and `_runs` in the store (`MirrorLake`), and pulls each
new log entry back.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError
from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.utils import get_protocol

from newslake.transforms.errors import LakeBusy, LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse.delta import LOG, commit_files, is_log_name
from newslake.warehouse.lake import LAKE_FILES, STAGING, Commit, Lake, refuse_old_format
from newslake.warehouse.lock import writer_lock
from newslake.warehouse.runs import RUNS, RunPoint, append_run, newest, newest_in
from newslake.warehouse.schemas import TableSpec
from newslake.warehouse.views import WAREHOUSE, build_warehouse

LEASE = "_lock.json"
MANIFEST = "_manifest.json"  # the commit point of S3 lakes before they were Delta tables
LEASE_S = 300.0  # a lease not renewed for this long is stale and may be taken over
_STATE = "_mirror.json"  # in a mirror: the ETag each pulled log file had in the store
_PULLED = "pulled"  # in _STATE: `_runs`'s log in the store when the last reader pull began
_LAST_CHECKPOINT = "_last_checkpoint"
_POLL_S = 0.5
_PULL_TRIES = 3
_THREADS = 8  # tables pulled at once
_LOCAL_PROTOCOLS = {"file", "local"}


def is_remote(lake: str) -> bool:
    """Whether `lake` names an object store (a URL with a remote protocol), not a directory."""
    return get_protocol(lake) not in _LOCAL_PROTOCOLS


def cache_root(url: str, cache_dir: str = "") -> Path:
    """The local mirror directory of a remote lake: `<cache_dir>/<hash of the URL>`."""
    base = Path(cache_dir).expanduser() if cache_dir else _default_cache()
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
    return (base / digest).absolute()


def local_root(lake: str, cache_dir: str = "") -> Path:
    """The directory commands work on: the lake itself, or a remote lake's mirror."""
    return cache_root(lake, cache_dir) if is_remote(lake) else Lake(lake).root


def storage_options() -> dict[str, str]:
    """delta-rs storage options from the AWS variables boto and s3fs read too: the endpoint
    (plain HTTP allowed for an http:// one) and the region. delta-rs reads the credentials
    from the environment itself."""
    options = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        options["AWS_REGION"] = region
    return options


def local_lake(lake: str, cache_dir: str = "") -> str:
    """For readers: a local lake as it is, or a remote lake's mirror brought up to date.

    While a writer on this machine holds the mirror, it is read as it stands.
    """
    if not is_remote(lake):
        refuse_old_format(Lake(lake).root)
        return lake
    mirror = Mirror(lake, cache_dir)
    try:
        with writer_lock(mirror.root, "pull", 0):
            if mirror.pull() is None:
                raise LakeError(f"no lake at {lake}: run `newslake run` first")
    except LakeBusy:
        pass
    return str(mirror.root)


@contextmanager
def writing(
    lake: str, run: RunInfo, timeout_s: float, cache_dir: str = "", concurrent: bool = False
) -> Iterator[Commit]:
    """`Lake.writing` for a local or remote lake; with `concurrent`, `Lake.staging`.

    A remote lake's run commits through `MirrorLake`, straight to the store, holding the lease
    while it does: for the whole run, or with `concurrent` only for `Commit.section` (the run
    stages against the store's commit point as pulled when it began). Either way the run holds
    its mirror's local lock throughout: runs sharing a mirror take turns, runs on other
    mirrors (other machines, or other cache directories) stage at once.
    """
    if not is_remote(lake):
        local = Lake(lake)
        with (local.staging if concurrent else local.writing)(run, timeout_s) as commit:
            yield commit
        return
    mirror = Mirror(lake, cache_dir)
    if concurrent:
        with writer_lock(mirror.root, run.run_id, timeout_s):
            shutil.rmtree(mirror.root / STAGING, ignore_errors=True)  # a killed run's
            with MirrorLake(mirror).staging(run, timeout_s) as commit:
                yield commit
        return
    with Lease(mirror, run.run_id, timeout_s):
        with writer_lock(mirror.root, run.run_id, timeout_s):
            shutil.rmtree(mirror.root / STAGING, ignore_errors=True)  # a killed run's
            mirror.pull(writer=True)
        with MirrorLake(mirror).writing(run, timeout_s) as commit:
            yield commit


class Mirror:
    """A remote lake and its local cache directory."""

    def __init__(self, url: str, cache_dir: str = "") -> None:
        self.url = url.rstrip("/")
        self.fs: AbstractFileSystem
        # A fresh client each time: it reads the AWS variables as they are now.
        self.fs, self.base = url_to_fs(self.url, use_listings_cache=False, skip_instance_cache=True)
        self.options = storage_options()
        self.root = cache_root(self.url, cache_dir)

    def key(self, name: str) -> str:
        """The store path of an object named relative to the lake."""
        return f"{self.base}/{name}"

    def uri(self, name: str) -> str:
        """The URL of a table (or object) named relative to the lake, for delta-rs."""
        return f"{self.url}/{name}"

    def head(self) -> str | None:
        """The newest entry of `_runs`'s log in the store (see `runs.head`), or None."""
        return max((name for name in self._listing(RUNS) if name.endswith(".json")), default=None)

    def point(self) -> tuple[int, RunPoint] | None:
        """The store's commit point: `_runs`'s latest version and its newest row; None if
        the store holds no lake yet."""
        try:
            table = DeltaTable(self.uri(RUNS), storage_options=self.options)
        except TableNotFoundError:
            return None
        point = newest_in(table, self._read_runs_file)
        return (table.version(), point) if point else None

    def pull(self, writer: bool = False) -> RunPoint | None:
        """Bring the mirror to the store's newest commit point and return it (None if the
        store holds no lake); rebuild the views if anything changed.

        A reader's pull fetches each table's log up to the version the point names (from its
        newest checkpoint on) and that version's files, and `_runs` last. A writer's pull also
        fetches the log entries past the point (a killed run's table commits, which it will
        undo). Local files the point does not name are deleted.
        """
        for attempt in range(_PULL_TRIES):
            try:
                return self._pull(writer)
            except FileNotFoundError:  # a vacuum deleted what was listed: look again
                if attempt == _PULL_TRIES - 1:
                    raise
        return None  # not reached

    def refresh(self, rel: str) -> None:
        """Pull one table's whole log and its latest version's files (after a commit)."""
        state = self._state()
        self._sync_table(rel, None, None, state)
        self._save(state)

    def upload(self, rel: str, files: list[str]) -> None:
        """Upload files of a table (paths relative to it) from the mirror to the store."""
        if files:
            self.fs.put(
                [str(self.root / rel / file) for file in files],
                [self.key(f"{rel}/{file}") for file in files],
            )

    def sync_log(self, rel: str) -> None:
        """Pull a table's whole log (after a commit whose files the mirror holds)."""
        state = self._state()
        self._sync_log(rel, None, state)
        self._save(state)

    def _pull(self, writer: bool) -> RunPoint | None:
        state = self._state()
        # `_runs`'s log as listed before the point is read: if the store's is still the same
        # at the next pull, nothing was committed since, and the mirror is up to date.
        seen = json.dumps(sorted(self._listing(RUNS).items()))
        if not writer and state.get(_PULLED) == seen and (self.root / WAREHOUSE).exists():
            return newest(self.root)
        found = self.point()
        if found is None and self.fs.exists(self.key(MANIFEST)):
            raise LakeError(
                f"lake {self.url} was written by an earlier newslake (objects under a "
                "manifest): run `newslake migrate` to lay it out as Delta tables"
            )
        if found is None and not writer:
            return None
        # A writer on a new lake still pulls the logs a run killed before its `_runs` row left.
        runs_version, point = found or (-1, None)
        versions = point.versions if point else {}

        def table(spec: TableSpec) -> tuple[bool, set[str]]:
            at = versions.get(spec.name, -1)  # -1: not in the lake yet
            return self._sync_table(spec.path, None if writer else at, at, state)

        with ThreadPoolExecutor(_THREADS) as pool:
            pulled = dict(zip(LAKE_FILES, pool.map(table, LAKE_FILES.values()), strict=True))
        runs_changed, runs_files = self._sync_table(RUNS, runs_version, runs_version, state)
        # Only now that `_runs` names the new snapshot may the old one's files go.
        changed = runs_changed | self._prune(RUNS, runs_files)
        for name, (table_changed, files) in pulled.items():
            changed |= table_changed | self._prune(LAKE_FILES[name].path, files)
        (self.root / MANIFEST).unlink(missing_ok=True)  # an older newslake's mirror state
        state[_PULLED] = seen
        self._save(state)
        if changed or not (self.root / WAREHOUSE).exists():
            build_warehouse(Lake(self.root))
        return point

    def _sync_table(
        self, rel: str, upto: int | None, at: int | None, state: dict[str, str]
    ) -> tuple[bool, set[str]]:
        """Pull a table's log up to version `upto` (None: all of it) and the files of version
        `at` (None: the latest; -1: none); whether anything changed, and those files."""
        changed = self._sync_log(rel, upto, state)
        path = self.root / rel
        files: set[str] = set()
        if at != -1 and any((path / LOG).glob("*.json")):
            table = DeltaTable(str(path), version=at)
            files = {Path(uri).relative_to(path).as_posix() for uri in table.file_uris()}
        missing = sorted(file for file in files if not (path / file).exists())
        self._download([f"{rel}/{file}" for file in missing])
        return changed or bool(missing), files

    def _prune(self, rel: str, files: set[str]) -> bool:
        """Delete a table's local data files other than `files`; whether any was deleted."""
        path = self.root / rel
        stale = [
            local
            for pattern in ("*.parquet", "*.sqlite")
            for local in (path.rglob(pattern) if path.is_dir() else [])
            if not local.relative_to(path).as_posix().startswith(f"{LOG}/")
            and local.relative_to(path).as_posix() not in files
        ]
        for local in stale:
            local.unlink()
        return bool(stale)

    def _sync_log(self, rel: str, limit: int | None, state: dict[str, str]) -> bool:
        """Fetch the log files of a table needed to read it at `limit` (None: its latest)
        that the mirror lacks or holds in another version (by ETag); delete those the store
        no longer has. Whether anything changed."""
        log = self.root / rel / LOG
        listing = self._listing(rel)
        wanted = _needed(listing, limit)
        fetch = sorted(
            name
            for name in wanted
            if state.get(f"{rel}/{LOG}/{name}") != listing[name] or not (log / name).exists()
        )
        self._download([f"{rel}/{LOG}/{name}" for name in fetch])
        for name in fetch:
            state[f"{rel}/{LOG}/{name}"] = listing[name]
        changed = bool(fetch)
        held = [p for p in log.iterdir() if not p.name.startswith(".")] if log.is_dir() else []
        for local in held:
            stale = local.name == _LAST_CHECKPOINT and local.name not in wanted
            if local.is_file() and (local.name not in listing or stale):
                local.unlink()
                state.pop(f"{rel}/{LOG}/{local.name}", None)
                changed = True
        return changed

    def _listing(self, rel: str) -> dict[str, str]:
        """The files of a table's log in the store: name → ETag."""
        found = self.fs.find(self.key(f"{rel}/{LOG}"), detail=True)
        return {Path(path).name: str(info.get("ETag", "")) for path, info in found.items()}

    def _download(self, names: list[str]) -> None:
        """Fetch objects (named relative to the lake) into the mirror, each whole or not at
        all (through a temporary name)."""
        if not names:
            return
        temps = []
        for name in names:
            target = self.root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            temps.append(target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"))
        try:
            self.fs.get([self.key(name) for name in names], [str(t) for t in temps])
            for name, temp in zip(names, temps, strict=True):
                os.replace(temp, self.root / name)
        finally:
            for temp in temps:
                temp.unlink(missing_ok=True)

    def _read_runs_file(self, rel: str) -> Any:
        return pq.read_table(io.BytesIO(self.fs.cat_file(self.key(f"{RUNS}/{rel}"))))

    def _state(self) -> dict[str, str]:
        try:
            state: dict[str, str] = json.loads((self.root / _STATE).read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return state

    def _save(self, state: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{_STATE}.tmp"
        tmp.write_text(json.dumps(state, sort_keys=True))
        os.replace(tmp, self.root / _STATE)


class MirrorLake(Lake):
    """A remote lake's mirror as its writer uses it: a run writes its files in the mirror; each
    table commit uploads the new files, commits them in the store through delta-rs, and pulls
    the new log entry back, so the mirror's Delta versions are the store's."""

    def __init__(self, mirror: Mirror) -> None:
        super().__init__(mirror.root)
        self.mirror = mirror

    def commit_table(
        self,
        spec: TableSpec,
        added: list[str],
        removed: set[str],
        run_id: str,
        stats: Mapping[str, dict[str, Any]] | None = None,
    ) -> int:
        self.mirror.upload(spec.path, added)
        uri = self.mirror.uri(spec.path)
        path = self.table_dir(spec)
        options = self.mirror.options
        version = commit_files(path, spec, added, removed, run_id, uri, options, stats)
        self.mirror.sync_log(spec.path)
        return version

    def append_point(self, point: RunPoint) -> None:
        append_run(self.root, point, self.mirror.uri(RUNS), self.mirror.options)
        self.mirror.refresh(RUNS)

    def reopened(self) -> Lake:
        return MirrorLake(self.mirror)

    def head(self) -> str | None:
        return self.mirror.head()

    def catch_up(self) -> None:
        self.mirror.pull()

    @contextmanager
    def exclusive(self, run_id: str, timeout_s: float) -> Iterator[Lake]:
        """Hold the store's lease and pull the mirror as its writer (with what a killed
        writer committed past the point, for `recover` to undo)."""
        with Lease(self.mirror, run_id, timeout_s):
            self.mirror.pull(writer=True)
            yield MirrorLake(self.mirror)

    def delta_table(self, path: Path) -> DeltaTable:
        return DeltaTable(self.mirror.uri(self._rel(path)), storage_options=self.mirror.options)

    def refreshed(self, path: Path) -> None:
        self.mirror.refresh(self._rel(path))

    def forget_table(self, path: Path) -> None:
        self.mirror.fs.rm(self.mirror.key(f"{self._rel(path)}/{LOG}"), recursive=True)
        super().forget_table(path)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


class Lease:
    """The writer lease on a remote lake: `_lock.json`, created only if absent, renewed while
    held, taken over (only if unchanged since read) once expired, deleted on release."""

    def __init__(self, mirror: Mirror, run_id: str, timeout_s: float, ttl_s: float = LEASE_S):
        self.mirror, self.run_id, self.timeout_s, self.ttl_s = mirror, run_id, timeout_s, ttl_s
        self.token = uuid.uuid4().hex
        self.since = datetime.now(UTC).isoformat(timespec="seconds")
        self.etag: str | None = None
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew, daemon=True)

    def __enter__(self) -> Lease:
        deadline = time.monotonic() + self.timeout_s
        path = self.mirror.key(LEASE)
        while not self._put({"mode": "create"}):
            holder, etag = read_lease(self.mirror)
            if holder is not None and stale(holder):
                if self._put({"IfMatch": etag}):
                    break
                continue
            if time.monotonic() >= deadline:
                raise LakeBusy(
                    f"lake {self.mirror.url} is being written by {describe(holder)}; "
                    f"gave up after {self.timeout_s:g} s"
                )
            time.sleep(_POLL_S)
            self.mirror.fs.invalidate_cache(path)
        self._renewer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._renewer.join()
        holder, _ = read_lease(self.mirror)
        if holder is not None and holder.get("token") == self.token:
            self.mirror.fs.rm_file(self.mirror.key(LEASE))

    def _put(self, condition: dict[str, Any]) -> bool:
        note = {
            "run_id": self.run_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "token": self.token,
            "since": self.since,
            "expires": time.time() + self.ttl_s,
        }
        out = _put_if(self.mirror.fs, self.mirror.key(LEASE), json.dumps(note).encode(), condition)
        if out:
            self.etag = out.get("ETag")
        return bool(out)

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            if not self._put({"IfMatch": self.etag}):
                return  # taken over: Delta's conditional puts still guard each log entry


def lease_holder(lake: str, cache_dir: str = "") -> str | None:
    """The run holding a remote lake's writer lease, described, or None if it is free."""
    holder, _ = read_lease(Mirror(lake, cache_dir))
    if holder is None or stale(holder):
        return None
    return describe(holder)


def stale(holder: dict[str, Any]) -> bool:
    """Whether a lease note may be taken over: expired, or its holder's process is gone (a
    holder on this host only: another host's dead writer blocks until its note expires)."""
    if holder["expires"] < time.time():
        return True
    if holder.get("host") != socket.gethostname() or not isinstance(holder.get("pid"), int):
        return False
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def read_lease(mirror: Mirror) -> tuple[dict[str, Any] | None, str | None]:
    """A remote lake's lease note and its ETag; (None, None) if nobody holds it. An
    unreadable note counts as expired."""
    fs, path = mirror.fs, mirror.key(LEASE)
    try:
        etag = fs.info(path)["ETag"]
        data = fs.cat_file(path)
    except FileNotFoundError:
        return None, None
    try:
        return json.loads(data), etag
    except ValueError:
        return {"expires": 0}, etag


def describe(holder: dict[str, Any] | None) -> str:
    """'run R (pid P on H since T)' for a lease note."""
    if not holder or "run_id" not in holder:
        return "another run"
    return (
        f"run {holder['run_id']} (pid {holder['pid']} on {holder['host']} since {holder['since']})"
    )


def _put_if(
    fs: AbstractFileSystem, path: str, data: bytes, condition: dict[str, Any]
) -> dict[str, Any] | None:
    """Write an object only if `condition` holds (mode="create": If-None-Match: *, or
    IfMatch=etag); the store's answer, or None if the condition failed."""
    try:
        out = fs.pipe_file(path, data, **condition)
    except FileExistsError:
        return None
    except OSError as exc:
        error = getattr(exc.__cause__, "response", {}).get("Error", {})
        if error.get("Code") == "PreconditionFailed":  # If-Match failed
            return None
        raise
    finally:
        fs.invalidate_cache(path)
    return out or {}


def _needed(listing: dict[str, str], limit: int | None) -> set[str]:
    """The log files (names in `listing`) needed to read a table at version `limit` (None: its
    latest): its newest checkpoint at or before it, the commits from that one up to it (the
    checkpoint's own entry too: a log newslake reads has at least one), and
    `_last_checkpoint` unless that may name a later checkpoint."""
    versions = {
        name: int(name.split(".", 1)[0])
        for name in listing
        if is_log_name(name) and name != _LAST_CHECKPOINT
    }
    top = max(versions.values(), default=-1) if limit is None else limit
    checkpoints = {name: v for name, v in versions.items() if ".checkpoint." in name}
    base = max((v for v in checkpoints.values() if v <= top), default=-1)
    needed = {
        name
        for name, v in versions.items()
        if (name.endswith(".json") and base <= v <= top) or (name in checkpoints and v == base)
    }
    if _LAST_CHECKPOINT in listing and all(v <= top for v in checkpoints.values()):
        needed.add(_LAST_CHECKPOINT)
    return needed


def _default_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "newslake"
