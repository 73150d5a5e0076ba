"""Outlet health: the thresholds gold/outlet_health flags a day by, and its rows read back for
`newslake status --health` and the run summary."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

import duckdb

from newslake.warehouse.lake import Lake, partition_date
from newslake.warehouse.schemas import OUTLET_HEALTH
from newslake.warehouse.views import connect_read_only, table_relation

WINDOW_DAYS = 7  # a week of trailing days: every weekday once, so a quiet Sunday is in it
MIN_HISTORY_DAYS = 3  # with fewer days, one odd day sets the median
VOLUME_DROP = 0.5  # under half the usual volume is a collapse, not a slow news day
MIN_VOLUME = 5  # below this usual volume, halving is noise (2 articles instead of 4)
MIN_ARTICLES = 5  # shares of fewer articles swing too far to judge (1 of 2 is 0.5)
SHARE_DROP = 0.3  # 30 more articles in 100 missing a field is a parser change, not chance
TEXT_DROP = 0.5  # text half its usual length: extraction keeps only part of the page
STATUS_DAYS = 7  # `status --health` lists the anomalies of the last week


def threshold_literals() -> dict[str, str]:
    """The thresholds as SQL literals, named as warehouse/sql/outlet_health.sql uses them."""
    values = {
        "window_days": WINDOW_DAYS,
        "min_history_days": MIN_HISTORY_DAYS,
        "volume_drop": VOLUME_DROP,
        "min_volume": MIN_VOLUME,
        "min_articles": MIN_ARTICLES,
        "share_drop": SHARE_DROP,
        "text_drop": TEXT_DROP,
    }
    return {name: repr(value) for name, value in values.items()}


@dataclass(frozen=True, slots=True)
class OutletDay:
    """One outlet's collection health on one day (the columns shown of an outlet_health row)."""

    day: date
    outlet: str
    urls_discovered: int
    fetched: int
    failed: int
    not_modified_share: float | None
    articles: int
    share_with_title: float | None
    share_with_date: float | None
    share_with_author: float | None
    median_text_chars: float | None
    teaser_share: float | None
    volume_anomaly: bool
    completeness_anomaly: bool
    anomaly_reason: str | None

    @property
    def is_anomalous(self) -> bool:
        """Whether the day is flagged for volume or completeness."""
        return self.volume_anomaly or self.completeness_anomaly


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The latest day of each outlet, and the anomalies of the last days, newest first."""

    latest: list[OutletDay]
    anomalies: list[OutletDay]


# The table's "date" read as `day`, then the other fields by name.
_COLUMNS = ", ".join(['"date"', *(f.name for f in fields(OutletDay)[1:])])


def health_report(root: str | os.PathLike[str], days: int = STATUS_DAYS) -> HealthReport:
    """Each outlet's latest outlet_health row, and every anomaly in the `days` up to the
    lake's latest day; empty if the warehouse predates the table. LakeError without a lake."""
    con = connect_read_only(root)
    try:
        if not _has_health(con):
            return HealthReport([], [])
        latest = con.execute(
            f"SELECT {_COLUMNS} FROM outlet_health "
            'QUALIFY "date" = max("date") OVER (PARTITION BY outlet) ORDER BY outlet'
        ).fetchall()
        anomalies = con.execute(
            f"SELECT {_COLUMNS} FROM outlet_health "
            "WHERE (volume_anomaly OR completeness_anomaly) "
            '  AND "date" > (SELECT max("date") FROM outlet_health) - CAST(? AS INTEGER) '
            'ORDER BY "date" DESC, outlet',
            [days],
        ).fetchall()
    finally:
        con.close()
    return HealthReport([OutletDay(*r) for r in latest], [OutletDay(*r) for r in anomalies])


def run_anomalies(root: str | os.PathLike[str], run_id: str) -> list[OutletDay]:
    """The anomalies flagged on the days a run logged inputs, by outlet."""
    con = connect_read_only(root)
    try:
        if not _has_health(con):
            return []
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM outlet_health "
            'WHERE (volume_anomaly OR completeness_anomaly) AND "date" IN '
            "(SELECT DISTINCT fetch_date FROM fetch_log WHERE run_id = ?) "
            'ORDER BY "date", outlet',
            [run_id],
        ).fetchall()
    finally:
        con.close()
    return [OutletDay(*r) for r in rows]


def day_anomalies(root: str | os.PathLike[str], days: Iterable[date]) -> list[OutletDay]:
    """The anomalies flagged on these days, by outlet (`run_anomalies` for a run's log days
    known without asking fetch_log): only those days' outlet_health files are read."""
    lake, chosen = Lake(root), set(days)
    table_dir = lake.table_dir(OUTLET_HEALTH)
    files = [
        path
        for path in lake.data_files(OUTLET_HEALTH)
        if partition_date(path.relative_to(table_dir).as_posix()) in chosen
    ]
    if not files:
        return []
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM {table_relation(lake, OUTLET_HEALTH, files)} "
            'WHERE volume_anomaly OR completeness_anomaly ORDER BY "date", outlet'
        ).fetchall()
    finally:
        con.close()
    return [OutletDay(*r) for r in rows]


def _has_health(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'outlet_health'"
    ).fetchall()
    return bool(found[0][0])
