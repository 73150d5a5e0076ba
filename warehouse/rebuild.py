"""What `reprocess` reads and replaces: the stored pages, and the silver and gold tables that
are rebuilt from them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb

from newslake.transforms.records import Page
from newslake.warehouse.lake import Commit, Lake
from newslake.warehouse.schemas import (
    ARTICLES,
    CLAIM_CLUSTERS,
    CLAIMS,
    COVERAGE_DAILY,
    PAGES,
    STORY_INDEX,
)
from newslake.warehouse.views import parquet_relation

# Rebuilt from bronze; article_versions keeps its history, bronze is never touched.
REBUILT = (ARTICLES, STORY_INDEX, CLAIMS, COVERAGE_DAILY, CLAIM_CLUSTERS)


def latest_pages(lake: Lake, batch_size: int) -> Iterator[list[Page]]:
    """The latest stored page of every URL, in batches: first those that hold an article, in
    the order the articles were first seen (so a duplicate stays a duplicate of the same
    article), then the rest in the order they were fetched."""
    if not lake.data_files(PAGES):
        return
    seen = (
        f"SELECT page_id, first_seen_at FROM {parquet_relation(lake, ARTICLES)}"
        if lake.data_files(ARTICLES)
        else "SELECT NULL::VARCHAR AS page_id, NULL::TIMESTAMPTZ AS first_seen_at"
    )
    con = duckdb.connect()
    try:
        result = con.execute(
            f"SELECT {', '.join(f'p.{c}' for c in PAGES.schema.names)} "
            f"FROM {parquet_relation(lake, PAGES)} p LEFT JOIN ({seen}) a USING (page_id) "
            "QUALIFY row_number() OVER (PARTITION BY p.url ORDER BY p.fetched_at DESC, "
            "p.page_id) = 1 "
            "ORDER BY a.first_seen_at IS NULL, a.first_seen_at, p.fetched_at, p.url"
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
