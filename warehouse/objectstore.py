"""A lake on an object store (s3:// or any remote fsspec URL), worked on through a local mirror.

Commands run on a local cache directory laid out as a local lake. The store holds the same
files (the tables' Parquet files and Delta logs, and `_runs`) plus `_manifest.json`, the
commit point: a generation number and every file (relative path → object key, size, ETag).
Readers only fetch what the manifest lists, so they never see a commit's files before its
manifest. A writer holds the lease `_lock.json` (a conditional put), pulls, commits
locally, uploads new files under keys no manifest names yet, writes the next manifest only
if the store's is still the one it pulled, then deletes the objects no longer listed (and
orphans a killed writer left).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.utils import get_protocol

from newslake.transforms.errors import LakeBusy, LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse.delta import LOG
from newslake.warehouse.lake import STAGING, Commit, Lake, refuse_old_format
from newslake.warehouse.lock import writer_lock
from newslake.warehouse.runs import RUNS
from newslake.warehouse.schemas import TABLES
from newslake.warehouse.views import WAREHOUSE, build_warehouse

MANIFEST = "_manifest.json"
LEASE = "_lock.json"
LEASE_S = 300.0  # a lease not renewed for this long is stale and may be taken over
ORPHAN_AGE_S = 15 * 60  # unlisted objects older than this are a killed writer's leftovers
_POLL_S = 0.5
_PULL_TRIES = 3
_LOCAL_PROTOCOLS = {"file", "local"}
_TOPS = (*(spec.path for spec in TABLES.values()), RUNS)  # what the manifest carries


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
            if not mirror.pull()[0]["generation"]:
                raise LakeError(f"no lake at {lake}: run `newslake run` first")
    except LakeBusy:
        pass
    return str(mirror.root)


@contextmanager
def writing(
    lake: str, run: RunInfo, timeout_s: float, cache_dir: str = "", concurrent: bool = False
) -> Iterator[Commit]:
    """`Lake.writing` for a local or remote lake; with `concurrent`, `Lake.staging` for a local
    lake (a remote one is still written under its lease from start to end).

    A remote lake is written under its lease: the mirror is pulled, the run commits to it as
    to a local lake, and what it published is pushed when the block ends (also when it
    fails after a publish, as a local lake keeps that commit too).
    """
    if not is_remote(lake):
        local = Lake(lake)
        with (local.staging if concurrent else local.writing)(run, timeout_s) as commit:
            yield commit
        return
    mirror = Mirror(lake, cache_dir)
    with Lease(mirror, run.run_id, timeout_s):
        with writer_lock(mirror.root, run.run_id, timeout_s):
            # Uncommitted local work of a killed run: the store, not the mirror, is the truth.
            shutil.rmtree(mirror.root / STAGING, ignore_errors=True)
            base, etag = mirror.pull()
        # Pushed under the mirror's lock: a reader's pull must not undo what is not pushed yet.
        with Lake(mirror.root).writing(run, timeout_s) as commit:
            try:
                yield commit
            except BaseException:
                with suppress(Exception):  # the run's own error is the one to report
                    mirror.push(base, etag, run.run_id)
                raise
            mirror.push(base, etag, run.run_id)


class Mirror:
    """A remote lake and its local cache directory."""

    def __init__(self, url: str, cache_dir: str = "") -> None:
        self.url = url.rstrip("/")
        self.fs: AbstractFileSystem
        # A fresh client each time: it reads the AWS variables as they are now.
        self.fs, self.base = url_to_fs(self.url, use_listings_cache=False, skip_instance_cache=True)
        self.root = cache_root(self.url, cache_dir)

    def key(self, name: str) -> str:
        """The store path of an object named relative to the lake."""
        return f"{self.base}/{name}"

    def manifest(self) -> tuple[dict[str, Any], str | None]:
        """The store's manifest and its ETag; generation 0 and no ETag if there is none."""
        try:
            etag = self.fs.info(self.key(MANIFEST))["ETag"]
            return json.loads(self.fs.cat_file(self.key(MANIFEST))), etag
        except FileNotFoundError:
            return {"generation": 0, "files": {}}, None

    def pull(self) -> tuple[dict[str, Any], str | None]:
        """Make the mirror hold exactly the files the store's manifest lists (fetching only
        those it lacks or holds in another version), rebuild its views if anything changed,
        and return the manifest and its ETag."""
        for attempt in range(_PULL_TRIES):
            manifest, etag = self.manifest()
            try:
                changed = self._sync(manifest)
                break
            except FileNotFoundError:  # a newer commit deleted a listed object: read again
                if attempt == _PULL_TRIES - 1:
                    raise
        if changed or not (self.root / WAREHOUSE).exists():
            build_warehouse(Lake(self.root))
        return manifest, etag

    def push(self, base: dict[str, Any], base_etag: str | None, run_id: str) -> None:
        """Upload what the mirror holds beyond `base` (the manifest pulled before the run),
        write the next manifest if the store still has `base`, then delete what it dropped."""
        local = self._local_files()
        seen = self._seen()
        files: dict[str, dict[str, Any]] = {}
        for rel, path in local.items():
            known, stat = base["files"].get(rel), path.stat()
            if known and seen.get(rel) == _stamp(known, stat):
                files[rel] = known
                continue
            key = _new_key(rel, run_id, known is not None)
            self.fs.put_file(str(path), self.key(key))
            info = self.fs.info(self.key(key))
            files[rel] = {"key": key, "size": stat.st_size, "etag": info["ETag"]}
        if files == base["files"]:
            return
        manifest = {
            "generation": base["generation"] + 1,
            "run_id": run_id,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
        }
        condition = {"IfMatch": base_etag} if base_etag else {"mode": "create"}
        if not _put_if(self.fs, self.key(MANIFEST), json.dumps(manifest).encode(), condition):
            raise LakeError(
                f"lake {self.url} was committed to by another writer since run {run_id} "
                "pulled it; this run's commit was not published"
            )
        self._remember(manifest)
        live = {entry["key"] for entry in files.values()}
        for entry in base["files"].values():
            if entry["key"] not in live:
                self.fs.rm_file(self.key(entry["key"]))
        self._drop_orphans(live)

    def _sync(self, manifest: dict[str, Any]) -> bool:
        seen = self._seen()
        changed = False
        for rel, entry in manifest["files"].items():
            path = self.root / rel
            if path.exists() and seen.get(rel) == _stamp(entry, path.stat()):
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            self.fs.get_file(self.key(entry["key"]), str(tmp))
            os.replace(tmp, path)
            changed = True
        for rel, path in self._local_files().items():
            if rel not in manifest["files"]:
                path.unlink()
                changed = True
        self._remember(manifest)
        return changed

    def _local_files(self) -> dict[str, Path]:
        """Every file of the tables and of `_runs`: data files, Delta logs and checkpoints."""
        return {
            path.relative_to(self.root).as_posix(): path
            for top in _TOPS
            for path in (self.root / top).rglob("*")
            if path.is_file() and not path.name.startswith(".")
        }

    def _seen(self) -> dict[str, tuple[Any, ...]]:
        """Per file, the store version and local stat the mirror last synced it at."""
        try:
            return {
                rel: tuple(stamp)
                for rel, stamp in json.loads((self.root / MANIFEST).read_text()).items()
            }
        except FileNotFoundError:
            return {}

    def _remember(self, manifest: dict[str, Any]) -> None:
        stamps = {}
        for rel, entry in manifest["files"].items():
            path = self.root / rel
            if path.exists():
                stamps[rel] = _stamp(entry, path.stat())
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(stamps))
        os.replace(tmp, self.root / MANIFEST)

    def _drop_orphans(self, live: set[str]) -> None:
        cutoff = time.time() - ORPHAN_AGE_S
        for top in _TOPS:
            found = self.fs.find(self.key(top), detail=True)
            for path, info in found.items():
                key = path.removeprefix(f"{self.base}/")
                modified = info.get("LastModified")
                if key not in live and modified and modified.timestamp() < cutoff:
                    self.fs.rm_file(path)


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
            if holder is not None and holder["expires"] < time.time():
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
                return  # taken over: the manifest's conditional put still guards the commit


def lease_holder(lake: str, cache_dir: str = "") -> str | None:
    """The run holding a remote lake's writer lease, described, or None if it is free."""
    holder, _ = read_lease(Mirror(lake, cache_dir))
    if holder is None or holder["expires"] < time.time():
        return None
    return describe(holder)


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


def _new_key(rel: str, run_id: str, replaced: bool) -> str:
    """The object key for a file a run uploads. A file replacing a listed one, and a Delta log
    entry (its name is the next version, which a killed or overtaken writer may have uploaded
    too), get a key naming the run, so no live object is ever overwritten."""
    if f"/{LOG}/" in f"/{rel}":
        return f"{rel}.{run_id}"
    return f"{rel.removesuffix('.parquet')}.{run_id}.parquet" if replaced else rel


def _stamp(entry: dict[str, Any], stat: os.stat_result) -> tuple[Any, ...]:
    """What identifies a mirrored file: the store version it came from and its local stat."""
    return (entry["key"], entry["etag"], stat.st_size, stat.st_mtime_ns)


def _default_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "newslake"
