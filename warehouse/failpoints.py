"""Failpoints: named places where a test can have the process killed outright (SIGKILL), to
prove that a run dying anywhere leaves the lake whole. Set NEWSLAKE_FAILPOINT=<name>; unset,
a failpoint costs one environment lookup."""

from __future__ import annotations

import os
import signal

ENV = "NEWSLAKE_FAILPOINT"
POINTS = (
    "after-fetch",  # a batch of pages fetched, nothing staged
    "after-extract",  # a batch extracted, about to be staged
    "mid-write",  # a row group written to a staged Parquet file
    "mid-commit",  # a table's Delta commit made, the run's `_runs` row (commit point) not yet
    "mid-views",  # warehouse.duckdb half rebuilt (its temporary file)
    "between-commits",  # articles committed, gold not yet refreshed
)


def failpoint(name: str) -> None:
    """Die here, as a power cut would, if the environment names this point."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
