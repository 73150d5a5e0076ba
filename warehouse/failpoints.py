"""Failpoints: named places where a test can have the process killed outright (SIGKILL), to
prove that a run dying anywhere leaves the lake whole. Set NEWSLAKE_FAILPOINT=<name>; unset,
a failpoint costs one environment lookup.

A test can also have a run wait at a failpoint (to make two runs overlap there): with
NEWSLAKE_PAUSE=<name>:<file>, the process writes `<file>.reached` and waits until `<file>`
exists."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "NEWSLAKE_FAILPOINT"
PAUSE_ENV = "NEWSLAKE_PAUSE"
_PAUSE_POLL_S = 0.05
POINTS = (
    "after-fetch",  # a batch of pages fetched, nothing staged
    "after-extract",  # a batch extracted, about to be staged
    "mid-write",  # a row group written to a staged Parquet file
    "before-section",  # a run staged, not yet in the lake's single-writer section
    "mid-commit",  # a table's Delta commit made, the run's `_runs` row (commit point) not yet
    "mid-views",  # warehouse.duckdb half rebuilt (its temporary file)
    "between-commits",  # articles committed, gold not yet refreshed
)


_muted = 0  # inside `muted()`: a worker doing a step of the run's, not the run's process


@contextmanager
def muted() -> Iterator[None]:
    """Failpoints do not fire inside the block: for a worker process doing part of a step
    (e.g. writing bronze pages), so that a failpoint still kills the run's own process."""
    global _muted
    _muted += 1
    try:
        yield
    finally:
        _muted -= 1


def failpoint(name: str) -> None:
    """Die here, as a power cut would, if the environment names this point."""
    if _muted:
        return
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
    point, _, release = os.environ.get(PAUSE_ENV, "").partition(":")
    if point == name:
        Path(f"{release}.reached").touch()
        while not os.path.exists(release):
            time.sleep(_PAUSE_POLL_S)
