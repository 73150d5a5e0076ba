from datetime import UTC, datetime

import duckdb

from newslake.transforms.records import RunInfo
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import COVERAGE_DAILY
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
    (lost,) = (lake.table_dir(COVERAGE_DAILY) / "date=2026-03-06").glob("*.parquet")
    lost.unlink()  # as if a run died between its article and gold commits
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
