from dataclasses import replace

import pytest
from lake_rows import RUN1, RUN2, article

from newslake.transforms.claims.clusters import MAX_CLAIMS_PER_KEY as CLAIM_KEY_SHARERS
from newslake.transforms.claims.clusters import exact_key
from newslake.transforms.dedup import KnownArticle
from newslake.transforms.placement import KnownPage
from newslake.transforms.records import Article, ClaimRow, FetchLogRow, Page, StoryIndexRow, as_row
from newslake.transforms.stories import Candidate
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import MAX_BAND_KEY_SHARERS, LakeIndex

AT = RUN1.started_at


def stored_article(article_id: str, content_hash: str, page_id: str) -> dict:
    return {**article(article_id, 5), "content_hash": content_hash, "page_id": page_id}


def claim(article_id: str, index: int, claim_id: str, keys: list[int]) -> ClaimRow:
    return ClaimRow(
        claim_id, article_id, index, "s", "Gazette", f"Claim {article_id}.", "claim",
        [], None, "statement", AT, keys, RUN1.run_id,
    )  # fmt: skip


@pytest.fixture
def lake(tmp_path) -> Lake:
    """A lake holding two articles (a, b: the same text), their pages, logs and claims."""
    lake = Lake(tmp_path / "lake")
    page = Page.create(source="files:t", url="file:///a", body=b"<p>A.</p>", run=RUN1)
    failed = Page.create(source="files:t", url="file:///x", body=b"", run=RUN1)
    with lake.writing(RUN1, timeout_s=1) as commit:
        commit.add("pages", [as_row(page), as_row(failed)])
        commit.add(
            "fetch_log",
            [
                as_row(FetchLogRow.for_page(page, "ok", RUN1, article_id="a")),
                as_row(FetchLogRow.for_page(failed, "parse_error", RUN1, error="no text")),
            ],
        )
        commit.add(
            "articles", [stored_article("a", "h1", page.page_id), stored_article("b", "h1", "p-b")]
        )
        commit.add("claims", [as_row(claim("a", 0, "c1", [7, 8]))])
        commit.publish()
    return lake


def test_an_empty_lake_index_knows_nothing(tmp_path):
    index = LakeIndex(None, spill=tmp_path / "index.duckdb")
    known = index.find(["a"], ["h1"])
    assert (known.by_id, known.by_hash) == ({}, {})
    assert index.known_pages(["p"]) == {}
    assert index.known_urls(["file:///a"]) == set()
    assert index.validators(["file:///a"]) == {}
    assert index.story_candidates(["k"]) == {}
    assert index.claim_exact([7]) == {}
    index.close()


def test_stored_articles_are_found_by_id_and_by_hash_oldest_first(lake):
    index = LakeIndex(lake)
    known = index.find(["a", "zz"], ["h1"])
    assert list(known.by_id) == ["a"]
    assert known.by_id["a"] == KnownArticle("a", "h1", "Gazette", "a", AT)
    assert [k.article_id for k in known.by_hash["h1"]] == ["a", "b"]
    assert index.file_of("a").startswith("published_date=2026-03-05/")
    index.close()


def test_the_runs_own_articles_are_found_but_have_no_stored_file(lake):
    index = LakeIndex(lake)
    row = {**stored_article("c", "h2", "p-c"), "first_seen_at": RUN2.started_at}
    new = Article(**row, published_offset_minutes=None, published_day=None)
    index.remember([new])
    known = index.find(["c"], ["h2"])
    assert known.by_id["c"].is_from_this_run
    assert [k.article_id for k in known.by_hash["h2"]] == ["c"]
    assert index.file_of("c") is None
    index.close()


def test_a_stored_page_says_what_became_of_it(lake):
    index = LakeIndex(lake)
    pages = index.known_pages(
        [Page.create(source="files:t", url=u, body=b, run=RUN1).page_id for u, b in
         (("file:///a", b"<p>A.</p>"), ("file:///x", b""), ("file:///new", b"new"))]
    )  # fmt: skip
    assert sorted(pages.values(), key=lambda p: p.outcome) == [
        KnownPage("ok", None, "a", True),
        KnownPage("parse_error", "no text", None, False),
    ]
    assert index.known_urls(["file:///a", "file:///new"]) == {"file:///a"}
    index.close()


