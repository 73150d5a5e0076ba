"""The run's second commit: story representatives settled, and gold tables recomputed for
the partitions the run touched (plus any a killed run left inconsistent), and outlet health."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from newslake.transforms.records import RunInfo
from newslake.warehouse.atomic import write_whole
from newslake.warehouse.delta import LOG, partition_value
from newslake.warehouse.engine import LARGER_LIMITS, MEMORY_LIMIT, work_connection
from newslake.warehouse.gold_stage import stage_by_partition
from newslake.warehouse.health_refresh import keep_counts, stage_outlet_health
from newslake.warehouse.lake import Commit, Lake, partition_dir
from newslake.warehouse.lake_index import open_claim_keys
from newslake.warehouse.runs import RunPoint, since_last
from newslake.warehouse.schemas import (
    ARTICLES,
    CLAIM_CLUSTERS,
    CLAIMS,
    COVERAGE_DAILY,
    FETCH_LOG,
    NO_DATE,
)
from newslake.warehouse.views import load_sql, parquet_relation, table_relation

# The claims.min_stories the shown claim_clusters was computed with (see _note_min_stories).
MIN_STORIES_NOTE = Path("_gold_state") / "claim_clusters.json"
# Claims aggregated into clusters in one pass: the passes split the claim ids into ranges.
# Measured on 1M claims within 256 MB: one pass peaked 470 MB over its base, four 275 MB.
CLAIMS_PER_PASS = 250_000
# The columns of claims that claim_clusters.sql reads.
_CLUSTER_INPUTS = (
    "claim_id, article_id, sentence_index, story_id, outlet, text, published_at, quantities, "
    "attributed_to"
)


@dataclass(frozen=True, slots=True)
class GoldRefresh:
    """What a refresh changed: flags flipped, coverage dates recomputed, claim clusters,
    outlet_health dates rewritten."""

    canonical_flips: int
    coverage_dates: int
    claim_clusters: int = 0
    health_dates: int = 0


def refresh_gold(
    lake: Lake,
    run: RunInfo,
    touched: Iterable[date | None],
    min_stories: int = 2,
    claims_changed: bool = False,
    changed_claims: Iterable[str] = (),
    stories: Iterable[str] | None = None,
) -> GoldRefresh:
    """Settle `is_story_canonical` in `stories` (None: every story), recompute
    gold/coverage_daily for the touched dates, recompute the gold/claim_clusters rows of
    `changed_claims` (every row if `claims_changed`), all of them if the table may be out of
    step, and bring gold/outlet_health up to date, in one atomic commit. A run that changed
    nothing rewrites nothing."""
    if not lake.data_files(ARTICLES) and not lake.data_files(FETCH_LOG):
        return GoldRefresh(0, 0)
    claims = None if claims_changed else frozenset(changed_claims)
    settle = None if stories is None else frozenset(stories)
    *bounded, last = (MEMORY_LIMIT, *LARGER_LIMITS)
    for limit in bounded:
        try:
            return _refresh(lake, run, touched, min_stories, claims, settle, limit)
        except duckdb.OutOfMemoryException:
            continue  # nothing was published: try again with more memory
    return _refresh(lake, run, touched, min_stories, claims, settle, last)


def _refresh(
    lake: Lake,
    run: RunInfo,
    touched: Iterable[date | None],
    min_stories: int,
    claims: frozenset[str] | None,
    stories: frozenset[str] | None,
    memory_limit: str | None,
) -> GoldRefresh:
    """One attempt at `refresh_gold` within `memory_limit`; nothing is published if it fails.
    `claims`, `stories`: the claim ids whose clusters to recompute, the stories to settle
    (None: all); all of them too if a commit other than `run`'s changed the table since the
    last gold commit."""
    has_articles = bool(lake.data_files(ARTICLES))
    commit = Commit(lake, RunInfo(f"{run.run_id}-gold", run.started_at), kind="gold")
    con = work_connection(commit.staging / "spill", memory_limit=memory_limit)
    flips = days = clusters = 0
    try:
        # First, as the step likeliest to need a larger memory limit (its medians cannot
        # spill): an attempt that runs out has then done the least.
        health = stage_outlet_health(con, lake, commit)
        if has_articles:
            since_gold = _commits_since_gold(lake, run)
            if stories is not None and not _in_step(since_gold, ARTICLES.name):
                stories = None
            flips = _settle_canonicals(con, lake, commit, stories)
            in_step = _in_step(since_gold, ARTICLES.name) and _in_step(
                since_gold, COVERAGE_DAILY.name
            )
            days = _stage_coverage(con, lake, commit, touched, check=not in_step)
            if (
                claims is None
                or since_gold is None
                or _clusters_stale(con, lake, since_gold, min_stories)
            ):
                clusters = _stage_claim_clusters(con, lake, commit, min_stories)
            elif claims:
                before = Lake(lake.root, since_gold[0].versions)  # as the last gold read it
                clusters = _restage_claim_clusters(con, lake, commit, min_stories, claims, before)
        commit.publish()
        keep_counts(lake, health)
        if has_articles:
            _note_min_stories(lake, min_stories)
    finally:
        con.close()
        commit.discard()
    return GoldRefresh(flips, days, clusters, health.dates)


def _clusters_stale(
    con: duckdb.DuckDBPyConnection, lake: Lake, since_gold: list[RunPoint] | None, min_stories: int
) -> bool:
    """Whether gold/claim_clusters may not match the claims before the run's own changes (a run
    that died between its two commits, a compaction, a changed claims.min_stories)."""
    if not lake.data_files(CLAIMS):
        return bool(lake.data_files(CLAIM_CLUSTERS))
    if not lake.data_files(CLAIM_CLUSTERS) or not _in_step(since_gold, CLAIMS.name):
        return True
    if _noted_min_stories(lake) == min_stories:
        return False  # the table is the one a refresh with this min_stories left
    sql = load_sql("claim_clusters_stale", clusters=parquet_relation(lake, CLAIM_CLUSTERS))
    return bool(con.execute(sql, [min_stories]).fetchall()[0][0])


def clusters_entry(lake: Lake) -> list[int] | None:
    """claim_clusters' version and its log entry's modification time (None: no such entry)."""
    version = lake.versions().get(CLAIM_CLUSTERS.name)
    if version is None:
        return None
    try:
        log = lake.table_dir(CLAIM_CLUSTERS) / LOG / f"{version:020d}.json"
        return [version, log.stat().st_mtime_ns]
    except FileNotFoundError:
        return None


def _note_min_stories(lake: Lake, min_stories: int) -> None:
    """Note, beside the lake, the claims.min_stories that claim_clusters' version now shown
    was computed with (once a gold commit is published), so that the next refresh need not
    read every cluster to tell."""
    entry = clusters_entry(lake)
    path = lake.root / MIN_STORIES_NOTE
    if entry is None:
        path.unlink(missing_ok=True)
        return
    note = json.dumps({"claim_clusters": entry, "min_stories": min_stories})
    write_whole(path, lambda tmp: tmp.write_text(note))


def _noted_min_stories(lake: Lake) -> int | None:
    """The noted min_stories, if the note is of the claim_clusters version the lake shows."""
    try:
        note = json.loads((lake.root / MIN_STORIES_NOTE).read_text())
    except (OSError, ValueError):
        return None
    entry = clusters_entry(lake)
    if entry is None or note.get("claim_clusters") != entry:
        return None
    noted = note.get("min_stories")
    return noted if isinstance(noted, int) else None


def _commits_since_gold(lake: Lake, run: RunInfo) -> list[RunPoint] | None:
    """The last gold commit and every commit after it but `run`'s own; None if gold was
    never committed."""
    points = since_last(lake.root, "gold")
    if points is None:
        return None
    return [points[0], *(p for p in points[1:] if p.run_id != run.run_id)]


def _in_step(since_gold: list[RunPoint] | None, table: str) -> bool:
    """Whether no commit but the run's own changed `table` since the last gold commit (which
    left gold in step with it: claim clusters, story representatives)."""
    if since_gold is None:
        return False
    last, *since = since_gold
    return all(point.versions.get(table) == last.versions.get(table) for point in since)


def _stage_claim_clusters(
    con: duckdb.DuckDBPyConnection, lake: Lake, commit: Commit, min_stories: int
) -> int:
    """Stage gold/claim_clusters anew from every claim (a cluster's first date can move).

    The claims' columns the clusters need are copied once into a table on disk, sorted by
    claim id, so that each pass over a range of claim ids reads only its own rows (list
    aggregates cannot spill, hence the passes). The clusters go into another table on disk,
    read back in the order of their partitions."""
    commit.clear_table(CLAIM_CLUSTERS.name)
    if not lake.data_files(CLAIMS):
        return 0
    claims = parquet_relation(lake, CLAIMS)
    (total,) = con.execute(f"SELECT count(*) FROM {claims}").fetchone() or (0,)
    scratch = str(commit.staging / "spill" / "clusters.duckdb").replace("'", "''")
    con.execute(f"ATTACH '{scratch}' AS scratch")
    try:
        con.execute(
            f"CREATE TABLE scratch.claims AS SELECT {_CLUSTER_INPUTS} FROM {claims} "
            "ORDER BY claim_id"
        )
        for n, where in enumerate(claim_id_ranges(math.ceil(total / CLAIMS_PER_PASS))):
            sql = load_sql("claim_clusters", claims=f"(FROM scratch.claims WHERE {where})")
            into = "INSERT INTO scratch.clusters" if n else "CREATE TABLE scratch.clusters AS"
            con.execute(f"{into} {sql}", [min_stories])
        result = con.sql(
            "SELECT *, CAST(first_seen AS DATE) AS day FROM scratch.clusters "
            "ORDER BY day NULLS LAST, claim_id"
        )
        return stage_by_partition(commit, CLAIM_CLUSTERS, result, order="day")
    finally:
        con.execute("DETACH scratch")


def _restage_claim_clusters(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    commit: Commit,
    min_stories: int,
    claim_ids: frozenset[str],
    before: Lake,
) -> int:
    """Stage the gold/claim_clusters rows of these claim ids anew, from all their claims (a
    row is an aggregate of its claim id's claims only); returns how many there are now.
    `before`: the lake at the last gold commit, whose claims the rows shown were built from.

    Only the claims files that hold these ids are read (found through the claim key index),
    and only the cluster files of the partitions their old rows can be in. The files that
    held their old rows are staged anew, one per partition, with the rows they keep and the
    new rows of that partition (no Python object per row); other files stay as they are."""
    _register_ids(con, "changed_claims", "claim_id", claim_ids)
    claims_dir = lake.table_dir(CLAIMS)
    stored = {path.relative_to(claims_dir).as_posix() for path in before.data_files(CLAIMS)}
    holding = _claim_files_holding(lake, claim_ids)
    was = [path for path in holding if path.relative_to(claims_dir).as_posix() in stored]
    new = [path for path in holding if path.relative_to(claims_dir).as_posix() not in stored]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE changed_rows AS SELECT {_CLUSTER_INPUTS}, stored FROM "
        f"(SELECT *, true AS stored FROM {table_relation(lake, CLAIMS, was)} UNION ALL "
        f"SELECT *, false FROM {table_relation(lake, CLAIMS, new)}) "
        "SEMI JOIN changed_claims USING (claim_id)"
    )
    sql = load_sql("claim_clusters", claims="changed_rows")
    con.execute(f"CREATE OR REPLACE TEMP TABLE new_clusters AS {sql}", [min_stories])
    [(count,)] = con.execute("SELECT count(*) FROM new_clusters").fetchall()
    files = _cluster_files_holding(con, lake, before, stored)
    rows = "FROM new_clusters"
    if files:
        kept = parquet_relation(lake, CLAIM_CLUSTERS, files=files)
        rows += (
            f" UNION ALL BY NAME SELECT * EXCLUDE ({CLAIM_CLUSTERS.partition}) FROM {kept} "
            "ANTI JOIN changed_claims USING (claim_id)"
        )
    table_dir = lake.table_dir(CLAIM_CLUSTERS)
    for path in files:
        commit.drop(CLAIM_CLUSTERS.name, path.relative_to(table_dir).as_posix())
    result = con.sql(
        f"SELECT *, CAST(first_seen AS DATE) AS day FROM ({rows}) ORDER BY day NULLS LAST, claim_id"
    )
    stage_by_partition(commit, CLAIM_CLUSTERS, result, order="day")
    con.execute("DROP TABLE new_clusters")
    con.execute("DROP TABLE changed_rows")
    return int(count)


def _claim_files_holding(lake: Lake, claim_ids: frozenset[str]) -> list[Path]:
    """The claims files that hold claims of these ids: those the claim key index names when it
    covers the lake's claims files and is indexed by cluster, else every claims file."""
    index = open_claim_keys(lake)
    if index is None:
        return lake.data_files(CLAIMS)
    try:
        if not index.by_cluster:  # segments written before the index had it
            return lake.data_files(CLAIMS)
        held = {file for _, file, *_ in index.members(sorted(claim_ids))}
    finally:
        index.close()
    return [lake.table_dir(CLAIMS) / file for file in sorted(held)]


def _cluster_files_holding(
    con: duckdb.DuckDBPyConnection, lake: Lake, before: Lake, stored: set[str]
) -> list[Path]:
    """The claim_clusters files holding a row of a changed claim id (table `changed_claims`).

    A row sits in the partition of its first_seen day: the earliest published_at of the
    claims it was built from, those of `before` (`stored`: its claims files). Each was either
    read into `changed_rows` from a file still in the lake, or was in a file since removed, and
    a claims file's partition is its claims' published_at day. So only the partitions of those
    days and of the removed files are read, each file's claim_id alone."""
    days = con.execute(
        "SELECT DISTINCT CAST(min(published_at) AS DATE) FROM changed_rows WHERE stored "
        "GROUP BY claim_id"
    ).fetchall()
    values = {None if day is None else day.isoformat() for (day,) in days}
    claims_dir = lake.table_dir(CLAIMS)
    now = {path.relative_to(claims_dir).as_posix() for path in lake.data_files(CLAIMS)}
    values |= {partition_value(rel) for rel in stored - now}
    dirs = {f"{CLAIM_CLUSTERS.partition}={value or NO_DATE}" for value in values}
    candidates = [path for path in lake.data_files(CLAIM_CLUSTERS) if path.parent.name in dirs]
    if not candidates:
        return []
    clusters = parquet_relation(lake, CLAIM_CLUSTERS, filename=True, files=candidates)
    held = con.execute(
        f"SELECT DISTINCT filename FROM {clusters} SEMI JOIN changed_claims USING (claim_id)"
    ).fetchall()
    return sorted(Path(filename) for (filename,) in held)


def _register_ids(
    con: duckdb.DuckDBPyConnection, name: str, column: str, ids: frozenset[str]
) -> None:
    """Make a set of ids a one-column relation `name` of the connection."""
    schema = pa.schema([(column, pa.string())])
    con.register(name, pa.table({column: sorted(ids)}, schema=schema))


def claim_id_ranges(parts: int) -> list[str]:
    """Conditions that split claim ids (16 hex digits) into `parts` ranges of about equal
    size, in order; together they hold every id once, hex or not."""
    bounds = [f"'{i * 0x10000 // parts:04x}'" for i in range(1, parts)]
    if not bounds:
        return ["true"]
    middle = [f"claim_id >= {low} AND claim_id < {high}" for low, high in pairwise(bounds)]
    return [f"claim_id < {bounds[0]}", *middle, f"claim_id >= {bounds[-1]}"]


def _settle_canonicals(
    con: duckdb.DuckDBPyConnection, lake: Lake, commit: Commit, stories: frozenset[str] | None
) -> int:
    """Stage the rewrite of every article row of `stories` (None: of every story) whose
    story-representative flag is wrong.

    A run marks the first article of a new story as its representative; a later article
    published earlier (or as early and longer) takes that role here, whichever run brought it.
    """
    if stories is not None and not stories:
        return 0
    articles = parquet_relation(lake, ARTICLES, filename=True)
    if stories is not None:
        _register_ids(con, "touched_stories", "story_id", stories)
        articles = f"(SELECT * FROM {articles} SEMI JOIN touched_stories USING (story_id))"
    rows = con.execute(load_sql("story_canonical_fixes", articles=articles)).fetchall()
    table_dir = lake.table_dir(ARTICLES)
    by_file: dict[str, list[str]] = {}
    for filename, article_id in rows:
        by_file.setdefault(Path(filename).relative_to(table_dir).as_posix(), []).append(article_id)
    for rel, ids in by_file.items():
        commit.remove(ARTICLES.name, rel, ids, archive=(ARTICLES.name, _flip_canonical))
    return len(rows)


def _flip_canonical(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "is_story_canonical": not row["is_story_canonical"]}


def _stage_coverage(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    commit: Commit,
    touched: Iterable[date | None],
    check: bool,
) -> int:
    """Stage gold/coverage_daily anew for the touched dates and, with `check` (a commit other
    than the run's own changed articles or coverage since the last gold commit), for any that
    do not add up."""
    articles = parquet_relation(lake, ARTICLES)
    days = {d.isoformat() if d else "undated" for d in touched}
    if not check:
        stale = None
    elif lake.data_files(COVERAGE_DAILY):
        stale = load_sql(
            "coverage_stale_dates",
            articles=articles,
            coverage=parquet_relation(lake, COVERAGE_DAILY),
        )
    else:  # never computed: the first run died between its two commits
        stale = (
            f"SELECT DISTINCT coalesce(CAST(published_date AS VARCHAR), 'undated') FROM {articles}"
        )
    if stale is not None:
        days |= {day for (day,) in con.execute(stale).fetchall()}
    if not days:
        return 0
    for day in days:
        value = None if day == "undated" else date.fromisoformat(day)
        commit.clear(COVERAGE_DAILY.name, partition_dir(COVERAGE_DAILY, {"date": value}))
    coverage = load_sql("coverage_daily", articles=articles)
    table = con.sql(f"SELECT * FROM ({coverage}) ORDER BY ALL", params=[sorted(days)])
    stage_by_partition(commit, COVERAGE_DAILY, table, order="date")
    return len(days)
