"""Gold tables: aggregates recomputed from silver for the partitions a run touched."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Commit, Lake, partition_dir
from newslake.warehouse.schemas import ARTICLES, COVERAGE_DAILY
from newslake.warehouse.views import load_sql, parquet_relation


def refresh_coverage(lake: Lake, run: RunInfo, touched: Iterable[date | None]) -> int:
    """Recompute gold/coverage_daily for the dates a run touched, and for any whose rows no
    longer add up to the articles, in one atomic commit; returns the dates recomputed."""
    if not lake.data_files(ARTICLES):
        return 0
    articles = parquet_relation(lake, ARTICLES)
    con = duckdb.connect()
    try:
        days = {d.isoformat() if d else "undated" for d in touched}
        if lake.data_files(COVERAGE_DAILY):
            stale = load_sql(
                "coverage_stale_dates",
                articles=articles,
                coverage=parquet_relation(lake, COVERAGE_DAILY),
            )
            days |= {day for (day,) in con.execute(stale).fetchall()}
        if not days:
            return 0
        table = con.execute(load_sql("coverage_daily", articles=articles), [sorted(days)])
        names = [column[0] for column in table.description]
        rows = [dict(zip(names, row, strict=True)) for row in table.fetchall()]
    finally:
        con.close()
    commit = Commit(lake, RunInfo(f"{run.run_id}-gold", run.started_at))
    try:
        for day in days:
            value = None if day == "undated" else date.fromisoformat(day)
            commit.clear(COVERAGE_DAILY.name, partition_dir(COVERAGE_DAILY, {"date": value}))
        commit.add(COVERAGE_DAILY.name, rows)
        commit.publish()
    finally:
        commit.discard()
    return len(days)
