"""gold/outlet_health brought up to date by each gold commit, computing again only the days a
change since the last one can reach.

A day's rows depend on more than that day's fetch_log: the articles its log rows name (an
article updated later changes every day that stored it), the outlet a failed URL's site
mostly carries over all time, and the days before it (trailing medians over WINDOW_DAYS, and
an outlet seen within them is listed even when silent). So the days computed again are those
whose log rows changed, those whose log rows name an article that changed, and those whose
log rows are of a site whose majority outlet changed, each with the SPAN_DAYS after it; the
rows of all other days cannot differ from a full computation.

The majority needs counts over every log row (site_articles.sql), and the days a site's
majority reaches need each site's days of log rows. Both are kept beside the lake, in
`_gold_state/`, with the identity of the table versions they count (and of the outlet_health
version computed from them), and brought forward from the log files a commit added and the
earlier log rows of the articles it changed. Whenever the kept counts do not
match the lake they say they count (none yet, a commit of outlet_health by anything else, a
killed run, a lake copied without them), the whole table is computed, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newslake.warehouse.atomic import write_whole
from newslake.warehouse.delta import LOG
from newslake.warehouse.gold_stage import stage_by_partition
from newslake.warehouse.health import WINDOW_DAYS, threshold_literals
from newslake.warehouse.lake import Commit, Lake, partition_date, partition_dir
from newslake.warehouse.page_keys import files_naming
from newslake.warehouse.schemas import ARTICLES, FETCH_LOG, OUTLET_HEALTH, TableSpec
from newslake.warehouse.views import load_sql, table_relation

STATE = Path("_gold_state") / "site_articles.parquet"
SITE_DAYS = Path("_gold_state") / "site_days.parquet"  # (site, fetch_date) of every log row
# A day's log rows reach its own rows and, through the trailing window of the days listed
# after it and their trailing medians, the rows of this many days after it.
SPAN_DAYS = 2 * WINDOW_DAYS
_INPUTS = (FETCH_LOG, ARTICLES, OUTLET_HEALTH)
# The columns of articles that outlet_health.sql reads.
_ARTICLE_COLUMNS = "article_id, outlet, title, published_at, authors, language, access, text"
_COUNTS = pa.schema(
    [("source", pa.string()), ("site", pa.string()), ("outlet", pa.string()), ("n", pa.int64())]
)
_SITE_DAYS = pa.schema([("site", pa.string()), ("fetch_date", pa.date32())])


@dataclass(frozen=True, slots=True)
class HealthStaged:
    """What staging outlet_health did: dates rewritten, and the site counts and site days it
    used (to keep once the commit is published; site days None: the kept ones still hold)."""

    dates: int
    counts: pa.Table
    site_days: pa.Table | None


def stage_outlet_health(con: duckdb.DuckDBPyConnection, lake: Lake, commit: Commit) -> HealthStaged:
    """Stage the gold/outlet_health dates whose rows differ from a fresh computation: of the
    days the changes since the kept counts reach, or of every day without them."""
    site = load_sql("url_site")
    kept = _load(lake)
    caught = (None, None, set(), None) if kept is None else _catch_up(con, lake, kept, site)
    counts, days, near, site_days = caught
    if counts is None:
        counts = con.sql(
            load_sql(
                "site_articles",
                fetch_log=table_relation(lake, FETCH_LOG),
                articles=table_relation(lake, ARTICLES),
                site=site,
            )
        ).to_arrow_table()
        counts = counts.cast(_COUNTS)
    if site_days is None:
        site_days = _site_days(con, table_relation(lake, FETCH_LOG), site)
    elif kept is not None and site_days is kept.site_days:
        site_days = None  # no new (site, day): the kept file stays as it is
    if days is not None and not days:
        return HealthStaged(0, counts, site_days)
    con.register("site_counts", counts)
    log_files = articles = stored_files = None
    if days is not None:
        log_files = _near_log(lake, days)
        stored_files = [f for f in lake.data_files(OUTLET_HEALTH) if _day(f) in _reached(days)]
        if not days <= near:
            _near_articles(con, lake, days)
        articles = "near_articles"
    fresh = load_sql(
        "outlet_health",
        fetch_log=table_relation(lake, FETCH_LOG, log_files),
        articles=articles or table_relation(lake, ARTICLES),
        site_articles="site_counts",
        site=site,
        **threshold_literals(),
    )
    if days is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE fresh_health AS {fresh}")
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE fresh_health AS "
            f'SELECT * FROM ({fresh}) WHERE list_contains(?, "date")',
            [sorted(_reached(days))],
        )
    return HealthStaged(_stage_changed(con, lake, commit, stored_files), counts, site_days)


def keep_counts(lake: Lake, staged: HealthStaged) -> None:
    """Keep the site counts and site days beside the lake, as counting the tables it shows
    now (call once the gold commit that used them is published). The site days are written
    only when they changed; the counts, written every time, name the file they go with."""
    identity = _identity(lake)
    counts, days = lake.root / STATE, lake.root / SITE_DAYS
    if identity is None:
        counts.unlink(missing_ok=True)
        days.unlink(missing_ok=True)
        return
    if staged.site_days is not None:
        write_whole(days, partial(pq.write_table, staged.site_days))
    meta = {b"identity": json.dumps(identity).encode(), b"site_days": _stamp(days).encode()}
    write_whole(counts, partial(pq.write_table, staged.counts.replace_schema_metadata(meta)))


def _stamp(path: Path) -> str:
    """What tells one written file from another: its size and modification time."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dataclass(frozen=True, slots=True)
