"""The ingest flow end to end on the sample corpus, under a real (test) Prefect API."""

import asyncio
import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from lake_rows import snapshot

from newslake.flows.ingest import ingest, run_ingest
from newslake.transforms.claims.clusters import CLAIM_REF_SQL
from newslake.warehouse.views import WAREHOUSE

EXPECTED = json.loads((Path(__file__).parents[1] / "sample_expected.json").read_text())
PAGES = EXPECTED["pages"]
STORED = {
    rel: e
    for rel, e in PAGES.items()
    if e["kind"] in ("article", "syndicated") or e.get("broken_reason") == "latin1"
}
BROKEN_OUTCOMES = {
    "empty": "empty",
    "binary": "bad_content_type",
    "truncated": "parse_error",
    "no_article": "parse_error",
}

pytestmark = pytest.mark.usefixtures("prefect_backend")


def rows(lake: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def rel(url: str) -> str:
    return url.split("/sample/", 1)[1]


@pytest.fixture(scope="module")
def sample_lake(tmp_path_factory, sample_dir) -> tuple[Path, object]:
    """The sample corpus ingested once with two extraction processes."""
    lake = tmp_path_factory.mktemp("sample") / "lake"
    summary = run_ingest(
        sources=[{"path": str(sample_dir), "name": "sample"}],
        lake=str(lake),
        workers=2,
        config_path=str(sample_dir.parent / "demo.toml"),
    )
    return lake, summary


def test_every_input_ends_as_an_article_or_a_log_row_with_a_reason(sample_lake):
    lake, summary = sample_lake
    logged = {rel(u): (o, e) for u, o, e in rows(lake, "SELECT url, outcome, error FROM fetch_log")}
    assert set(logged) == set(PAGES)
    assert summary.inputs == len(PAGES)
    for path, entry in PAGES.items():
        outcome, error = logged[path]
        if path in STORED:
            assert outcome == "ok", path
        elif entry["kind"] == "exact_duplicate":
            assert outcome == "duplicate", path
        else:
            assert outcome == BROKEN_OUTCOMES[entry["broken_reason"]], path
            assert error, path


def test_bronze_pages_the_workers_wrote_are_the_pages_the_flow_process_writes(tmp_path, sample_dir):
    # The run's own Dask cluster: each worker writes the pages it extracted; one process: the
    # flow process does.
    lakes = {"dask": (2, "dask"), "alone": (1, "local")}
    for name, (workers, runner) in lakes.items():
        run_ingest(
            sources=[{"path": str(sample_dir), "name": "sample"}],
            lake=str(tmp_path / name),
            workers=workers,
            runner=runner,
            config_path=str(sample_dir.parent / "demo.toml"),
        )
    lake, alone = tmp_path / "dask", tmp_path / "alone"
    written = [p.name for p in (lake / "bronze" / "pages").rglob("*.parquet")]
    assert written and all("-p" in name.removeprefix("part-") for name in written)
    assert not any("-p" in p.name for p in (alone / "bronze" / "pages").rglob("*.parquet"))
    assert snapshot(lake) == snapshot(alone)


def test_counts_per_table(sample_lake):
    lake, summary = sample_lake
    assert rows(lake, "SELECT count(*) FROM articles") == [(len(STORED),)]
    assert summary.count("new") == len(STORED)
    assert summary.count("duplicates") == 2
    assert summary.failed == 4
    # Raw bytes are kept for every file that could be read as text.
    assert rows(lake, "SELECT count(*) FROM pages") == [(len(PAGES) - 2,)]
    assert rows(lake, "SELECT count(DISTINCT article_id) FROM articles") == [(len(STORED),)]


def test_titles_outlets_dates_languages_and_authors_match_the_pages(sample_lake):
    lake, _ = sample_lake
    found = {
        rel(r[0]): r[1:]
        for r in rows(
            lake, "SELECT url, title, outlet, published_at, language, authors FROM articles"
        )
    }
    for path, entry in STORED.items():
        title, outlet, published_at, language, authors = found[path]
        assert title == entry["title"], path  # the page's characters, curly quotes too
        if entry["canonical_url"]:
            assert outlet == entry["outlet"], path
        if entry["published_at"]:
            expected = datetime.fromisoformat(entry["published_at"]).astimezone(UTC)
            assert published_at == expected, path
        assert language == entry["language"], path
        if entry.get("authors"):
            assert authors == entry["authors"], path


def test_boilerplate_is_gone_and_the_article_text_stays(sample_lake):
    lake, _ = sample_lake
    texts = {rel(u): t for u, t in rows(lake, "SELECT url, text FROM articles")}
    for path, entry in STORED.items():
        for furniture in entry["must_not_contain"]:
            assert furniture not in texts[path], (path, furniture)
        for sentence in entry["must_contain"]:
            assert sentence in texts[path], (path, sentence)


def test_exact_duplicates_name_the_article_they_duplicate(sample_lake):
    lake, _ = sample_lake
    ids = {rel(u): a for u, a in rows(lake, "SELECT url, article_id FROM articles")}
    dups = rows(lake, "SELECT url, article_id FROM fetch_log WHERE outcome = 'duplicate'")
    assert {rel(u): a for u, a in dups} == {
        path: ids[entry["duplicate_of"]]
        for path, entry in PAGES.items()
        if entry["kind"] == "exact_duplicate"
    }


def test_partitions_are_by_the_publication_day_the_outlet_states(sample_lake):
    lake, _ = sample_lake
    mismatched = rows(
        lake, "SELECT count(*) FROM articles WHERE published_date IS DISTINCT FROM published_day"
    )
    assert mismatched == [(0,)]
    dates = {rel(u): d for u, d in rows(lake, "SELECT url, published_date FROM articles")}
    # A written byline date counts; a dateline without a year does not.
    assert str(dates["byteharbor/2026-03-09-orla-3-benchmarks-explained.md"]) == "2026-03-09"
    assert dates["meridian-press/2026-03-10-port-strike-mediator.txt"] is None


def table_state(lake: Path) -> dict[str, list[tuple]]:
    return {t: rows(lake, f"SELECT * FROM {t} ORDER BY ALL") for t in ("pages", "articles")}


def parquet_files(lake: Path) -> dict[str, int]:
    return {
        str(p.relative_to(lake)): p.stat().st_mtime_ns
        for p in lake.glob("*/*/*/*.parquet")
        if "fetch_log" not in str(p)
    }


def test_rerun_is_idempotent_and_a_changed_file_updates_exactly_its_article(tmp_path, sample_dir):
    corpus = tmp_path / "sample"
    shutil.copytree(sample_dir, corpus)
    lake = tmp_path / "lake"
    params = {"sources": [str(corpus)], "lake": str(lake), "workers": 1}

    run_ingest(**params)
    first, files = table_state(lake), parquet_files(lake)
    second_summary = run_ingest(**params)
    assert table_state(lake) == first
    assert parquet_files(lake) == files
    assert second_summary.count("new") == second_summary.count("updated") == 0
    assert second_summary.count("unchanged") == len(STORED)
    assert second_summary.count("duplicates") == 2

    changed = corpus / "meridian-press" / "2026-03-09-calder-bay-lead-advisory.html"
    (before_change,) = rows(
        lake,
        f"SELECT content_hash, updated_at, run_id FROM articles WHERE url = '{changed.as_uri()}'",
    )
    changed.write_text(changed.read_text().replace("18,000 residents", "19,500 residents"))
    coverage = lake / "gold" / "coverage_daily"
    gold_before = {p: p.stat().st_mtime_ns for p in coverage.rglob("*.parquet")}
    third = run_ingest(**params)
    assert (third.count("updated"), third.count("new")) == (1, 0)
    gold_after = {p: p.stat().st_mtime_ns for p in coverage.rglob("*.parquet")}
    rewritten = {p.parent.name for p in set(gold_after) ^ set(gold_before)}
    assert rewritten == {"date=2026-03-09"}  # only the changed article's day is recomputed
    after = table_state(lake)
    before_rows = {r[0]: r for r in first["articles"]}
    after_rows = {r[0]: r for r in after["articles"]}
    assert before_rows.keys() == after_rows.keys()
    differing = [k for k in after_rows if after_rows[k] != before_rows[k]]
    assert len(differing) == 1
    (changed_id,) = differing
    url, text = rows(lake, f"SELECT url, text FROM articles WHERE article_id = '{changed_id}'")[0]
    # Its claims were replaced: the old version's figure is gone, the new one is there.
    claims = " ".join(
        t for (t,) in rows(lake, f"SELECT text FROM claims WHERE article_id = '{changed_id}'")
    )
    assert "19,500 residents" in claims and "18,000 residents" not in claims
    assert "19,500 residents" in text and rel(url).endswith("lead-advisory.html")
    assert len(after["pages"]) == len(first["pages"]) + 1
    versions = rows(
        lake,
        "SELECT article_id, content_hash, seen_from, run_id_from, run_id_to, text "
        "FROM article_versions",
    )
    assert versions == [(changed_id, *before_change, third.run_id, versions[0][-1])]
    assert "18,000 residents" in versions[0][-1]


def test_the_flow_runs_under_prefect_and_reports_a_completed_state(tmp_path, sample_dir):
    source = sample_dir / "meridian-press"
    state = ingest(sources=[str(source)], lake=str(tmp_path / "lake"), workers=1, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary.count("new") == len(list(source.iterdir()))
    artifacts = asyncio.run(_artifacts(state.state_details.flow_run_id))
    assert set(artifacts) == {"ingest-summary", "ingest-outcomes", "lake"}
    markdown = artifacts["ingest-summary"].data
    assert summary.run_id in markdown and "| read | new |" in markdown
    assert f"Articles stored by this run: {summary.count('new')}" in markdown
    assert {"outcome": "ok", "inputs": summary.count("new")} in json.loads(
        artifacts["ingest-outcomes"].data
    )


async def _artifacts(flow_run_id) -> dict:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {artifact.key: artifact for artifact in found}


def test_a_run_over_an_empty_folder_completes_with_nothing_to_store(tmp_path):
    (tmp_path / "empty").mkdir()
    summary = run_ingest(sources=[str(tmp_path / "empty")], lake=str(tmp_path / "lake"))
    assert (summary.inputs, summary.failed) == (0, 0)


def test_a_config_error_inside_the_flow_surfaces_as_itself(tmp_path):
    from newslake.transforms.errors import ConfigError

    with pytest.raises(ConfigError, match="source not found"):
        run_ingest(sources=[str(tmp_path / "missing")], lake=str(tmp_path / "lake"))


STORY_TOPICS = {"ai-model": "ai-models", "port-strike": "port-strike", "water": "water-safety"}


def test_each_sample_article_carries_the_topic_of_its_story(sample_lake):
    lake, _ = sample_lake
    found = {
        rel(u): (t, h) for u, t, h in rows(lake, "SELECT url, topics, topic_hits FROM articles")
    }
    for path, entry in STORED.items():
        topics, hits = found[path]
        assert STORY_TOPICS[entry["story"]] in topics, path
        assert [h["topic"] for h in hits] == topics and all(h["hits"] > 0 for h in hits)


def test_coverage_daily_counts_match_the_articles_and_the_hand_counts(sample_lake):
    lake, _ = sample_lake
    coverage = {
        (str(d), o, t): (a, s)
        for d, o, t, a, s in rows(
            lake, 'SELECT "date", outlet, topic, articles, stories FROM coverage_daily'
        )
    }
    recount: Counter = Counter()
    for day, outlet, topics in rows(lake, "SELECT published_date, outlet, topics FROM articles"):
        for topic in topics or ["(none)"]:
            recount[(str(day), outlet or "(unknown)", topic)] += 1
    assert {k: a for k, (a, _) in coverage.items()} == dict(recount)
    assert all(s <= a for a, s in coverage.values())
    hand: Counter = Counter()
    for entry in STORED.values():
        if entry["published_at"] and entry["canonical_url"]:
            day = datetime.fromisoformat(entry["published_at"]).date()  # the outlet's own day
            hand[(str(day), entry["outlet"], STORY_TOPICS[entry["story"]])] += 1
    for key, count in hand.items():
        assert coverage[key][0] >= count, key


def test_share_of_voice_adds_up_to_one_per_topic(sample_lake):
    lake, _ = sample_lake
    totals = rows(lake, "SELECT topic, round(sum(story_share), 3) FROM share_of_voice GROUP BY 1")
    assert totals and all(total == 1.0 for _, total in totals)


def test_syndicated_copies_share_their_originals_story_and_nothing_else_does(sample_lake):
    lake, _ = sample_lake
    story = {rel(u): s for u, s in rows(lake, "SELECT url, story_id FROM articles")}
    expected_groups = {}
    for path, entry in STORED.items():
        root = entry["duplicate_of"] if entry["kind"] == "syndicated" else path
        expected_groups.setdefault(root, set()).add(path)
    found_groups = {}
    for path, story_id in story.items():
        found_groups.setdefault(story_id, set()).add(path)
    assert sorted(map(sorted, found_groups.values())) == sorted(
        map(sorted, expected_groups.values())
    )


def test_each_story_is_represented_by_its_earliest_then_longest_article(sample_lake):
    lake, _ = sample_lake
    stories = {}
    for story, article, published, words, canonical in rows(
        lake,
        "SELECT story_id, article_id, published_at, word_count, is_story_canonical FROM articles",
    ):
        stories.setdefault(story, []).append(
            (published is None, published, -words, article, canonical)
        )
    assert any(len(members) > 1 for members in stories.values())
    for members in stories.values():
        first, *rest = sorted(members, key=lambda m: m[:4])
        assert first[4] and not any(m[4] for m in rest)


def test_a_later_runs_syndicated_copy_joins_the_earlier_story(tmp_path, sample_dir):
    originals, copies = tmp_path / "originals", tmp_path / "copies"
    originals.mkdir()
    copies.mkdir()
    for path, entry in STORED.items():
        if entry["kind"] == "syndicated":
            (copies / path.replace("/", "_")).write_bytes((sample_dir / path).read_bytes())
            original = entry["duplicate_of"]
            (originals / original.replace("/", "_")).write_bytes(
                (sample_dir / original).read_bytes()
            )
    lake = tmp_path / "lake"
    run_ingest(sources=[str(originals)], lake=str(lake), workers=1)
    first = dict(rows(lake, "SELECT canonical_url, story_id FROM articles"))
    claims_sql = f"SELECT {CLAIM_REF_SQL}, claim_id FROM claims"
    first_claims = dict(rows(lake, claims_sql))
    second = run_ingest(sources=[str(copies)], lake=str(lake), workers=1)
    after = dict(rows(lake, "SELECT canonical_url, story_id FROM articles"))
    assert {k: after[k] for k in first} == first  # earlier assignments never change
    new_stories = {after[k] for k in set(after) - set(first)}
    assert new_stories <= set(first.values())  # every copy joined a first-run story
    # Claims too: the first run's keep their ids; the copies' join the first run's clusters.
    after_claims = dict(rows(lake, claims_sql))
    assert {k: after_claims[k] for k in first_claims} == first_claims
    joined = rows(
        lake,
        f"SELECT count(*) FILTER (WHERE claim_id IN (SELECT claim_id FROM claims "
        f"WHERE run_id <> '{second.run_id}')), count(*) FROM claims "
        f"WHERE run_id = '{second.run_id}'",
    )
    ((in_old_clusters, new_claims),) = joined
    assert new_claims > 0 and in_old_clusters >= 0.8 * new_claims


CLAIMS = {c["id"]: c for c in EXPECTED["claims"]}


def test_claims_are_english_sentences_with_their_figures_rules_and_sources(sample_lake):
    lake, _ = sample_lake
    languages = rows(
        lake, "SELECT DISTINCT a.language FROM claims c JOIN articles a USING (article_id)"
    )
    assert languages == [("en",)]
    assert rows(lake, "SELECT count(*) > 200, count(DISTINCT article_id) > 20 FROM claims") == [
        (True, True)
    ]
    rules = {rule for (rule,) in rows(lake, "SELECT DISTINCT rule FROM claims")}
    assert rules <= {"figure", "attribution", "comparison", "date", "statement"}
    money = rows(
        lake,
        "SELECT q.value FROM (SELECT unnest(quantities) AS q FROM claims) "
        "WHERE q.kind = 'money' AND q.text = '$14 million'",
    )
    assert money and {value for (value,) in money} == {14_000_000.0}
    sources = {s for (s,) in rows(lake, "SELECT DISTINCT attributed_to FROM claims")}
    assert "Annette Fairlie" in sources


def test_a_claim_stated_with_different_figures_is_one_cluster_listing_them(sample_lake):
    lake, _ = sample_lake
    truth = CLAIMS["ai-cost"]
    found = rows(
        lake, "SELECT c.claim_id, a.url, c.text FROM claims c JOIN articles a USING (article_id)"
    )
    stating = [
        (claim_id, url)
        for claim_id, url, text in found
        for page, figure in truth["figure_by_page"].items()
        if url.endswith(page) and figure.lower() in text.lower()
    ]
    biggest, _ = Counter(claim_id for claim_id, _ in stating).most_common(1)[0]
    (cluster,) = rows(
        lake,
        f"SELECT outlets, stories, [f.value FOR f IN figures] FROM claim_clusters "
        f"WHERE claim_id = '{biggest}'",
    )
    outlets, stories, values = cluster
    assert outlets >= 3 and stories >= 3
    assert len(set(values)) >= 2  # e.g. $5.57 million and about $6 million
    assert rows(lake, f"SELECT count(*) FROM claim_figures WHERE claim_id = '{biggest}'") != [(0,)]


def test_sentences_of_different_labelled_claims_rarely_share_a_cluster(sample_lake):
    lake, _ = sample_lake
    found = rows(
        lake, "SELECT c.claim_id, a.url, c.text FROM claims c JOIN articles a USING (article_id)"
    )
    labelled = []  # (claim_id, labelled claims the sentence states) for labelled sentences
    for claim_id, url, text in found:
        truths = {
            t["id"]
            for t in EXPECTED["claims"]
            for page, figure in t["figure_by_page"].items()
            if url.endswith(page) and figure.lower() in text.lower()
        }
        if truths:
            labelled.append((claim_id, truths))
    assert len(labelled) >= 50
    together = [
        bool(a[1] & b[1]) for i, a in enumerate(labelled) for b in labelled[i + 1 :] if a[0] == b[0]
    ]
    assert together and sum(together) / len(together) >= 0.95  # pairwise precision


def test_recurring_claims_have_independent_support_and_copies_count_once(sample_lake):
    lake, _ = sample_lake
    recurring = rows(lake, "SELECT claim_id, stories, articles FROM recurring_claims")
    assert len(recurring) >= 5
    assert all(stories >= 2 and articles >= stories for _, stories, articles in recurring)
    # A syndicated copy adds an article to a claim, never a story.
    copies = rows(lake, "SELECT count(*) FROM claim_clusters WHERE articles > stories")
    assert copies[0][0] > 0


def test_every_documented_example_query_answers_on_the_sample(sample_lake):
    from newslake.warehouse.examples import EXAMPLES

    lake, _ = sample_lake
    for question, sql in EXAMPLES:
        assert rows(lake, sql), question
