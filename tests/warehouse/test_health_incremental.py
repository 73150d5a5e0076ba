"""gold/outlet_health kept up to date from the days a commit reaches must equal the table
computed whole from every log row and article, run after run."""

from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq
import pytest
from lake_rows import logged, stored

from newslake.transforms.records import RunInfo
from newslake.warehouse import health_refresh
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.health import threshold_literals
from newslake.warehouse.lake import Lake
from newslake.warehouse.page_keys import keep_page_keys
from newslake.warehouse.schemas import ARTICLES, FETCH_LOG, OUTLET_HEALTH
from newslake.warehouse.views import load_sql, table_relation

COLUMNS = ", ".join(f'"{n}"' for n in [OUTLET_HEALTH.partition, *OUTLET_HEALTH.schema.names])


def run_of(day: int, hour: int = 6) -> RunInfo:
    return RunInfo(f"run-{day:02d}-{hour:02d}", datetime(2026, 3, day, hour, tzinfo=UTC))


def day_rows(day: int, run: RunInfo, outlet: str = "Alpha", count: int = 6):
    """`count` articles of mixed.example under `outlet`, and two URLs of it that failed."""
    log, articles = [], []
    for i in range(count):
        article_id, url = f"{outlet[0]}{day:02d}{i}", f"https://www.mixed.example/{day}/{i}"
        log.append(logged(url, "ok", run, article_id))
        articles.append(stored(article_id, day, run, outlet, url, title=f"Title {i}"))
    log += [logged(f"https://mixed.example/bad/{day}/{i}", "timeout", run) for i in range(2)]
    return log, articles


@pytest.fixture(autouse=True, params=["files", "segments"])
def page_keys_kept(request, monkeypatch) -> None:
    """Each test twice: reading every article file, and with the page key segments a run's
    commit writes (the articles the catch-up reads are found through them)."""
    monkeypatch.setitem(KEEP, "segments", request.param == "segments")


KEEP = {"segments": False}


def commit(lake: Lake, run: RunInfo, log: list[dict], articles=(), remove=None):
    with lake.writing(run, timeout_s=5) as staged:
        staged.add("fetch_log", log)
        staged.add("articles", list(articles))
        for rel, ids in (remove or {}).items():
            staged.remove("articles", rel, ids)
        staged.publish()
        if KEEP["segments"]:
            keep_page_keys(lake)
        return refresh_gold(lake, run, set())


def whole(lake: Lake) -> list[tuple]:
    """outlet_health computed from every row, as before it was kept up to date by day."""
    site = load_sql("url_site")
    log, articles = table_relation(lake, FETCH_LOG), table_relation(lake, ARTICLES)
    counts = load_sql("site_articles", fetch_log=log, articles=articles, site=site)
    fresh = load_sql(
        "outlet_health",
        fetch_log=log,
        articles=articles,
        site_articles=f"({counts})",
        site=site,
        **threshold_literals(),
    )
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(f"SELECT {COLUMNS} FROM ({fresh}) ORDER BY ALL").fetchall()
    finally:
        con.close()


def counts(lake: Lake) -> tuple[list[tuple], list[tuple]]:
    """The site counts kept beside the lake, and the same counted from every row."""
    site, log, articles = (
        load_sql("url_site"),
        table_relation(lake, FETCH_LOG),
        table_relation(lake, ARTICLES),
    )
    con = duckdb.connect()
    try:
        counted = load_sql("site_articles", fetch_log=log, articles=articles, site=site)
        fresh = con.execute(f"SELECT * FROM ({counted}) ORDER BY ALL").fetchall()
    finally:
        con.close()
    held = pq.read_table(lake.root / health_refresh.STATE).to_pylist()
    return sorted(tuple(row.values()) for row in held), fresh


def kept(lake: Lake) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        relation = table_relation(Lake(lake.root), OUTLET_HEALTH)
        return con.execute(f"SELECT {COLUMNS} FROM {relation} ORDER BY ALL").fetchall()
    finally:
        con.close()


def written(path) -> tuple[int, int, int]:
    """Which write of a file this is (reading it moves only its access time)."""
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


