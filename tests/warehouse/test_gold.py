import os
from datetime import UTC, datetime

import duckdb

from newslake.transforms.records import RunInfo
from newslake.warehouse import gold as gold_module
from newslake.warehouse.engine import LARGER_LIMITS, MEMORY_LIMIT
from newslake.warehouse.gold import MIN_STORIES_NOTE, _noted_min_stories, refresh_gold
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.schemas import CLAIM_CLUSTERS, COVERAGE_DAILY
from newslake.warehouse.views import WAREHOUSE

RUN = RunInfo("r1", datetime(2026, 3, 10, tzinfo=UTC))


def article(
    article_id, day, outlet, topics, story=None, *, words=10, canonical=True, access="full"
):
    stamp = datetime(2026, 3, day, 12, tzinfo=UTC) if day else None
    return {
        "article_id": article_id,
        "page_id": "p",
        "url": "u",
        "canonical_url": None,
        "outlet": outlet,
        "source": "s",
        "title": "t",
        "authors": [],
        "published_at": stamp,
        "language": "en",
        "date_source": None,
        "date_confidence": "none",
        "is_updated": False,
        "date_candidates": [],
        "text": "x",
        "word_count": words,
        "content_hash": article_id,
        "story_id": story or article_id,
        "is_story_canonical": canonical,
        "access": access,
        "topics": topics,
        "topic_hits": [{"topic": t, "hits": 1} for t in topics],
        "first_seen_at": RUN.started_at,
        "updated_at": RUN.started_at,
        "run_id": RUN.run_id,
    }


def coverage(lake: Lake) -> list[tuple]:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute(
            'SELECT CAST("date" AS VARCHAR), outlet, topic, access, articles, stories, '
            "words FROM coverage_daily ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def test_coverage_counts_articles_once_per_topic_and_copies_once_as_stories(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add(
            "articles",
            [
                article("a", 5, "Gazette", ["strike"], story="s1"),
                article("b", 5, "Gazette", ["strike", "ai"], story="s1"),
                article("c", 5, None, []),
                article("d", None, "Wire", ["ai"]),
                article("e", 5, "Gazette", ["ai"], access="teaser"),
            ],
        )
        commit.publish()
        done = refresh_gold(lake, RUN, {datetime(2026, 3, 5).date(), None})
    assert done.coverage_dates == 2
    assert coverage(lake) == [
        ("2026-03-05", "(unknown)", "(none)", "full", 1, 1, 10),
        ("2026-03-05", "Gazette", "ai", "full", 1, 1, 10),
        ("2026-03-05", "Gazette", "ai", "teaser", 1, 1, 10),
        ("2026-03-05", "Gazette", "strike", "full", 2, 1, 20),
        (None, "Wire", "ai", "full", 1, 1, 10),
    ]


def test_a_day_whose_coverage_went_missing_is_recomputed_by_the_next_refresh(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 5, "Gazette", []), article("b", 6, "Gazette", [])])
        commit.publish()
        refresh_gold(lake, RUN, {datetime(2026, 3, 5).date(), datetime(2026, 3, 6).date()})
    (lost,) = [f for f in lake.data_files(COVERAGE_DAILY) if f.parent.name == "date=2026-03-06"]
    with lake.writing(RunInfo("r1-lost", RUN.started_at), timeout_s=1) as commit:
        commit.drop(COVERAGE_DAILY.name, f"{lost.parent.name}/{lost.name}")  # the day's rows go
        commit.publish()
    with lake.writing(RunInfo("r2", RUN.started_at), timeout_s=1):
        assert refresh_gold(lake, RunInfo("r2", RUN.started_at), set()).coverage_dates == 1
    assert [row[0] for row in coverage(lake)] == ["2026-03-05", "2026-03-06"]


def canonical_flags(lake: Lake) -> dict[str, bool]:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        rows = con.execute("SELECT article_id, is_story_canonical FROM articles").fetchall()
    finally:
        con.close()
    assert len(rows) == len({article_id for article_id, _ in rows})  # no row doubled
    return dict(rows)


