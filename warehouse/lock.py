"""One writer at a time in a lake's commit section, and a mark on each run's staging: advisory
locks the kernel drops when their holder dies."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from newslake.transforms.errors import LakeBusy

LOCK_NAME = "_lock"
_POLL_S = 0.2


@contextmanager
def writer_lock(root: Path, run_id: str, timeout_s: float) -> Iterator[None]:
    """Hold the lake's writer lock; wait up to timeout_s for another holder, else LakeBusy.

    flock is released by the kernel when the holding process exits, even on SIGKILL,
    so a crashed run never leaves a stale lock behind.
    """
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LakeBusy(
                        f"lake {root} is being written by {lock_holder(root) or 'another run'}; "
                        f"gave up after {timeout_s:g} s"
                    ) from None
                time.sleep(_POLL_S)
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_holder(root: Path) -> str | None:
    """'run R (pid P on H since T)' for the current holder, or None if the lake is free.

    The note a killed writer leaves behind is stale: the kernel released its lock, so the
    lock is taken here to check, and the note ignored if that succeeds.
    """
    try:
        fd = os.open(root / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            info = json.loads(os.pread(fd, 4096, 0) or b"null")
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
    except ValueError:
        return "another run (its note is unreadable)"
    finally:
        os.close(fd)
    if not info:
        return None
    return f"run {info['run_id']} (pid {info['pid']} on {info['host']} since {info['since']})"


@contextmanager
def held_dir(path: Path) -> Iterator[None]:
    """Create the directory `path` and hold a lock on it while the block runs, so that
    `remove_if_dead` leaves it alone until its holder ends (or dies)."""
    while True:
        path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a `remove_if_dead` removes it
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)  # removed before the lock was taken: made again
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def remove_if_dead(path: Path) -> bool:
    """Remove the directory `path` unless a live process holds it (`held_dir`); whether it
    was removed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(path, ignore_errors=True)
        return True
    finally:
        os.close(fd)