@pytest.fixture
def caught_up(monkeypatch) -> list:
    """The days each incremental refresh found changed (None: it computed every day)."""
    found: list = []
    original = health_refresh._catch_up

    def spy(*args):
        result = original(*args)
        found.append(result[1])
        return result

    monkeypatch.setattr(health_refresh, "_catch_up", spy)
    return found


def test_runs_with_new_days_updates_and_a_changed_majority_equal_the_whole_table(
    tmp_path, caught_up
):
    lake = Lake(tmp_path / "lake")
    for day in range(1, 9):
        commit(lake, run_of(day), *day_rows(day, run_of(day)))
        assert kept(lake) == whole(lake)
    assert len(caught_up) == 7  # the first refresh had nothing kept: it computed every day
    assert all(days is not None for days in caught_up)
    # An article of day 3 updated on day 9: that day's title share changes.
    (rel,) = [
        f"{p.parent.name}/{p.name}"
        for p in lake.data_files(ARTICLES)
        if p.parent.name == "published_date=2026-03-03"
    ]
    run = run_of(9)
    updated = stored("A030", 3, run, "Alpha", "https://www.mixed.example/3/0", title=None)
    commit(lake, run, [logged(updated["url"], "updated", run, "A030")], [updated], {rel: ["A030"]})
    assert kept(lake) == whole(lake)
    assert {day.day for day in caught_up[-1]} == {3, 9}
    # Day 10 brings more articles of the same site under another outlet than all before:
    # the failed URLs of every earlier day change outlet.
    commit(lake, run_of(10), *day_rows(10, run_of(10), outlet="Beta", count=60))
    assert kept(lake) == whole(lake)
    assert {day.day for day in caught_up[-1]} == set(range(1, 11))
    assert {row[1] for row in kept(lake) if row[0].day == 1} == {"Alpha", "Beta"}
    held, fresh = counts(lake)
    assert held == fresh


def test_a_run_that_only_logs_recomputes_its_own_day(tmp_path, caught_up):
    lake = Lake(tmp_path / "lake")
    for day in range(1, 6):
        commit(lake, run_of(day), *day_rows(day, run_of(day)))
    before = kept(lake)
    run = run_of(5, hour=18)  # the same sources again: every page unchanged
    log, _ = day_rows(5, run)
    repeat = [{**row, "outcome": "unchanged"} if row["article_id"] else row for row in log]
    site_days = written(lake.root / health_refresh.SITE_DAYS)
    assert commit(lake, run, repeat).health_dates == 0
    assert written(lake.root / health_refresh.SITE_DAYS) == site_days  # no new (site, day)
    assert {day.day for day in caught_up[-1]} == {5}
    assert kept(lake) == before == whole(lake)
    run = run_of(12)  # days later: the gap's days are not listed, the new one is
    commit(lake, run, day_rows(12, run)[0])
    assert {day.day for day in caught_up[-1]} == {12}
    assert kept(lake) == whole(lake)


def test_counts_that_do_not_match_the_lake_are_not_used(tmp_path, caught_up):
    lake = Lake(tmp_path / "lake")
    for day in range(1, 4):
        commit(lake, run_of(day), *day_rows(day, run_of(day)))
    (lost,) = [p for p in lake.data_files(OUTLET_HEALTH) if p.parent.name == "date=2026-03-02"]
    with lake.writing(run_of(3, 12), timeout_s=5) as staged:  # outlet_health moved by another
        staged.drop(OUTLET_HEALTH.name, f"{lost.parent.name}/{lost.name}")
        staged.publish()
    run, incremental = run_of(4), len(caught_up)
    assert commit(lake, run, *day_rows(4, run)).health_dates == 2  # the lost day and the new
    assert len(caught_up) == incremental  # every day was computed
    assert kept(lake) == whole(lake)
    (lake.root / health_refresh.STATE).unlink()  # a lake copied without its kept counts
    run, incremental = run_of(5), len(caught_up)
    commit(lake, run, *day_rows(5, run))
    assert len(caught_up) == incremental
    assert kept(lake) == whole(lake)
    assert (lake.root / health_refresh.STATE).exists()  # kept again for the next run
    (lake.root / health_refresh.SITE_DAYS).unlink()  # counts kept by a version without days
    run, incremental = run_of(6), len(caught_up)
    commit(lake, run, *day_rows(6, run))
    assert len(caught_up) == incremental + 1  # the counts were used, the days counted again
    assert kept(lake) == whole(lake)
    assert (lake.root / health_refresh.SITE_DAYS).exists()