def test_a_later_run_bringing_an_earlier_copy_moves_the_story_representative(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 6, "Gazette", [], story="s1")])
        commit.publish()
        assert refresh_gold(lake, RUN, set()).canonical_flips == 0
    second = RunInfo("r2", RUN.started_at)
    with lake.writing(second, timeout_s=1) as commit:
        commit.add(
            "articles",
            [
                article("b", 5, "Wire", [], story="s1", canonical=False),
                article("c", None, "Post", [], story="s1", canonical=False, words=900),
            ],
        )
        commit.publish()
        assert refresh_gold(lake, second, set()).canonical_flips == 2
    assert canonical_flags(lake) == {"a": False, "b": True, "c": False}
    with lake.writing(RunInfo("r3", RUN.started_at), timeout_s=1):
        assert refresh_gold(lake, RunInfo("r3", RUN.started_at), set()).canonical_flips == 0


def test_copies_published_at_the_same_time_are_represented_by_the_longest(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add(
            "articles",
            [
                article("a", 5, "Gazette", [], story="s1", words=300),
                article("b", 5, "Wire", [], story="s1", words=420, canonical=False),
                article("z", 5, "Post", [], story="s2", words=50),
            ],
        )
        commit.publish()
        assert refresh_gold(lake, RUN, set()).canonical_flips == 2
    assert canonical_flags(lake) == {"a": False, "b": True, "z": True}


def claim(claim_id, article_id, story, outlet, day, figure=None, index=0, source=None):
    quantities = []
    if figure:
        text, value = figure
        quantities = [{"value": value, "unit": "USD", "kind": "money", "text": text, "high": None}]
    return {
        "claim_id": claim_id,
        "article_id": article_id,
        "sentence_index": index,
        "story_id": story,
        "outlet": outlet,
        "text": f"{outlet} says it cost {figure[0] if figure else 'a lot'}.",
        "normalised": "it cost <num>",
        "quantities": quantities,
        "attributed_to": source,
        "rule": "figure",
        "published_at": datetime(2026, 3, day, 9, tzinfo=UTC),
        "match_keys": [1, 2],
        "run_id": RUN.run_id,
    }


def test_claim_clusters_count_copies_of_a_story_once_and_list_every_figure(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 5, "Post", [])])
        commit.add(
            "claims",
            [
                claim("x", "a", "s1", "Post", 6, ("$6 million", 6e6), source="the lab"),
                claim("x", "b", "s1", "Wire", 5, ("$6 million", 6e6)),  # a copy of story s1
                claim("x", "c", "s2", "Herald", 7, ("US$5.5 million", 5.5e6)),
                claim("y", "c", "s2", "Herald", 7, index=1),
            ],
        )
        commit.publish()
        assert refresh_gold(lake, RUN, set(), min_stories=2).claim_clusters == 2
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        clusters = con.execute(
            "SELECT claim_id, articles, stories, outlets, outlet_order, attributed_to, "
            "is_recurring, [f.mentions FOR f IN figures] FROM claim_clusters ORDER BY 1"
        ).fetchall()
        recurring = con.execute("SELECT claim_id, representative FROM recurring_claims").fetchall()
        disagree = con.execute("SELECT claim_id, low, high FROM claim_figures").fetchall()
    finally:
        con.close()
    assert clusters == [
        ("x", 3, 2, 3, ["Wire", "Post", "Herald"], ["the lab"], True, [1, 2]),
        ("y", 1, 1, 1, ["Herald"], [], False, []),
    ]
    assert recurring == [("x", "Wire says it cost $6 million.")]  # the earliest wording
    assert disagree == [("x", 5.5e6, 6e6)]


def test_claim_clusters_aggregated_in_several_passes_match_one_pass(tmp_path, monkeypatch):
    ids = ["0f3c000000000000", "5555000000000000", "7a10000000000000", "ffff000000000000"]
    rows = [
        claim(claim_id, f"a{i}{k}", f"s{k}", outlet, 5 + k, ("$6 million", 6e6), index=i)
        for i, claim_id in enumerate(ids)
        for k, outlet in enumerate(["Post", "Wire", "Herald"][: i + 1])
    ]

    def clusters(lake_dir, per_pass):
        monkeypatch.setattr(gold_module, "CLAIMS_PER_PASS", per_pass)
        lake = Lake(lake_dir)
        with lake.writing(RUN, timeout_s=1) as commit:
            commit.add("articles", [article("a", 5, "Post", [])])
            commit.add("claims", rows)
            commit.publish()
        assert refresh_gold(lake, RUN, set(), min_stories=2).claim_clusters == len(ids)
        con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
        try:
            return con.execute("SELECT * FROM claim_clusters").fetchall()  # in file order
        finally:
            con.close()

    one_pass = clusters(tmp_path / "one", 1_000)
    assert [row[0] for row in one_pass] == ids
    assert clusters(tmp_path / "four", 3) == one_pass  # 10 claims: four ranges of ids


