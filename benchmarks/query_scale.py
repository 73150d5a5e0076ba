"""Analytic queries at scale: a synthetic lake of 1,000,000 articles and 5,000,000 claims over
three years of daily partitions, queried through the warehouse views.

    python benchmarks/query_scale.py [--articles N] [--claims N] [--keep DIR]

Rows are generated with DuckDB (skewed outlets, topics and story sizes, several claims per
article, figures on a third of them), written in the lake's layout, then gold is computed with
the pipeline's own SQL and `build_warehouse` makes the views. Each example query
(warehouse/examples.py, listed in docs/tables.md) and a few dated ones are timed (best of 3,
warm), and the lake's size on disk printed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from newslake.warehouse.examples import EXAMPLES
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, CLAIM_CLUSTERS, CLAIMS, COVERAGE_DAILY
from newslake.warehouse.views import WAREHOUSE, build_warehouse, load_sql, parquet_relation

DAYS = 3 * 365
OUTLETS = 200
TOPICS = ("ai-models", "port-strike", "water", "elections", "energy", "housing", "health", "courts")

ARTICLES_SQL = """
SELECT
    printf('a%010d', i) AS article_id,
    printf('p%010d', i) AS page_id,
    printf('https://outlet%d.example/news/%d', o, i) AS url,
    NULL::VARCHAR AS canonical_url,
    printf('outlet%03d.example', o) AS outlet,
    'web:feed' AS source,
    printf('Headline %d', i) AS title,
    ['Staff'] AS authors,
    ts AS published_at,
    'jsonld' AS date_source,
    'medium' AS date_confidence,
    false AS is_updated,
    [] :: STRUCT(source VARCHAR, value TIMESTAMPTZ, kind VARCHAR)[] AS date_candidates,
    'en' AS language,
    repeat('Lorem ipsum dolor sit amet. ', 8) AS text,
    (200 + (hash(i, 'w') % 900))::INTEGER AS word_count,
    printf('h%010d', i) AS content_hash,
    printf('a%010d', story) AS story_id,
    story = i AS is_story_canonical,
    CASE WHEN hash(i, 'x') % 20 = 0 THEN 'teaser' ELSE 'full' END AS access,
    topics,
    [struct_pack(topic := t, hits := 1::INTEGER) FOR t IN topics] AS topic_hits,
    ts AS first_seen_at,
    ts AS updated_at,
    'bench' AS run_id,
    CAST(ts AS DATE) AS published_date