class _Kept:
    counts: pa.Table
    site_days: pa.Table | None  # None: not kept with the counts (counted again in one scan)
    versions: dict[str, int]


def _load(lake: Lake) -> _Kept | None:
    """The kept counts (and site days), if they count the tables the lake shows now but for
    fetch_log and articles (the outlet_health they were computed for must be the lake's)."""
    try:
        table = pq.read_table(lake.root / STATE)
        identity = json.loads((table.schema.metadata or {})[b"identity"])
        stamp = (table.schema.metadata or {}).get(b"site_days", b"").decode()
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    days: pa.Table | None = None
    if stamp and stamp == _stamp(lake.root / SITE_DAYS):  # the file the counts were kept with
        try:
            days = pq.read_table(lake.root / SITE_DAYS)
        except (OSError, pa.ArrowException):
            days = None
    now = _identity(lake)
    if now is None or identity.get(OUTLET_HEALTH.name) != now.get(OUTLET_HEALTH.name):
        return None
    if not all(_log_unchanged(lake, name, entry) for name, entry in identity.items()):
        return None  # a table's log was made anew since (its versions count again from 0)
    versions = {name: entry[0] for name, entry in identity.items() if entry is not None}
    return _Kept(table.cast(_COUNTS), None if days is None else days.cast(_SITE_DAYS), versions)