def test_claim_id_ranges_hold_every_id_once():
    ids = ["", "0000000000000000", "3fff", "4000", "bfffffffffffffff", "c000", "ffff", "zz"]
    con = duckdb.connect()
    for parts in (1, 2, 4, 7):
        hits = [
            sum(
                con.execute(f"SELECT {where} FROM (SELECT ? AS claim_id)", [i]).fetchone()[0]
                for where in gold_module.claim_id_ranges(parts)
            )
            for i in ids
        ]
        assert hits == [1] * len(ids)


def test_a_refresh_that_runs_out_of_memory_runs_again_with_more(tmp_path, monkeypatch):
    limits = []
    real_connection = gold_module.work_connection

    def starved_first(spill_dir, memory_limit):
        limits.append(memory_limit)
        con = real_connection(spill_dir, memory_limit=memory_limit)
        if len(limits) == 1:  # the first attempt gets almost nothing
            con.execute("SET memory_limit = '1KB'")
        return con

    monkeypatch.setattr(gold_module, "work_connection", starved_first)
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 5, "Gazette", ["ai"]), article("b", 5, "Wire", [])])
        commit.publish()
        done = refresh_gold(lake, RUN, {datetime(2026, 3, 5).date()})
    assert limits == [MEMORY_LIMIT, LARGER_LIMITS[0]]
    assert done.coverage_dates == 1
    assert [row[1] for row in coverage(lake)] == ["Gazette", "Wire"]
    assert not any((lake.root / "_staging").iterdir())  # the failed attempt left nothing


def cluster_rows(lake: Lake) -> list[tuple]:
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    try:
        return con.execute("SELECT * FROM claim_clusters ORDER BY claim_id").fetchall()
    finally:
        con.close()


def cluster_files(lake: Lake) -> set[str]:
    table_dir = lake.table_dir(CLAIM_CLUSTERS)
    return {path.relative_to(table_dir).as_posix() for path in lake.data_files(CLAIM_CLUSTERS)}


FIRST_CLAIMS = [
    claim("x", "a", "s1", "Post", 5, ("$6 million", 6e6)),
    claim("y", "c", "s2", "Herald", 5, index=1),
    claim("z", "d", "s3", "Wire", 7, ("$2 million", 2e6)),
]
LATER_CLAIM = claim("x", "b", "s4", "Wire", 3, ("$7 million", 7e6))  # x now first seen on the 3rd


def second_run(lake: Lake, run: RunInfo) -> None:
    """A run that adds a claim to cluster x and removes article c's claims (all of y)."""
    index = LakeIndex(lake)
    [(claims_file, _)] = index.stored_claims_of("c")
    index.close()
    with lake.writing(run, timeout_s=1) as commit:
        commit.add("claims", [LATER_CLAIM])
        commit.remove("claims", claims_file, ["c"])
        commit.publish()


def from_scratch(tmp_path) -> list[tuple]:
    lake = Lake(tmp_path / "scratch")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 5, "Post", [])])
        commit.add("claims", [LATER_CLAIM, *(c for c in FIRST_CLAIMS if c["article_id"] != "c")])
        commit.publish()
    refresh_gold(lake, RUN, set(), claims_changed=True)
    return cluster_rows(lake)


def first_run(tmp_path) -> Lake:
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add("articles", [article("a", 5, "Post", [])])
        commit.add("claims", FIRST_CLAIMS)
        commit.publish()
    assert refresh_gold(lake, RUN, set(), changed_claims={"x", "y", "z"}).claim_clusters == 3
    return lake


