"""The Prefect tasks that end a run (ingest and reprocess alike): publish what was staged,
then refresh gold."""

from __future__ import annotations

import sqlite3
from concurrent.futures import Executor
from functools import partial

import duckdb
from prefect import get_run_logger, task
from prefect.cache_policies import NONE

from newslake.flows.recorder import RunRecorder
from newslake.flows.workers import beside, write_staged
from newslake.warehouse.gold import GoldRefresh, refresh_gold
from newslake.warehouse.lookup_keys import keep_lookup_keys
from newslake.warehouse.page_keys import keep_page_keys


@task(name="commit-run", cache_policy=NONE)
def commit_run(recorder: RunRecorder, pool: Executor | None = None) -> dict[str, int]:
    """Publish everything staged in one atomic commit (the rows still in memory written on
    `pool`'s workers first when they run on this machine: `workers.write_staged`) and rebuild
    the DuckDB views, then release the run's lake state (its memory is gone before the gold
    refresh needs some) and index the pages, URLs and band keys the commit added
    (warehouse/page_keys.py, warehouse/lookup_keys.py). Those segments only speed up later
    runs' look-ups (files no segment covers are read), so failing to write one is logged, and
    the next commit writes what is missing. The claim key index's segment and these are built
    on one of `pool`'s workers when they run on this machine (`workers.beside`)."""
    write_staged(recorder.commit, pool)
    recorder.commit.offload = partial(beside, pool)
    counts = recorder.commit.publish()
    recorder.close()
    for keep in (keep_page_keys, keep_lookup_keys):
        try:
            beside(pool, keep, recorder.commit.lake.reopened())
        except (duckdb.Error, sqlite3.Error, OSError) as exc:
            get_run_logger().warning(
                "%s failed; the next commit retries it: %s", keep.__name__, exc
            )
    return counts


@task(name="refresh-gold", cache_policy=NONE, retries=1)
def refresh_gold_task(recorder: RunRecorder, pool: Executor | None = None) -> GoldRefresh:
    """Settle the representatives of the stories this run touched and recompute the gold rows
    it touched (a second atomic commit); a reprocess (every claim regrouped) settles every
    story. On one of `pool`'s workers when they run on this machine (`workers.beside`): this
    process holds the lake's lock meanwhile."""
    return beside(
        pool,
        refresh_gold,
        recorder.commit.lake.reopened(),  # not the flow's: its cached file lists stay here
        recorder.run,
        recorder.touched_dates,
        recorder.min_stories,
        recorder.claims_changed,
        recorder.changed_claims,
        None if recorder.claims_changed else recorder.touched_stories,
    )