def test_story_candidates_share_a_band_key_unless_too_many_do(tmp_path):
    index = LakeIndex(None)
    row = StoryIndexRow("a", "s1", AT, ["k1", "k2"], [1, 2], AT, RUN1.run_id)
    crowd = [
        replace(row, article_id=f"n{i}", band_keys=["busy"]) for i in range(MAX_BAND_KEY_SHARERS)
    ]
    index.remember_stories([row, *crowd, replace(row, article_id="x", band_keys=["busy"])])
    found = index.story_candidates(["k2", "busy", "none"])
    assert found == {"k2": [Candidate("s1", [1, 2], AT, "a")]}
    index.close()


def test_claims_are_candidates_by_key_until_forgotten(lake):
    index = LakeIndex(lake)
    index.remember_claims([claim("b", 1, "c2", [8, exact_key("claim")])])
    assert sorted(index.claim_candidates([8])[8]) == [
        ("a:0", "c1", "Claim a."),
        ("b:1", "c2", "Claim b."),
    ]
    assert index.claim_exact([exact_key("claim")]) == {exact_key("claim"): "c2"}
    assert index.claim_heads(["c1"]) == {"c1": ("a:0", "Claim a.")}
    [(file, claim_id)] = index.stored_claims_of("a")
    assert file.endswith(".parquet") and claim_id == "c1"
    assert index.stored_claims_of("b") == []  # staged by this run, in no committed file yet
    index.forget_claims("a")
    assert [ref for ref, *_ in index.claim_candidates([8])[8]] == ["b:1"]
    index.close()


# The lake answered per batch, against the same rows held as a run's own: every question must
# come out the same whether the rows are committed files or remembered by the run.

STORIES = [
    StoryIndexRow("a", "s1", AT, ["0:x", "1:y"], [1, 2], AT, RUN1.run_id),
    StoryIndexRow("b", "s1", AT, ["0:x", "1:z"], [1, 3], AT, RUN1.run_id),
    StoryIndexRow("c", "s3", None, ["1:z", "2:w"], [4, 5], AT, RUN1.run_id),
    *(
        StoryIndexRow(f"n{i}", f"t{i}", AT, ["9:busy", f"3:{i}"], [i, i], AT, RUN1.run_id)
        for i in range(MAX_BAND_KEY_SHARERS + 1)
    ),
]
CLAIMS = [
    claim("a", 0, "c1", [exact_key("one"), 11, 12]),
    claim("a", 10, "c1", [exact_key("one"), 12]),
    claim("a", 2, "c2", [exact_key("two"), 13]),
    claim("b", 1, "c1", [exact_key("one"), 14]),
    *(claim(f"n{i}", 0, f"k{i}", [99, 100 + i]) for i in range(CLAIM_KEY_SHARERS + 1)),
]
STORED = [stored_article("a", "h1", "p-a"), stored_article("b", "h1", "p-b")]


def answers(index: LakeIndex) -> dict:
    """Every question a batch asks, about keys that hit and keys that miss."""
    known = index.find(["a", "b", "zz"], ["h1", "h9"])
    stories = index.story_candidates(["0:x", "1:z", "2:w", "9:busy", "3:4", "none"])
    keys = [exact_key("one"), exact_key("two"), 11, 12, 13, 14, 99, 100, 5]
    return {
        "by_id": {k: replace(v, is_from_this_run=False) for k, v in known.by_id.items()},
        "by_hash": {
            k: [replace(v, is_from_this_run=False) for v in found]
            for k, found in known.by_hash.items()
        },
        "stories": {k: sorted(v, key=lambda c: c.article_id) for k, v in stories.items()},
        "claims": {k: sorted(v) for k, v in index.claim_candidates(keys).items()},
        "exact": index.claim_exact(keys),
        "heads": index.claim_heads(["c1", "c2", "k3", "none"]),
    }


