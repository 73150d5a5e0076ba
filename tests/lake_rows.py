"""Rows and one-commit helpers for lake tests."""

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
from newslake.warehouse.views import WAREHOUSE

RUN1 = RunInfo("run-1", datetime(2026, 3, 5, 12, tzinfo=UTC))
RUN2 = RunInfo("run-2", datetime(2026, 3, 6, 12, tzinfo=UTC))


def article(article_id: str, day: int | None, run: RunInfo = RUN1, text: str = "Body.") -> dict:
    published = datetime(2026, 3, day, 9, tzinfo=UTC) if day else None
    return {
        "article_id": article_id,
        "page_id": f"p-{article_id}",
        "url": f"file:///{article_id}",
        "canonical_url": None,
        "outlet": "Gazette",
        "source": "files:t",
        "title": "T",
        "authors": ["Jane Doe"],
        "published_at": published,
        "language": "en",
        "date_source": None,
        "date_confidence": "none",
        "is_updated": False,
        "date_candidates": [],
        "text": text,
        "word_count": 1,
        "content_hash": "h",
        "story_id": article_id,
        "is_story_canonical": True,
        "topics": [],
        "first_seen_at": run.started_at,
        "updated_at": run.started_at,
        "run_id": run.run_id,
    }


def logged(
    url: str,
    outcome: str,
    run: RunInfo,
    article_id: str | None = None,
    source: str = "feed:gazette",
    status: int | None = 200,
) -> dict:
    """A fetch_log row of one URL in a run."""
    return {
        "url": url,
        "source": source,
        "outcome": outcome,
        "status": status,
        "error": None if outcome in ("ok", "unchanged") else outcome,
        "attempts": 1,
        "elapsed_ms": 5,
        "page_id": None,
        "article_id": article_id,
        "run_id": run.run_id,
        "logged_at": run.started_at,
    }


def stored(article_id: str, day: int, run: RunInfo, outlet: str, url: str, **fields) -> dict:
    """An article row of an outlet, at a URL."""
    return {**article(article_id, day, run), "outlet": outlet, "url": url, **fields}


def read(lake: Lake, table: str) -> list[tuple]:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()


def commit(lake: Lake, run: RunInfo, rows: list[dict], remove: dict | None = None) -> None:
    with lake.writing(run, timeout_s=1) as staged:
        staged.add("articles", rows)
        for file, keys in (remove or {}).items():
            staged.remove("articles", file, keys)
        staged.publish()


# Columns that name the run, its clock or its clock's UTC day (partitions: two runs either side
# of midnight write other days) differ between lakes by design.
RUN_COLUMNS = {
    "run_id",
    "first_seen_at",
    "updated_at",
    "fetched_at",
    "logged_at",
    "indexed_at",
    "fetch_date",
    "indexed_date",
}
COMPARED = ("pages", "articles", "story_index", "claims", "coverage_daily", "claim_clusters")


def snapshot(lake: Path) -> dict[str, list[tuple]]:
    """Every row of the compared tables, less the columns naming a run or its clock."""
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        tables = {}
        for table in COMPARED:
            columns = [
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
                ).fetchall()
                if name not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            tables[table] = con.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()
        return tables
    finally:
        con.close()
