"""gold/outlet_health: per outlet-day collection health and its anomaly flags, computed by the
gold refresh from real fetch_log and articles rows, and shown by `status --health` and the
run summary."""

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from lake_rows import logged, stored

from newslake.transforms.records import RunInfo
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.health import day_anomalies, run_anomalies
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import OUTLET_HEALTH
from newslake.warehouse.views import WAREHOUSE

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
DAYS = range(1, 11)  # 2026-03-01 .. 2026-03-10, one run a day
COLLAPSE, NO_TITLES, WIRE_GONE = 6, 8, 10
SHARES = [c.name for c in OUTLET_HEALTH.columns if c.name.endswith("share") or "share_" in c.name]


def run_of(day: int, hour: int = 6) -> RunInfo:
    return RunInfo(f"run-{day:02d}-{hour:02d}", datetime(2026, 3, day, hour, tzinfo=UTC))


def gazette_day(day: int, run: RunInfo) -> tuple[list[dict], list[dict]]:
    """Ten articles a day, a 304 and a robots refusal; on COLLAPSE eight pages fail instead;
    on NO_TITLES every title is gone."""
    log, articles = [], []
    for i in range(10):
        article_id = f"g{day:02d}{i}"
        url = f"https://www.gazette.example/{day}/{i}.html"
        if day == COLLAPSE and i >= 2:
            log.append(logged(url, "timeout", run, status=None))
            continue
        log.append(logged(url, "ok", run, article_id))
        title = None if day == NO_TITLES else f"Headline {i}"
        articles.append(stored(article_id, day, run, "Gazette", url, title=title))
    log.append(logged("https://www.gazette.example/", "not_modified", run, status=304))
    log.append(logged(f"https://gazette.example/private/{day}", "robots_disallowed", run))
    return log, articles


def wire_day(day: int, run: RunInfo) -> tuple[list[dict], list[dict]]:
    """Six articles a day, until the feed dies on WIRE_GONE (nothing is logged at all)."""
    if day >= WIRE_GONE:
        return [], []
    log, articles = [], []
    for i in range(6):
        article_id, url = f"w{day:02d}{i}", f"https://wire.example/{day}-{i}"
        log.append(logged(url, "ok", run, article_id, source="feed:wire"))
        articles.append(stored(article_id, day, run, "Wire", url, source="feed:wire"))
    return log, articles


def write_day(lake: Lake, run: RunInfo, log: list[dict], articles: list[dict]):
    """Commit a run's rows, then refresh gold as a run does; returns the refresh."""
    with lake.writing(run, timeout_s=5) as commit:
        commit.add("fetch_log", log)
        commit.add("articles", articles)
        commit.publish()
        return refresh_gold(lake, run, set())


def health(lake: Lake, columns: str, where: str = "true") -> list[tuple]:
    """(day of month, outlet, *columns) of the outlet_health rows matching `where`."""
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute(
            f'SELECT day("date"), outlet, {columns} FROM outlet_health WHERE {where} ORDER BY ALL'
        ).fetchall()
    finally:
        con.close()


def files(lake: Lake) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in lake.data_files(OUTLET_HEALTH)}


@pytest.fixture(scope="module")
def ten_days(tmp_path_factory) -> tuple[Lake, list]:
    """Two outlets over ten daily runs, each followed by its gold refresh."""
    lake = Lake(tmp_path_factory.mktemp("health") / "lake")
    refreshes = []
    for day in DAYS:
        run = run_of(day)
        (g_log, g_articles), (w_log, w_articles) = gazette_day(day, run), wire_day(day, run)
        refreshes.append(write_day(lake, run, g_log + w_log, g_articles + w_articles))
    return lake, refreshes


def test_each_days_refresh_writes_only_that_day(ten_days):
    _, refreshes = ten_days
    assert [r.health_dates for r in refreshes] == [1] * len(DAYS)


def test_a_collapsed_day_and_a_dead_feed_are_volume_anomalies(ten_days):
    lake, _ = ten_days
    assert health(lake, "articles, anomaly_reason", "volume_anomaly") == [
        (COLLAPSE, "Gazette", 2, "articles 2 vs trailing median 10"),
        (WIRE_GONE, "Wire", 0, "articles 0 vs trailing median 6; "
         "urls_discovered 0 vs trailing median 6"),
    ]  # fmt: skip


def test_vanished_titles_are_a_completeness_anomaly(ten_days):
    lake, _ = ten_days
    assert health(lake, "share_with_title, anomaly_reason", "completeness_anomaly") == [
        (NO_TITLES, "Gazette", 0.0, "share_with_title 0.00 vs trailing median 1.00")
    ]


def test_normal_days_are_not_flagged_and_counts_follow_each_urls_fate(ten_days):
    lake, _ = ten_days
    rows = health(
        lake,
        "urls_discovered, fetched, not_modified, failed, failures_by_outcome, "
        "not_modified_share, robots_refusals, blocked, articles, share_with_title, "
        "share_with_date, share_with_author, teaser_share, history_days, volume_anomaly, "
        "completeness_anomaly, anomaly_reason",
    )
    assert len(rows) == len({(day, outlet) for day, outlet, *_ in rows}) == 20
    by_key = {(day, outlet): rest for day, outlet, *rest in rows}
    robots = {"outcome": "robots_disallowed", "urls": 1}
    assert by_key[(2, "Gazette")] == [
        12, 10, 1, 1, [robots], 1 / 12, 1, 0, 10, 1.0, 1.0, 1.0, 0.0, 1, False, False, None,
    ]  # fmt: skip
    timeouts = {"outcome": "timeout", "urls": 8}
    assert by_key[(COLLAPSE, "Gazette")][:9] == [12, 2, 1, 9, [robots, timeouts], 1 / 12, 1, 0, 2]
    assert by_key[(WIRE_GONE, "Wire")][:9] == [0, 0, 0, 0, [], None, 0, 0, 0]
    flagged = {(COLLAPSE, "Gazette"), (NO_TITLES, "Gazette"), (WIRE_GONE, "Wire")}
    for key, rest in by_key.items():
        if key not in flagged:
            assert rest[-3:] == [False, False, None], key


