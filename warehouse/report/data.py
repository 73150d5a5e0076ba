"""What `newslake report` shows: its records, read from the lake's views and restricted to a
topic and a start date.

Counts follow the views: an article counts once under each topic it matches ('(none)' if
none), outlets without a name are '(unknown)', and stories are distinct `story_id`s. Claims
are regrouped over the articles in scope with `claim_clusters.sql` itself, so support, first
and last appearance and figures are those of the report's articles only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from newslake.transforms.errors import ConfigError
from newslake.warehouse.views import WAREHOUSE, connect_read_only, load_sql


@dataclass(frozen=True, slots=True)
class DayCount:
    """Articles and distinct stories published on one day under one key (topic or outlet)."""

    date: date
    key: str
    articles: int
    stories: int


@dataclass(frozen=True, slots=True)
class OutletRow:
    """An outlet's volume and its share of the report's articles and stories."""

    outlet: str
    articles: int
    stories: int
    article_share: float
    story_share: float
    first_date: date | None
    last_date: date | None


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story (near-duplicate cluster) and how widely it was carried."""

    story_id: str
    title: str | None
    outlets: int
    articles: int
    first_published: datetime | None
    outlet_names: list[str]


@dataclass(frozen=True, slots=True)
class Figure:
    """One distinct figure a claim states, normalised, with the sentences stating it."""

    kind: str
    unit: str | None
    value: float
    text: str
    mentions: int


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """A recurring claim: its earliest wording, support, span and figures."""

    claim_id: str
    text: str
    stories: int
    outlets: int
    articles: int
    first_seen: datetime | None
    last_seen: datetime | None
    outlet_order: list[str]
    attributed_to: list[str]
    figures: list[Figure]


@dataclass(frozen=True, slots=True)
class ClaimDay:
    """How many stories, outlets and articles stated a claim on one day."""

    claim_id: str
    date: date
    stories: int
    outlets: int
    articles: int


@dataclass(frozen=True, slots=True)
class FigureSpread:
    """A claim's figures of one kind and unit that disagree (the `claim_figures` view)."""

    claim_id: str
    kind: str
    unit: str | None
    low: float
    high: float
    figures: list[Figure]


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the report shows, already restricted to its topic and start date."""

    lake: str
    topic: str | None
    since: date | None
    articles: int
    stories: int
    outlets: int
    undated: int
    first_date: date | None
    last_date: date | None
    topic_days: list[DayCount] = field(default_factory=list)
    outlet_days: list[DayCount] = field(default_factory=list)
    total_days: list[DayCount] = field(default_factory=list)
    outlet_rows: list[OutletRow] = field(default_factory=list)
    story_rows: list[StoryRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    claim_days: list[ClaimDay] = field(default_factory=list)
    spreads: list[FigureSpread] = field(default_factory=list)


TOP_STORIES = 15
TOP_CLAIMS = 15

# The report's articles: every article, or those of one topic, published on or after a day.
_SCOPE = """
CREATE TEMP TABLE scope AS
SELECT
    article_id, story_id, is_story_canonical, title, published_at, published_date,
    coalesce(outlet, '(unknown)') AS outlet,
    CASE WHEN len(topics) = 0 THEN ['(none)'] ELSE topics END AS topics
FROM articles
WHERE (CAST($topic AS VARCHAR) IS NULL OR list_contains(
        CASE WHEN len(topics) = 0 THEN ['(none)'] ELSE topics END, CAST($topic AS VARCHAR)))
    AND (CAST($since AS DATE) IS NULL OR published_date >= CAST($since AS DATE))
"""

_TOTALS = """
SELECT
    count(*), count(DISTINCT story_id), count(DISTINCT outlet),
    count(*) FILTER (WHERE published_date IS NULL), min(published_date), max(published_date)
FROM scope
"""

_TOPIC_DAYS = """
SELECT published_date, topic, count(*), count(DISTINCT story_id)
FROM (SELECT published_date, story_id, unnest(topics) AS topic FROM scope)
WHERE published_date IS NOT NULL
    AND (CAST($topic AS VARCHAR) IS NULL OR topic = CAST($topic AS VARCHAR))
GROUP BY ALL ORDER BY ALL
"""

_OUTLET_DAYS = """
SELECT published_date, outlet, count(*), count(DISTINCT story_id)
FROM scope WHERE published_date IS NOT NULL
GROUP BY ALL ORDER BY ALL
"""

_TOTAL_DAYS = """
SELECT published_date, 'all', count(*), count(DISTINCT story_id)
FROM scope WHERE published_date IS NOT NULL
GROUP BY ALL ORDER BY ALL
"""

# As the share_of_voice view: an outlet's stories over the sum of every outlet's stories.
_OUTLETS = """
SELECT
    outlet, count(*) AS articles, count(DISTINCT story_id) AS stories,
    count(*) / sum(count(*)) OVER () AS article_share,
    count(DISTINCT story_id) / sum(count(DISTINCT story_id)) OVER () AS story_share,
    min(published_date), max(published_date)
FROM scope
GROUP BY outlet
ORDER BY articles DESC, stories DESC, outlet
"""

_STORIES = """
SELECT
    story_id,
    arg_min(title, (NOT is_story_canonical, coalesce(published_at, TIMESTAMPTZ '9999-12-31'),
        article_id)) AS title,
    count(DISTINCT outlet) AS outlets,
    count(*) AS articles,
    min(published_at) AS first_published,
    list(DISTINCT outlet ORDER BY outlet) AS outlet_names
FROM scope
GROUP BY story_id
ORDER BY outlets DESC, articles DESC, first_published NULLS LAST, story_id
LIMIT $limit
"""

_CLAIM_DAYS = """
SELECT
    claim_id, published_date, count(DISTINCT story_id), count(DISTINCT outlet),
    count(DISTINCT article_id)
