from datetime import UTC, date, datetime

import duckdb
import pyarrow.parquet as pq
from lake_rows import article, commit, read, snapshot

from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import compact_lake, reprocess_lake
from newslake.transforms.claims.clusters import CLAIM_REF_SQL
from newslake.transforms.records import RunInfo
from newslake.transforms.tokens import fold_chars
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, CLAIMS


def test_the_compact_flow_merges_partitions_under_prefect(tmp_path, prefect_backend):
    lake = Lake(tmp_path / "lake")
    for n in (1, 2):
        run = RunInfo(f"run-{n}", datetime(2026, 3, n, tzinfo=UTC))
        commit(lake, run, [article(f"a{n}", 5, run)])
    before = read(lake, "articles")
    state = compact_lake(lake=str(lake.root), return_state=True)
    assert state.is_completed()
    assert state.result() == {"articles": 2}
    assert len(lake.data_files(ARTICLES)) == 1
    assert read(lake, "articles") == before


def test_reprocess_rebuilds_silver_and_gold_from_bronze_as_a_fresh_ingest(
    tmp_path, sample_dir, prefect_backend
):
    lake = tmp_path / "lake"
    config = str(sample_dir.parent / "demo.toml")
    sources = [str(sample_dir / "meridian-press"), str(sample_dir / "byteharbor")]
    run_ingest(sources=sources, lake=str(lake), config_path=config, workers=1)
    before = snapshot(lake)
    seen = read_rows(lake, "SELECT article_id, first_seen_at FROM articles")
    sentences = "SELECT * EXCLUDE (claim_id, run_id) FROM claims"
    claims_before = read_rows(lake, sentences)

    state = reprocess_lake(lake=str(lake), config_path=config, workers=1, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary.count("new") == len(before["articles"])
    after = snapshot(lake)
    for table in ("pages", "articles", "story_index", "coverage_daily"):
        assert after[table] == before[table], table
    # The same claim sentences, grouped anew: grouping is greedy, so it follows the order
    # the pages come in; a second reprocess, in the same order, groups them the same way.
    assert read_rows(lake, sentences) == claims_before
    groups = claim_groups(lake)
    again = reprocess_lake(lake=str(lake), config_path=config, workers=1)
    assert again.count("new") == summary.count("new")
    assert claim_groups(lake) == groups
    assert read_rows(lake, "SELECT article_id, first_seen_at FROM articles") == seen
    logged = read_rows(lake, f"SELECT count(*) FROM fetch_log WHERE run_id = '{summary.run_id}'")
    assert logged == [(summary.inputs,)]  # every page reprocessed has its audit row


def claim_groups(lake) -> set[frozenset[str]]:
    """Claims as groups of sentences, whatever their ids."""
    rows = read_rows(lake, f"SELECT list({CLAIM_REF_SQL}) FROM claims GROUP BY claim_id")
    return {frozenset(refs) for (refs,) in rows}


def read_rows(lake, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


def test_reprocess_stages_rebuild_claims_and_gold_without_extracting(
    tmp_path, sample_dir, prefect_backend
):
    lake = tmp_path / "lake"
    config = str(sample_dir.parent / "demo.toml")
    sources = [str(sample_dir / "meridian-press"), str(sample_dir / "byteharbor")]
    run_ingest(sources=sources, lake=str(lake), config_path=config, workers=1)
    sentences = "SELECT * EXCLUDE (claim_id, run_id) FROM claims"
    claims_before = read_rows(lake, sentences)
    # A full reprocess meets the articles in the order the claims stage does (grouping is
    # greedy, so order matters), and groups them the same way.
    reprocess_lake(lake=str(lake), config_path=config, workers=1)
    before = snapshot(lake)
    groups = claim_groups(lake)

    claims = reprocess_lake(lake=str(lake), config_path=config, stage="claims")
    assert claims.count("new") == 0  # no page was extracted, no article rewritten
    assert claims.outcomes["claims_regrouped"] == len(before["articles"])
    assert read_rows(lake, sentences) == claims_before
    assert claim_groups(lake) == groups
    assert snapshot(lake)["articles"] == before["articles"]

    gold = reprocess_lake(lake=str(lake), config_path=config, stage="gold")
    assert gold.inputs == 0
    after = snapshot(lake)
    for table in ("articles", "coverage_daily", "claim_clusters"):
        assert after[table] == before[table], table


def test_reprocess_since_extracts_only_later_pages_again_as_updates(
    tmp_path, sample_dir, prefect_backend
):
    lake = tmp_path / "lake"
    config = str(sample_dir.parent / "demo.toml")
    run_ingest(
        sources=[str(sample_dir / "meridian-press")], lake=str(lake), config_path=config, workers=1
    )
    before = snapshot(lake)
    later = datetime.now(UTC).date()

    summary = reprocess_lake(lake=str(lake), config_path=config, workers=1, since=later)
    pages = read_rows(lake, "SELECT count(DISTINCT url) FROM pages")[0][0]
    assert summary.inputs == pages  # every page was fetched today, so all are looked at again
    assert summary.count("new") == 0 and summary.count("updated") == 0  # same extractor
    assert snapshot(lake)["articles"] == before["articles"]

    tomorrow = date.fromordinal(later.toordinal() + 1)
    nothing = reprocess_lake(lake=str(lake), config_path=config, since=tomorrow)
    assert nothing.inputs == 0


def test_reprocess_gives_a_lake_of_folded_texts_the_pages_characters_back(
    tmp_path, sample_dir, prefect_backend
):
    """A lake whose texts were stored with quotes straightened (as before they kept the page's
    characters) comes out of a full reprocess as a fresh ingest: hashes and ids unchanged."""
    lake = tmp_path / "lake"
    config = str(sample_dir.parent / "demo.toml")
    run_ingest(sources=[str(sample_dir / "bayline-business")], lake=str(lake), config_path=config)
    fresh = snapshot(lake)
    assert any("\u2019" in text for (text,) in read_rows(lake, "SELECT text FROM articles"))
    ids = "SELECT article_id, content_hash, story_id FROM articles"
    before = read_rows(lake, ids), read_rows(lake, "SELECT claim_id, article_id FROM claims")

    store = Lake(lake)
    run = RunInfo("folding", datetime(2026, 3, 20, tzinfo=UTC))
    with store.writing(run, timeout_s=5) as staged:
        for spec, columns in ((ARTICLES, ("text", "title")), (CLAIMS, ("text",))):
            rows = [
                row for path in store.data_files(spec) for row in pq.read_table(path).to_pylist()
            ]
            staged.clear_table(spec.name)
            staged.add(spec.name, [{**r, **{c: fold_chars(r[c]) for c in columns}} for r in rows])
        staged.publish()
    folded = snapshot(lake)
    assert folded["articles"] != fresh["articles"] and folded["claims"] != fresh["claims"]

    reprocess_lake(lake=str(lake), config_path=config, workers=1)
    after = snapshot(lake)
    for table in ("articles", "story_index", "claims", "coverage_daily", "claim_clusters"):
        assert after[table] == fresh[table], table
    assert (
        read_rows(lake, ids),
        read_rows(lake, "SELECT claim_id, article_id FROM claims"),
    ) == before