def test_a_run_recomputes_only_the_claim_clusters_it_changed_as_a_full_rebuild_would(tmp_path):
    lake = first_run(tmp_path)
    before = cluster_files(lake)
    z_file = next(f for f in before if "2026-03-07" in f)
    second = RunInfo("r2", RUN.started_at)
    second_run(lake, second)
    done = refresh_gold(lake, second, set(), changed_claims={"x", "y"})
    assert done.claim_clusters == 1  # x anew; y has no claim left
    assert z_file in cluster_files(lake)  # z's row was not rewritten
    assert [row[0] for row in cluster_rows(lake)] == ["x", "z"]
    assert cluster_rows(lake) == from_scratch(tmp_path)
    assert refresh_gold(lake, RunInfo("r3", RUN.started_at), set()).claim_clusters == 0


def test_claims_changed_since_the_last_gold_commit_rebuild_every_cluster(tmp_path):
    lake = first_run(tmp_path)
    second_run(lake, RunInfo("r2", RUN.started_at))  # died before its gold refresh
    third = RunInfo("r3", RUN.started_at)
    assert refresh_gold(lake, third, set(), changed_claims=set()).claim_clusters == 2
    assert cluster_rows(lake) == from_scratch(tmp_path)


def test_a_changed_min_stories_rebuilds_every_cluster(tmp_path):
    lake = first_run(tmp_path)
    again = RunInfo("r2", RUN.started_at)
    assert refresh_gold(lake, again, set(), min_stories=1).claim_clusters == 3
    assert all(row[-1] for row in cluster_rows(lake))  # is_recurring with one story


def test_the_min_stories_a_refresh_used_is_noted_for_its_clusters_version_only(tmp_path):
    lake = first_run(tmp_path)
    assert _noted_min_stories(lake) == 2
    note = lake.root / MIN_STORIES_NOTE
    # Another claims.min_stories than noted: every cluster is computed again, and noted.
    assert refresh_gold(lake, RunInfo("r2", RUN.started_at), set(), min_stories=1).claim_clusters
    assert _noted_min_stories(lake) == 1
    # A note of another log entry of the version (a lake whose log was made anew) is not
    # trusted: the clusters are read to tell.
    log = next((lake.table_dir(CLAIM_CLUSTERS) / "_delta_log").glob("*.json"))
    kept = note.read_text()
    for entry in (lake.table_dir(CLAIM_CLUSTERS) / "_delta_log").glob("*.json"):
        os.utime(entry, ns=(1, 1))
    assert log.exists() and _noted_min_stories(lake) is None
    assert note.read_text() == kept
    assert refresh_gold(lake, RunInfo("r3", RUN.started_at), set(), min_stories=2).claim_clusters
    assert _noted_min_stories(lake) == 2


def settled_lake(tmp_path) -> Lake:
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN, timeout_s=1) as commit:
        commit.add(
            "articles",
            [article("a", 6, "Gazette", [], story="s1"), article("z", 8, "Post", [], story="s2")],
        )
        commit.publish()
    assert refresh_gold(lake, RUN, set(), stories={"s1", "s2"}).canonical_flips == 0
    return lake


def test_a_run_settles_only_the_stories_it_touched_as_settling_every_story_would(tmp_path):
    lake = settled_lake(tmp_path)
    second = RunInfo("r2", RUN.started_at)
    with lake.writing(second, timeout_s=1) as commit:
        commit.add("articles", [article("b", 5, "Wire", [], story="s1", canonical=False)])
        commit.publish()
    assert refresh_gold(lake, second, set(), stories={"s1"}).canonical_flips == 2
    assert canonical_flags(lake) == {"a": False, "b": True, "z": True}


def test_articles_changed_since_the_last_gold_commit_settle_every_story(tmp_path):
    lake = settled_lake(tmp_path)
    with lake.writing(RunInfo("r2", RUN.started_at), timeout_s=1) as commit:  # died before gold
        commit.add("articles", [article("y", 7, "Wire", [], story="s2", canonical=False)])
        commit.publish()
    third = RunInfo("r3", RUN.started_at)
    assert refresh_gold(lake, third, set(), stories=set()).canonical_flips == 2
    assert canonical_flags(lake) == {"a": True, "y": True, "z": False}