FROM (
    SELECT
        i,
        -- Skewed outlets: a few large ones, a long tail.
        (floor(pow((hash(i, 'o') % 10000) / 10000.0, 3) * {outlets}))::INTEGER AS o,
        TIMESTAMPTZ '2023-01-01 00:00:00+00'
            + to_seconds(((i * {days}) // {n}) * 86400 + (hash(i, 's') % 86400)) AS ts,
        -- A third of articles copy an earlier story (syndication).
        CASE WHEN hash(i, 'c') % 3 = 0 AND i > 10 THEN i - 1 - (hash(i, 'd') % 10)
             ELSE i END AS story,
        list_filter({topics}, lambda t: hash(i, t) % 6 = 0) AS topics
    FROM range({n}) r(i)
)
"""

CLAIMS_SQL = """
SELECT
    printf('c%09d', (floor(pow((hash(j, 'k') % 100000) / 100000.0, 2) * {clusters}))::BIGINT)
        AS claim_id,
    printf('a%010d', a) AS article_id,
    (j % 5)::INTEGER AS sentence_index,
    printf('a%010d', a) AS story_id,
    printf('outlet%03d.example', (hash(a, 'o') % {outlets})::INTEGER) AS outlet,
    printf('Claim sentence %d about a figure.', j) AS text,
    'claim sentence <num> about a figure.' AS normalised,
    CASE WHEN j % 3 = 0 THEN [struct_pack(value := (hash(j, 'v') % 1000) * 1e6,
        unit := 'USD', kind := 'money', text := '$1 million', high := NULL::DOUBLE)]
         ELSE [] END
        :: STRUCT(value DOUBLE, unit VARCHAR, kind VARCHAR, text VARCHAR, high DOUBLE)[]
        AS quantities,
    CASE WHEN j % 4 = 0 THEN 'the ministry' END AS attributed_to,
    'figure' AS rule,
    TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds(((a * {days}) // {articles}) * 86400)
        AS published_at,
    [(hash(j, 1) >> 1)::BIGINT, (hash(j, 2) >> 1)::BIGINT] AS match_keys,
    'bench' AS run_id,
    CAST(TIMESTAMPTZ '2023-01-01 00:00:00+00'
        + to_seconds(((a * {days}) // {articles}) * 86400) AS DATE) AS published_date
FROM (SELECT j, (j * {articles}) // {n} AS a FROM range({n}) r(j))
"""

# Dated questions as well as the documented ones: they show partition pruning.
QUERIES = {
    **dict(EXAMPLES[:-1]),  # fetch_log, the last, is not generated here
    "top outlets in a quarter": (
        "SELECT outlet, sum(articles) AS articles FROM coverage_daily "
        "WHERE date BETWEEN DATE '2024-01-01' AND DATE '2024-03-31' "
        "GROUP BY outlet ORDER BY articles DESC LIMIT 10"
    ),
    "stories covered by the most outlets in a month": (
        "SELECT story_id, count(DISTINCT outlet) AS outlets FROM articles "
        "WHERE published_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30' "
        "GROUP BY story_id ORDER BY outlets DESC LIMIT 10"
    ),
    "one day's articles": (
        "SELECT count(*), avg(word_count) FROM articles WHERE published_date = DATE '2024-07-04'"
    ),
}


def write(con: duckdb.DuckDBPyConnection, sql: str, target: Path, partition: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"COPY ({sql}) TO '{target}' (FORMAT parquet, PARTITION_BY ({partition}), "
        "COMPRESSION zstd, ROW_GROUP_SIZE 122880, OVERWRITE_OR_IGNORE)"
    )


def build(lake: Lake, articles: int, claims: int) -> float:
    """Write the synthetic lake; returns seconds taken."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    topics = "[" + ", ".join(f"'{t}'" for t in TOPICS) + "]"
    sql = ARTICLES_SQL.format(n=articles, days=DAYS, outlets=OUTLETS, topics=topics)
    write(
        con,
        f"SELECT * FROM ({sql}) ORDER BY published_date, outlet",
        lake.table_dir(ARTICLES),
        "published_date",
    )
    sql = CLAIMS_SQL.format(
        n=claims, articles=articles, days=DAYS, outlets=OUTLETS, clusters=claims // 3
    )
    write(
        con,
        f"SELECT * FROM ({sql}) ORDER BY published_date, claim_id",
        lake.table_dir(CLAIMS),
        "published_date",
    )
    coverage = load_sql("coverage_daily", articles=parquet_relation(lake, ARTICLES))
    articles_rel = parquet_relation(lake, ARTICLES)
    dates = f"SELECT DISTINCT CAST(published_date AS VARCHAR) FROM {articles_rel}"
    days = [day for (day,) in con.execute(dates).fetchall()]
    con.execute(f"CREATE TABLE coverage AS {coverage}", [days])
    write(con, "SELECT * FROM coverage", lake.table_dir(COVERAGE_DAILY), '"date"')
    clusters = load_sql("claim_clusters", claims=parquet_relation(lake, CLAIMS))
    con.execute(f"CREATE TABLE clusters AS {clusters}", [2])
    write(
        con,
        "SELECT *, CAST(first_seen AS DATE) AS first_seen_date FROM clusters ORDER BY claim_id",
        lake.table_dir(CLAIM_CLUSTERS),
        "first_seen_date",
    )
    con.close()
    build_warehouse(lake)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path, help="build the lake here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="newslake-scale-"))
    try:
        lake = Lake(root / "lake")
        seconds = build(lake, args.articles, args.claims)
        size = sum(p.stat().st_size for p in lake.root.rglob("*.parquet"))
        print(
            f"lake: {args.articles:,} articles, {args.claims:,} claims, {size / 2**20:,.0f} MB "
            f"of Parquet, built in {seconds:.0f} s"
        )
        con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
        for label, sql in QUERIES.items():
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                timings.append(time.perf_counter() - started)
            print(f"{min(timings):7.3f} s  {label}")
        con.close()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