def _catch_up(
    con: duckdb.DuckDBPyConnection, lake: Lake, kept: _Kept, site: str
) -> tuple[pa.Table | None, set[date] | None, set[date], pa.Table | None]:
    """The counts now and the days whose rows may have changed since the kept counts, or
    None for both when they cannot be told (a file of then is gone, an undated log row); the
    days whose articles `near_articles` holds; and the site days now (None: count them anew).

    The counts move by the log rows added (with the articles they name now) and by the
    earlier log rows of the articles that changed (each article's rows of then subtracted,
    of now added): both are found through the page key segments, so a run reads what it
    changed, not the lake. Only log rows removed (a compaction of fetch_log) count again
    from every row. The days of a site whose majority outlet moved come from the site days,
    kept as the counts are, not from a scan of every log row."""
    then = Lake(lake.root, kept.versions)
    log_now, log_then = set(lake.data_files(FETCH_LOG)), set(then.data_files(FETCH_LOG))
    art_now, art_then = set(lake.data_files(ARTICLES)), set(then.data_files(ARTICLES))
    log_added, log_removed = log_now - log_then, log_then - log_now
    art_added, art_removed = art_now - art_then, art_then - art_now
    if not all(path.exists() for path in art_removed | log_removed):
        return None, None, set(), None  # vacuumed since: what changed cannot be read
    found = {_day(path) for path in log_added | log_removed}
    if None in found:
        return None, None, set(), None
    days: set[date] = {day for day in found if day is not None}
    if not (log_added or log_removed or art_added or art_removed):
        return kept.counts, set(), set(), kept.site_days
    con.register("kept_counts", kept.counts)
    earlier: list[Path] = []  # log files of before this catch-up naming a changed article
    if art_added or art_removed:
        earlier = _changed_articles(con, lake, art_added, art_removed, log_added)
        _keep_earlier_rows(con, lake, earlier)
        dated = con.execute("SELECT DISTINCT fetch_date FROM earlier_rows")
        reached = {day for (day,) in dated.fetchall()}
        if None in reached:
            return None, None, set(), None
        days |= reached
    near: set[date] = set()
    if log_removed:
        counted = load_sql(
            "site_articles",
            fetch_log=table_relation(lake, FETCH_LOG),
            articles=table_relation(lake, ARTICLES),
            site=site,
        )
    else:
        near = _near_articles(con, lake, days)  # the added rows' articles among them
        parts = [
            "SELECT * FROM kept_counts",
            load_sql(
                "site_articles",
                fetch_log=table_relation(lake, FETCH_LOG, sorted(log_added)),
                articles="near_articles",
                site=site,
            ),
        ]
        if earlier:
            parts.append(
                f"SELECT l.source, {site} AS site, d.outlet, sum(d.n) AS n "
                "FROM earlier_rows l JOIN article_moves d USING (article_id) "
                "GROUP BY ALL"
            )
        counted = (
            "SELECT source, site, outlet, CAST(sum(n) AS BIGINT) AS n FROM "
            f"({' UNION ALL '.join(parts)}) GROUP BY ALL HAVING sum(n) > 0"
        )
    counts = con.sql(counted).to_arrow_table().cast(_COUNTS)
    if log_removed or kept.site_days is None:
        site_days = _site_days(con, table_relation(lake, FETCH_LOG), site)
    else:
        con.register("kept_site_days", kept.site_days)
        added = _site_days(con, table_relation(lake, FETCH_LOG, sorted(log_added)), site)
        con.register("added_site_days", added)
        new = "SELECT * FROM added_site_days EXCEPT SELECT * FROM kept_site_days"
        site_days = kept.site_days
        if con.execute(f"SELECT count(*) FROM ({new})").fetchall()[0][0]:
            site_days = con.sql(
                "SELECT * FROM kept_site_days UNION SELECT * FROM added_site_days ORDER BY ALL"
            ).to_arrow_table()
            site_days = site_days.cast(_SITE_DAYS)
    con.register("now_counts", counts)
    con.register("now_site_days", site_days)
    sites = load_sql("site_outlets_changed", old="kept_counts", new="now_counts")
    con.execute(f"CREATE OR REPLACE TEMP TABLE changed_sites AS {sites}")
    if con.execute("SELECT count(*) FROM changed_sites").fetchall()[0][0]:
        rows = con.execute(  # a site's majority moved: its failed URLs of every day move
            "SELECT DISTINCT fetch_date FROM now_site_days "
            "WHERE site IN (SELECT site FROM changed_sites)"
        ).fetchall()
        if any(day is None for (day,) in rows):
            return None, None, set(), None
        days |= {day for (day,) in rows}
    return counts, days, near, site_days


def _site_days(con: duckdb.DuckDBPyConnection, log: str, site: str) -> pa.Table:
    """The (site, fetch_date) of the rows of a fetch_log relation, each once."""
    rows = con.sql(f"SELECT DISTINCT {site} AS site, fetch_date FROM {log} ORDER BY ALL")
    return rows.to_arrow_table().cast(_SITE_DAYS)


def _changed_articles(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    added: set[Path],
    removed: set[Path],
    log_added: set[Path],
) -> list[Path]:
    """Make `changed_articles` the ids of the article rows added or removed since the kept
    counts, and `article_moves` how each one's count moved by outlet (+1 stored now, -1
    stored then); returns the log files of then that name one of them."""
    rows = " UNION ALL ".join(
        f"SELECT article_id, outlet, {sign} AS n FROM {table_relation(lake, ARTICLES, files)}"
        for sign, files in ((1, sorted(added)), (-1, sorted(removed)))
        if files
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE article_rows AS {rows}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE changed_articles AS "
        "SELECT DISTINCT article_id FROM article_rows"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE article_moves AS SELECT article_id, outlet, sum(n) AS n "
        "FROM article_rows WHERE outlet IS NOT NULL GROUP BY ALL HAVING sum(n) <> 0"
    )
    naming = files_naming(lake, con, FETCH_LOG, "changed_articles")
    return [path for path in naming if path not in log_added]