def test_articles_that_move_outlet_or_go_are_counted_from_what_changed(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    for day in range(1, 5):
        commit(lake, run_of(day), *day_rows(day, run_of(day)))
    reads: list = []  # (table, files) of each relation the refresh builds
    relation, naming = health_refresh.table_relation, health_refresh._keep_earlier_rows

    def spied(lake, spec, files=None):
        reads.append((spec.name, files))
        return relation(lake, spec, files)

    earlier: list = []  # the log files read for the changed articles' earlier rows
    monkeypatch.setattr(health_refresh, "table_relation", spied)
    monkeypatch.setattr(
        health_refresh,
        "_keep_earlier_rows",
        lambda con, lake, files: earlier.append(files) or naming(con, lake, files),
    )
    # Day 5: new articles, and two articles of day 2 moved to another outlet by an update.
    run = run_of(5)
    log, articles = day_rows(5, run)
    (rel,) = [
        f"{p.parent.name}/{p.name}"
        for p in lake.data_files(ARTICLES)
        if p.parent.name == "published_date=2026-03-02"
    ]
    for i in (0, 1):
        url = f"https://www.mixed.example/2/{i}"
        articles.append(stored(f"A02{i}", 2, run, "Gamma", url, title=f"Title {i}"))
        log.append(logged(url, "updated", run, f"A02{i}"))
    commit(lake, run, log, articles, {rel: ["A020", "A021"]})
    assert kept(lake) == whole(lake)
    held, fresh = counts(lake)
    assert held == fresh and ("feed:gazette", "mixed.example", "Gamma", 4) in held
    assert ("fetch_log", None) not in reads and ("articles", None) not in reads
    if KEEP["segments"]:  # of the earlier days, only the one naming the moved articles
        assert {p.parent.name for files in earlier for p in files} == {"fetch_date=2026-03-02"}
    # Day 6: an article of day 3 removed, none stored in its place.
    (rel,) = [
        f"{p.parent.name}/{p.name}"
        for p in lake.data_files(ARTICLES)
        if p.parent.name == "published_date=2026-03-03"
    ]
    run = run_of(6)
    commit(lake, run, day_rows(6, run)[0], remove={rel: ["A030"]})
    assert kept(lake) == whole(lake)
    assert counts(lake)[0] == counts(lake)[1]
    assert {row[1] for row in kept(lake) if row[0].day == 2} == {"Alpha", "Gamma"}


def test_a_site_new_to_the_counts_moves_its_failed_days_without_reading_every_log_row(
    tmp_path, monkeypatch, caught_up
):
    lake = Lake(tmp_path / "lake")
    for day in range(1, 5):  # fresh.example only ever failed: no outlet is known for it
        log, articles = day_rows(day, run_of(day))
        log.append(logged(f"https://fresh.example/bad/{day}", "timeout", run_of(day)))
        commit(lake, run_of(day), log, articles)
    reads: list = []  # (table, files) of each relation the refresh builds
    relation = health_refresh.table_relation

    def spied(lake, spec, files=None):
        reads.append((spec.name, files))
        return relation(lake, spec, files)

    monkeypatch.setattr(health_refresh, "table_relation", spied)
    # Day 5: its first article, under Delta: its failed URLs of days 1-4 are Delta's now.
    run = run_of(5)
    log, articles = day_rows(5, run)
    log.append(logged("https://www.fresh.example/5/0", "ok", run, "D050"))
    articles.append(stored("D050", 5, run, "Delta", "https://www.fresh.example/5/0"))
    commit(lake, run, log, articles)
    assert {day.day for day in caught_up[-1]} == {1, 2, 3, 4, 5}
    assert kept(lake) == whole(lake)
    assert {row[1] for row in kept(lake) if row[0].day == 1} == {"Alpha", "Delta"}
    assert ("fetch_log", None) not in reads  # the site's days were kept, not scanned for
    held = pq.read_table(lake.root / health_refresh.SITE_DAYS).to_pylist()
    assert [row["fetch_date"].day for row in held if row["site"] == "fresh.example"] == [
        1, 2, 3, 4, 5,
    ]  # fmt: skip
