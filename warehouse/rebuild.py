"""What `reprocess` reads and replaces: the stored pages, and the silver and gold tables that
are rebuilt from them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from enum import StrEnum

import duckdb

from newslake.transforms.records import Article, Page
from newslake.warehouse.lake import Commit, Lake
from newslake.warehouse.schemas import (
    ARTICLES,
    CLAIM_CLUSTERS,
    CLAIMS,
    COVERAGE_DAILY,
    PAGES,
    STORY_INDEX,
)
from newslake.warehouse.views import parquet_relation, table_relation

# Rebuilt from bronze; article_versions keeps its history, bronze is never touched.
# gold/outlet_health is not cleared: it derives from fetch_log, which reprocess keeps, and the
# gold refresh that ends a reprocess recomputes it whole and rewrites the dates that changed.
REBUILT = (ARTICLES, STORY_INDEX, CLAIMS, COVERAGE_DAILY, CLAIM_CLUSTERS)


class Stage(StrEnum):
    """Where `reprocess` starts; every later stage is rebuilt too."""

    extract = "extract"  # extract the stored pages again
    # Story assignment needs every page's text, duplicates' too, which only bronze keeps:
    # it is rebuilt by extracting again.
    stories = "stories"
    claims = "claims"  # find and group the stored articles' claims again
    gold = "gold"  # recompute the gold tables


def latest_pages(
    lake: Lake, batch_size: int, since: datetime | None = None
) -> Iterator[list[Page]]:
    """The latest stored page of every URL (fetched at or after `since`), in batches: first
    those that hold an article, in the order the articles were first seen (so a duplicate
    stays a duplicate of the same article), then the rest in the order they were fetched."""
    if not lake.data_files(PAGES):
        return
    con = duckdb.connect()
    try:
        result = con.execute(
            f"SELECT {', '.join(f'p.{c}' for c in PAGES.schema.names)} "
            f"FROM {parquet_relation(lake, PAGES)} p "
            f"LEFT JOIN {table_relation(lake, ARTICLES)} a USING (page_id) "
            "QUALIFY row_number() OVER (PARTITION BY p.url ORDER BY p.fetched_at DESC, "
            "p.page_id) = 1 AND (p.fetched_at >= $since OR $since IS NULL) "
            "ORDER BY a.first_seen_at IS NULL, a.first_seen_at, p.fetched_at, p.url",
            {"since": since},
        )
        while rows := result.fetchmany(batch_size):
            yield [Page(*row) for row in rows]
    finally:
        con.close()


def first_seen(lake: Lake) -> dict[str, datetime]:
    """When each stored article was first seen, to keep across a rebuild."""
    if not lake.data_files(ARTICLES):
        return {}
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT article_id, first_seen_at FROM {parquet_relation(lake, ARTICLES)}"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def clear_rebuilt(commit: Commit) -> None:
    """Stage the removal of every file of the rebuilt tables (the commit adds the new ones)."""
    for spec in REBUILT:
        commit.clear_table(spec.name)


def stored_articles(
    lake: Lake, batch_size: int, since: datetime | None = None
) -> Iterator[list[Article]]:
    """The stored articles (those updated at or after `since`), in batches, in the order a
    run met them: by first seen, then by when their page was fetched."""
    if not lake.data_files(ARTICLES):
        return
    con = duckdb.connect()
    try:
        result = con.execute(
            f"SELECT {', '.join(f'a.{c}' for c in Article.__slots__)} "
            f"FROM {parquet_relation(lake, ARTICLES)} a "
            f"LEFT JOIN {table_relation(lake, PAGES)} p USING (page_id) "
            "WHERE a.updated_at >= $since OR $since IS NULL "
            "ORDER BY a.first_seen_at, p.fetched_at, a.url",
            {"since": since},
        )
        while rows := result.fetchmany(batch_size):
            yield [Article(*row) for row in rows]
    finally:
        con.close()


def article_dates(lake: Lake, since: datetime | None = None) -> set[date | None]:
    """The publication dates (partitions) of the articles updated at or after `since`."""
    if not lake.data_files(ARTICLES):
        return set()
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT DISTINCT {ARTICLES.partition} FROM {parquet_relation(lake, ARTICLES)} "
            "WHERE updated_at >= $since OR $since IS NULL",
            {"since": since},
        ).fetchall()
    finally:
        con.close()
    return {day for (day,) in rows}
