"""A full gold build (what a lake's first run and a reprocess do) on a lake after several runs
must hold, partition by partition, the rows the gold SQL gives when each row is staged on its
own, as the build did before it staged Arrow one partition at a time."""

import shutil
from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq
import pytest
from lake_rows import logged, stored

from newslake.transforms.records import RunInfo
from newslake.warehouse import claim_keys
from newslake.warehouse import gold as gold_module
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.lake import Lake, partition_dir
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.schemas import (
    ARTICLES,
    CLAIM_CLUSTERS,
    CLAIMS,
    COVERAGE_DAILY,
    NO_DATE,
    OUTLET_HEALTH,
    TableSpec,
)
from newslake.warehouse.views import load_sql, parquet_relation


def run_of(day: int) -> RunInfo:
    return RunInfo(f"run-{day:02d}", datetime(2026, 3, day, 6, tzinfo=UTC))


def claim(n: int, article_id: str, day: int | None, outlet: str, run: RunInfo) -> dict:
    """Claim n of an article: claim ids recur across days and outlets, some state a figure,
    some name a source, one in seven has no date."""
    figure = [{"value": 1.0 + n % 3, "unit": "USD", "kind": "money", "text": "$1", "high": None}]
    published = datetime(2026, 3, day, 9, n % 60, tzinfo=UTC) if day and n % 7 else None
    return {
        "claim_id": f"{(n * 0x2F1B) % 0xFFFF:04x}{n % 5:012x}",
        "article_id": article_id,
        "sentence_index": n,
        "story_id": f"s{n % 4}",
        "outlet": outlet,
        "text": f"{outlet} claim {n}.",
        "normalised": f"claim {n % 5}",
        "quantities": figure if n % 2 else [],
        "attributed_to": "the agency" if n % 3 == 0 else None,
        "rule": "figure",
        "published_at": published,
        "match_keys": [n % 5],
        "run_id": run.run_id,
    }


def day_of_runs(lake: Lake, day: int) -> None:
    """One run's articles (one undated, topics on some), log rows and claims, then its gold."""
    run = run_of(day)
    articles, log, claims = [], [], []
    for i, outlet in enumerate(["Alpha", "Beta", "Gamma"]):
        article_id, url = f"{outlet[0]}{day:02d}", f"https://www.{outlet.lower()}.example/{day}"
        published = None if outlet == "Gamma" and day == 4 else day - i % 2
        articles.append(
            stored(article_id, published, run, outlet, url, topics=["ai"] * (i % 2))
            | {"story_id": f"story{(day + i) % 3}", "word_count": 10 + i}
        )
        log.append(logged(url, "ok", run, article_id))
        claims += [claim(day * 10 + k, article_id, published, outlet, run) for k in range(4)]
    log.append(logged(f"https://www.alpha.example/bad/{day}", "timeout", run))
    with lake.writing(run, timeout_s=5) as commit:
        commit.add("articles", articles)
        commit.add("fetch_log", log)
        commit.add("claims", claims)
        commit.publish()
    touched = {a["published_at"] and a["published_at"].date() for a in articles}
    refresh_gold(lake, run, touched, changed_claims={c["claim_id"] for c in claims})


def row_by_row(spec: TableSpec, sql: str, params: list) -> dict[str, list[dict]]:
    """Each partition's rows of the query's result, each row staged on its own as before."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        result = con.execute(sql, params)
        names = [column[0] for column in result.description]
        rows = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(partition_dir(spec, row), []).append(row)
    return {part: spec.to_table(group).to_pylist() for part, group in found.items()}


def stored_rows(lake: Lake, spec: TableSpec) -> dict[str, list[dict]]:
    """Each partition's rows as its one file holds them."""
    found: dict[str, list[dict]] = {}
    for path in lake.data_files(spec):
        assert path.parent.name not in found  # one file per partition
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == spec.schema.remove_metadata()
        found[path.parent.name] = table.to_pylist()
    return found


def test_a_full_build_after_several_runs_holds_the_rows_staged_one_by_one(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    for day in range(2, 6):
        day_of_runs(lake, day)
    monkeypatch.setattr(gold_module, "CLAIMS_PER_PASS", 7)  # several passes over claim ids
    done = refresh_gold(lake, run_of(9), [None], claims_changed=True)
    lake = Lake(lake.root)
    claims = parquet_relation(lake, CLAIMS)
    clusters = row_by_row(CLAIM_CLUSTERS, load_sql("claim_clusters", claims=claims), [2])
    assert done.claim_clusters == sum(map(len, clusters.values())) > 10
    assert f"first_seen_date={NO_DATE}" in clusters
    assert stored_rows(lake, CLAIM_CLUSTERS) == clusters
    days = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "undated"]
    coverage = load_sql("coverage_daily", articles=parquet_relation(lake, ARTICLES))
    expected = row_by_row(COVERAGE_DAILY, coverage, [days])
    assert len(expected) == 6
    assert stored_rows(lake, COVERAGE_DAILY) == expected
    assert len(stored_rows(lake, OUTLET_HEALTH)) == 4  # every run day, one file each