def test_the_lake_answers_each_question_as_the_same_rows_held_by_the_run(tmp_path):
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        commit.add("articles", STORED)
        commit.add("story_index", map(as_row, STORIES))
        commit.add("claims", map(as_row, CLAIMS))
        commit.publish()
    from_lake = LakeIndex(lake, spill=tmp_path / "a" / "index.duckdb")
    from_run = LakeIndex(None, spill=tmp_path / "b" / "index.duckdb")
    from_run.remember(
        [Article(**row, published_offset_minutes=None, published_day=None) for row in STORED]
    )
    from_run.remember_stories(STORIES)
    from_run.remember_claims(CLAIMS)
    expected = answers(from_run)
    assert expected["stories"]["0:x"] and "9:busy" not in expected["stories"]
    assert expected["claims"][12] and 99 not in expected["claims"]
    assert expected["heads"]["c1"] == ("a:0", "Claim a.")
    assert answers(from_lake) == expected
    from_lake.forget_claims("a")
    from_run.forget_claims("a")
    assert answers(from_lake) == answers(from_run)
    from_lake.forget_every_claim()
    from_run.forget_every_claim()
    assert answers(from_lake) == answers(from_run)
    from_lake.close()
    from_run.close()


def test_a_claim_holding_several_keys_is_one_row_in_all_their_lists(tmp_path):
    # A batch's candidates go to the workers pickled: a claim repeated in each of its keys'
    # lists would carry its text once per key.
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        commit.add("claims", map(as_row, CLAIMS[:4]))
        commit.publish()
    index = LakeIndex(lake)
    index.remember_claims([claim("c", 3, "c3", [11, 12, 13])])
    found = index.claim_candidates([11, 12, 13])
    for ref in ("a:0", "c:3"):  # stored, and remembered by the run
        rows = [row for key in (11, 12) for row in found[key] if row[0] == ref]
        assert len(rows) == 2 and rows[0] is rows[1]
    assert [row[0] for row in found[12]] == ["a:0", "a:10", "c:3"]
    index.close()


def test_a_stored_article_counts_by_its_latest_indexing(tmp_path):
    lake = Lake(tmp_path / "lake")
    old = StoryIndexRow("a", "s1", AT, ["0:old"], [1], AT, RUN1.run_id)
    with lake.writing(RUN1, timeout_s=1) as commit:
        commit.add("story_index", [as_row(old)])
        commit.publish()
    later = replace(old, story_id="s2", band_keys=["0:new"], signature=[2])
    later = replace(later, indexed_at=RUN2.started_at, run_id=RUN2.run_id)
    with lake.writing(RUN2, timeout_s=1) as commit:
        commit.add("story_index", [as_row(later)])
        commit.publish()
    index = LakeIndex(lake)
    assert index.story_candidates(["0:old", "0:new"]) == {"0:new": [Candidate("s2", [2], AT, "a")]}
    index.remember_stories([replace(later, story_id="s3", band_keys=["0:run"], signature=[3])])
    found = index.story_candidates(["0:new", "0:run"])
    assert found == {k: [Candidate("s3", [3], AT, "a")] for k in ("0:new", "0:run")}
    index.close()


def test_stored_pages_urls_and_captures_are_found_by_their_latest_log_row(lake):
    page = Page.create(source="files:t", url="file:///a", body=b"<p>A.</p>", run=RUN1)
    with lake.writing(RUN2, timeout_s=1) as commit:
        commit.add("fetch_log", [as_row(FetchLogRow.for_page(page, "duplicate", RUN2,
                                                             article_id="b"))])  # fmt: skip
        commit.publish()
    index = LakeIndex(lake)
    assert index.known_pages([page.page_id]) == {
        page.page_id: KnownPage("duplicate", None, "a", True)
    }
    assert index.capture_articles(["file:///a", "file:///zz"]) == {"file:///a": "b"}
    index.remember_captures([FetchLogRow.for_page(page, "ok", RUN2, article_id="c")])
    assert index.capture_articles(["file:///a"]) == {"file:///a": "c"}
    assert index.file_of("b").startswith("published_date=2026-03-05/")
    assert index.file_of("zz") is None
    index.close()