FROM scope_claims
WHERE published_date IS NOT NULL AND list_contains($ids, claim_id)
GROUP BY ALL ORDER BY ALL
"""


def load_report(
    root: str | os.PathLike[str],
    *,
    topic: str | None = None,
    since: date | None = None,
    min_stories: int = 2,
    top_stories: int = TOP_STORIES,
    top_claims: int = TOP_CLAIMS,
) -> ReportData:
    """The report's data for a lake, restricted to `topic` and to articles published on or
    after `since`; ConfigError if there is no lake or nothing in scope."""
    lake = Path(root).expanduser()
    if not (lake / WAREHOUSE).exists():
        raise ConfigError(f"no lake at {lake}: run `newslake run` or `newslake demo` first")
    con = connect_read_only(lake)
    try:
        return _load(con, lake, topic, since, min_stories, top_stories, top_claims)
    finally:
        con.close()


def _load(
    con: duckdb.DuckDBPyConnection,
    lake: Path,
    topic: str | None,
    since: date | None,
    min_stories: int,
    top_stories: int,
    top_claims: int,
) -> ReportData:
    con.execute(_SCOPE, {"topic": topic, "since": since})
    row = con.execute(_TOTALS).fetchone()
    assert row is not None  # an aggregate without GROUP BY returns one row
    total, stories, outlets, undated, first, last = row
    if not total:
        raise ConfigError(_nothing_in_scope(con, lake, topic, since))
    topic_days = con.execute(_TOPIC_DAYS, {"topic": topic}).fetchall()
    # The claims of the scope's articles, grouped into clusters as gold/claim_clusters is.
    con.execute(
        "CREATE TEMP TABLE scope_claims AS "
        "SELECT * FROM claims WHERE article_id IN (SELECT article_id FROM scope)"
    )
    con.execute(
        "CREATE TEMP TABLE scope_clusters AS " + load_sql("claim_clusters", claims="scope_claims"),
        [min_stories],
    )
    claims = [_claim(row) for row in _rows(con, _over_scope("recurring_claims"), top_claims)]
    ids = [c.claim_id for c in claims]
    return ReportData(
        lake=str(lake.resolve()),
        topic=topic,
        since=since,
        articles=total,
        stories=stories,
        outlets=outlets,
        undated=undated,
        first_date=first,
        last_date=last,
        topic_days=[DayCount(*row) for row in topic_days],
        outlet_days=[DayCount(*row) for row in con.execute(_OUTLET_DAYS).fetchall()],
        total_days=[DayCount(*row) for row in con.execute(_TOTAL_DAYS).fetchall()],
        outlet_rows=[OutletRow(*row) for row in con.execute(_OUTLETS).fetchall()],
        story_rows=[
            StoryRow(*row) for row in con.execute(_STORIES, {"limit": top_stories}).fetchall()
        ],
        claims=claims,
        claim_days=[ClaimDay(*row) for row in con.execute(_CLAIM_DAYS, {"ids": ids}).fetchall()],
        spreads=sorted(
            (
                _spread(row)
                for row in _rows(con, _over_scope("claim_figures"))
                if row["claim_id"] in ids
            ),
            key=lambda s: (ids.index(s.claim_id), s.kind, s.unit or ""),
        ),
    )


def _over_scope(view: str) -> str:
    """An analytic view's own SQL, run over the scope's claim clusters."""
    return f"WITH claim_clusters AS (FROM scope_clusters)\n{load_sql(view).strip().rstrip(';')}"


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, limit: int | None = None
) -> list[dict[str, Any]]:
    result = con.execute(sql if limit is None else f"{sql}\nLIMIT {int(limit)}")
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _claim(row: dict[str, Any]) -> ClaimRow:
    return ClaimRow(
        claim_id=row["claim_id"],
        text=row["representative"],
        stories=row["stories"],
        outlets=row["outlets"],
        articles=row["articles"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        outlet_order=list(row["outlet_order"]),
        attributed_to=list(row["attributed_to"]),
        figures=[Figure(**f) for f in row["figures"]],
    )


def _spread(row: dict[str, Any]) -> FigureSpread:
    return FigureSpread(
        claim_id=row["claim_id"],
        kind=row["kind"],
        unit=row["unit"] or None,
        low=row["low"],
        high=row["high"],
        figures=[Figure(kind=row["kind"], unit=row["unit"] or None, **f) for f in row["figures"]],
    )


def _nothing_in_scope(
    con: duckdb.DuckDBPyConnection, lake: Path, topic: str | None, since: date | None
) -> str:
    """Why the report would be empty: an empty lake, an unknown topic or a late start date."""
    topics, latest = con.execute(
        "SELECT list(DISTINCT t ORDER BY t), max(published_date) FILTER "
        "(WHERE CAST($topic AS VARCHAR) IS NULL OR t = CAST($topic AS VARCHAR)) FROM "
        "(SELECT unnest(CASE WHEN len(topics) = 0 THEN ['(none)'] ELSE topics END) AS t, "
        "published_date FROM articles)",
        {"topic": topic},
    ).fetchone() or (None, None)
    topics = topics or []
    if not topics:
        return f"the lake at {lake} has no articles yet: run `newslake run` first"
    if topic is not None and topic not in topics:
        return f"no articles of topic {topic!r} in {lake} (topics: {', '.join(topics)})"
    latest_text = latest.isoformat() if latest else "none dated"
    scope = f" of topic {topic!r}" if topic is not None else ""
    return f"no articles{scope} published on or after {since} in {lake} (latest: {latest_text})"