def update_run(lake: Lake, day: int, article_id: str, of_day: int) -> None:
    """A run that replaces the claims article `article_id` (of day `of_day`) holds: two keep
    their claim ids with new text, one joins another day's cluster and is published earlier
    than it (the cluster moves to another partition), one is new; its other claims go. Then
    its gold, restaging the clusters of every claim id it added or removed."""
    run = run_of(day)
    index = LakeIndex(lake)
    stored = index.stored_claims_of(article_id)
    index.close()
    outlet = {"A": "Alpha", "B": "Beta", "G": "Gamma"}[article_id[0]]
    base = of_day * 10
    new = [
        claim(base, article_id, of_day, outlet, run) | {"text": f"{outlet} now says {day}."},
        claim(base + 1, article_id, None, outlet, run),
        claim(base - 8, article_id, 1, outlet, run),  # first seen on March 1st now
        claim(90 + day, article_id, of_day, outlet, run),
    ]
    with lake.writing(run, timeout_s=5) as commit:
        commit.remove("claims", stored[0][0], [article_id])
        commit.add("claims", new)
        commit.publish()
    changed = {claim_id for _, claim_id in stored} | {c["claim_id"] for c in new}
    refresh_gold(lake, run, set(), changed_claims=changed)


def rows_by_partition(lake: Lake, spec: TableSpec) -> dict[str, list[dict]]:
    """Each partition's rows (from however many files), in key order."""
    found: dict[str, list[dict]] = {}
    for path in lake.data_files(spec):
        table = pq.read_table(path)
        assert table.schema.remove_metadata() == spec.schema.remove_metadata()
        found.setdefault(path.parent.name, []).extend(table.to_pylist())
    return {part: sorted(rows, key=lambda row: row[spec.key]) for part, rows in found.items()}


def read_by_restage(monkeypatch) -> dict[str, list[int]]:
    """How many claims files and claim_clusters files each incremental restage reads (it reads
    claims through table_relation, and the clusters' claim_id with filenames), and how many
    each table held."""
    read: dict[str, list[int]] = {"claims": [], "clusters": [], "held": []}
    claims, clusters = gold_module.table_relation, gold_module.parquet_relation

    def claims_read(lake, spec, files=None):
        read["claims"][-1] += len(files)
        return claims(lake, spec, files)

    def clusters_read(lake, spec, *, filename=False, files=None):
        if spec is CLAIM_CLUSTERS and filename:
            read["clusters"].append(len(files))
        return clusters(lake, spec, filename=filename, files=files)

    restage = gold_module._restage_claim_clusters

    def counted(*args):
        lake = args[1]
        read["held"].append((len(lake.data_files(CLAIMS)), len(lake.data_files(CLAIM_CLUSTERS))))
        read["claims"].append(0)
        return restage(*args)

    monkeypatch.setattr(gold_module, "table_relation", claims_read)
    monkeypatch.setattr(gold_module, "parquet_relation", clusters_read)
    monkeypatch.setattr(gold_module, "_restage_claim_clusters", counted)
    return read


@pytest.mark.parametrize("claim_index", ["index", "scan", "segments without claims_by_cluster"])
def test_refreshes_after_runs_with_updates_hold_the_rows_of_a_full_build(
    tmp_path, monkeypatch, claim_index
):
    if claim_index == "scan":
        monkeypatch.setenv("NEWSLAKE_CLAIM_INDEX", "scan")
    elif claim_index != "index":  # segments written as before the index by cluster
        monkeypatch.setattr(claim_keys, "_finish", lambda con: (con.commit(), con.close()))
    lake = Lake(tmp_path / "lake")
    for day in range(2, 6):
        day_of_runs(lake, day)
    read = read_by_restage(monkeypatch)
    for day, article_id, of_day in [(6, "B03", 3), (7, "A05", 5), (8, "B03", 3), (9, "G04", 4)]:
        update_run(lake, day, article_id, of_day)
    monkeypatch.undo()
    incremental = rows_by_partition(Lake(lake.root), CLAIM_CLUSTERS)
    assert "first_seen_date=2026-03-01" in incremental  # clusters moved by the updates
    # Each restage read the claims files holding the changed ids (through the index), or
    # every one; and the cluster files of the partitions the old rows can be in, not all.
    claims_held, clusters_held = zip(*read["held"], strict=True)
    assert len(claims_held) == 4
    if claim_index == "index":
        assert read["claims"] == [6, 5, 8, 8] and claims_held == (12, 14, 16, 19)
    else:
        assert tuple(read["claims"]) == claims_held
    assert read["clusters"] == [3, 3, 3, 5] and clusters_held == (6, 6, 7, 8)
    shutil.copytree(lake.root, tmp_path / "full")
    full = Lake(tmp_path / "full")
    refresh_gold(full, run_of(10), [None], claims_changed=True)
    assert rows_by_partition(Lake(full.root), CLAIM_CLUSTERS) == incremental
    claims = parquet_relation(full, CLAIMS)
    expected = row_by_row(CLAIM_CLUSTERS, load_sql("claim_clusters", claims=claims), [2])
    assert incremental == {
        part: sorted(rows, key=lambda row: row["claim_id"]) for part, rows in expected.items()
    }