def _keep_earlier_rows(con: duckdb.DuckDBPyConnection, lake: Lake, files: list[Path]) -> None:
    """Make `earlier_rows` the rows of these fetch_log files that name a changed article (read
    once: they give both the days reached and the counts moved)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE earlier_rows AS SELECT fetch_date, source, url, article_id "
        f"FROM {table_relation(lake, FETCH_LOG, files)} "
        "WHERE article_id IN (SELECT article_id FROM changed_articles)"
    )


def _near_log(lake: Lake, days: set[date]) -> list[Path]:
    """The fetch_log files of the days the rows of `days` depend on (SPAN_DAYS either side:
    the rows reached and the trailing days of each)."""
    near = {day + timedelta(n) for day in days for n in range(-SPAN_DAYS, SPAN_DAYS + 1)}
    return [path for path in lake.data_files(FETCH_LOG) if _day(path) in near]


def _near_articles(con: duckdb.DuckDBPyConnection, lake: Lake, days: set[date]) -> set[date]:
    """Make `near_articles` the stored articles that the log rows near `days` name, read from
    the files the page key segments say hold them (warehouse/page_keys.py); returns `days`."""
    log = table_relation(lake, FETCH_LOG, _near_log(lake, days))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE near_ids AS SELECT DISTINCT article_id "
        f"FROM {log} WHERE article_id IS NOT NULL"
    )
    files = files_naming(lake, con, ARTICLES, "near_ids")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE near_articles AS SELECT {_ARTICLE_COLUMNS} FROM "
        f"{table_relation(lake, ARTICLES, files)} WHERE article_id IN "
        "(SELECT article_id FROM near_ids)"
    )
    return days


def _stage_changed(
    con: duckdb.DuckDBPyConnection, lake: Lake, commit: Commit, stored: list[Path] | None
) -> int:
    """Stage the dates whose rows in `fresh_health` differ from the stored ones (of the
    `stored` files, or of every file)."""
    columns = ", ".join(
        f'"{name}"' for name in [OUTLET_HEALTH.partition, *OUTLET_HEALTH.schema.names]
    )
    changed = load_sql(
        "outlet_health_changed",
        fresh="fresh_health",
        stored=table_relation(lake, OUTLET_HEALTH, stored),
        columns=columns,
    )
    dates = [day for (day,) in con.execute(changed).fetchall()]
    if not dates:
        return 0
    for day in dates:
        commit.clear(OUTLET_HEALTH.name, partition_dir(OUTLET_HEALTH, {"date": day}))
    rows = con.sql(
        f'SELECT {columns} FROM fresh_health WHERE list_contains(?, "date") '
        'ORDER BY "date", outlet',
        params=[dates],
    )
    stage_by_partition(commit, OUTLET_HEALTH, rows, order="date")
    return len(dates)


def _reached(days: set[date] | None) -> set[date]:
    """The days whose rows the changes of `days` can reach."""
    return {day + timedelta(n) for day in days or () for n in range(SPAN_DAYS + 1)}


def _day(path: Path) -> date | None:
    """The date of a file's partition directory."""
    return partition_date(f"{path.parent.name}/{path.name}")


def _identity(lake: Lake) -> dict[str, list[int] | None] | None:
    """Each input table's version and its log entry's modification time (None: no table);
    None if a version's log entry is gone."""
    found: dict[str, list[int] | None] = {}
    for spec in _INPUTS:
        found[spec.name] = _entry(lake, spec)
        if found[spec.name] == []:
            return None
    return found


def _entry(lake: Lake, spec: TableSpec) -> list[int] | None:
    version = lake.versions().get(spec.name)
    if version is None:
        return None
    try:
        stamp = (lake.table_dir(spec) / LOG / f"{version:020d}.json").stat().st_mtime_ns
    except FileNotFoundError:
        return []
    return [version, stamp]


def _log_unchanged(lake: Lake, name: str, entry: list[int] | None) -> bool:
    """Whether the log entry of a kept version is still the one it was."""
    if entry is None:
        return True
    spec = next(spec for spec in _INPUTS if spec.name == name)
    log = lake.table_dir(spec) / LOG / f"{entry[0]:020d}.json"
    try:
        return log.stat().st_mtime_ns == entry[1]
    except FileNotFoundError:
        return False