def test_urls_without_an_article_take_the_outlet_of_their_host(ten_days):
    lake, _ = ten_days
    # The 304 of the home page and the robots refusal of a page never stored are Gazette's.
    assert health(lake, "not_modified, robots_refusals", 'day("date") = 3') == [
        (3, "Gazette", 1, 1),
        (3, "Wire", 0, 0),
    ]


def test_an_unknown_host_is_its_own_outlet(tmp_path):
    lake = Lake(tmp_path / "lake")
    run = run_of(1)
    done = write_day(lake, run, [logged("https://www.nowhere.example/a", "blocked", run)], [])
    assert done.health_dates == 1
    assert health(lake, "failed, blocked") == [(1, "nowhere.example", 1, 1)]


def test_a_refresh_with_nothing_changed_rewrites_nothing(ten_days):
    lake, _ = ten_days
    before, rows = files(lake), health(lake, "*")
    run = run_of(WIRE_GONE, hour=18)
    with lake.writing(run, timeout_s=5):
        assert refresh_gold(lake, run, set()).health_dates == 0
    # A second run the same day that finds every page unchanged changes no row either.
    log, _ = gazette_day(WIRE_GONE, run)
    again = [{**row, "outcome": "unchanged"} if row["outcome"] == "ok" else row for row in log]
    assert write_day(lake, run, again, []).health_dates == 0
    assert files(lake) == before and health(lake, "*") == rows


def test_status_health_lists_outlets_and_anomalies(ten_days):
    lake, _ = ten_days
    result = subprocess.run(
        [NEWSLAKE, "status", "--health", "--lake", str(lake.root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "outlet health" in result.stdout and "Gazette" in result.stdout
    assert "anomaly 2026-03-10 Wire: articles 0 vs trailing median 6" in result.stdout
    assert "anomaly 2026-03-08 Gazette: share_with_title 0.00 vs trailing median 1.00" in (
        result.stdout
    )
    plain = subprocess.run(
        [NEWSLAKE, "status", "--lake", str(lake.root)], capture_output=True, text=True, timeout=120
    )
    assert "latest runs" in plain.stdout and "anomaly" not in plain.stdout


def test_run_summary_has_an_outlet_health_section(ten_days):
    from newslake.flows.artifacts import summary_markdown
    from newslake.flows.summary import RunRows, RunSummary

    lake, _ = ten_days
    flagged = summary_markdown(RunSummary(run_of(WIRE_GONE).run_id, str(lake.root)))
    assert "## Outlet health" in flagged
    assert "- 2026-03-10 Wire: articles 0 vs trailing median 6" in flagged
    quiet = summary_markdown(RunSummary(run_of(9).run_id, str(lake.root)))
    assert "## Outlet health\n\nNo anomalies.\n" in quiet
    # From the run's own log days, only those days' outlet_health files are read: the same.
    for day in (WIRE_GONE, 9):
        written = RunRows(0, 0, frozenset({run_of(day).started_at.date()}))
        own = RunSummary(run_of(day).run_id, str(lake.root), written=written)
        alone = summary_markdown(replace(own, written=None))
        assert (
            summary_markdown(own).split("## Outlet health")[1] == alone.split("## Outlet health")[1]
        )
    assert day_anomalies(lake.root, [run_of(WIRE_GONE).started_at.date()]) == run_anomalies(
        lake.root, run_of(WIRE_GONE).run_id
    )
    assert day_anomalies(lake.root, []) == []


@pytest.mark.usefixtures("prefect_backend")
def test_the_sample_corpus_has_one_row_per_outlet_day_with_shares_in_range(tmp_path, sample_dir):
    from newslake.flows.ingest import run_ingest

    lake = tmp_path / "lake"
    run_ingest(sources=[str(sample_dir)], lake=str(lake), workers=1)
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        out_of_range = " OR ".join(f"{share} NOT BETWEEN 0 AND 1" for share in SHARES)
        (rows, keys, urls, articles, bad_shares, flagged) = con.execute(
            'SELECT count(*), count(DISTINCT ("date", outlet)), sum(urls_discovered), '
            f"sum(articles), count(*) FILTER (WHERE {out_of_range}), "
            "count(*) FILTER (WHERE volume_anomaly OR completeness_anomaly) FROM outlet_health"
        ).fetchall()[0]
        (logged_urls, stored_articles, article_outlets) = con.execute(
            "SELECT (SELECT count(DISTINCT url) FROM fetch_log), "
            "(SELECT count(*) FROM articles WHERE access IS DISTINCT FROM 'blocked'), "
            "(SELECT count(DISTINCT outlet) FROM articles)"
        ).fetchall()[0]
    finally:
        con.close()
    assert rows == keys >= article_outlets  # one row per outlet-day, every outlet there
    assert urls == logged_urls and articles == stored_articles
    assert bad_shares == 0
    assert flagged == 0  # one day is no history to judge by
