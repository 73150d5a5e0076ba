from dataclasses import replace
from datetime import UTC, datetime

from newslake.transforms.dedup import KnownArticle, article_key
from newslake.transforms.discovery import Entry
from newslake.transforms.errors import ExtractError
from newslake.transforms.extract import extract_page
from newslake.transforms.placement import (
    KnownArticles,
    KnownPage,
    PlacementRules,
    Repeat,
    batch_keys,
    listed_stubs,
    place_batch,
    place_listed,
    place_repeats,
    triage_pages,
)
from newslake.transforms.records import Extracted, FetchLogRow, Page, RunInfo
from newslake.transforms.stories import Candidate, band_keys, signature
from newslake.transforms.topics import compile_topics

RUN = RunInfo("run-2", datetime(2026, 3, 6, 12, tzinfo=UTC))
EARLIER = datetime(2026, 3, 1, tzinfo=UTC)
RULES = PlacementRules(RUN, {}, compile_topics([]))
TEXT = (
    "The harbour board approved a plan to dredge the eastern channel on Tuesday, after two "
    "years of delays, and said the work would cost 4.1 million pounds over three winters."
)


def page(url: str) -> Page:
    return Page.create(source="files:t", url=url, body=url.encode(), run=RUN)


def extracted(p: Page, text: str = TEXT, site: str = "Gazette") -> Extracted:
    return Extracted(
        page_id=p.page_id,
        url=p.url,
        source=p.source,
        canonical_url=None,
        title="Dredging",
        authors=(),
        published_at=None,
        language="en",
        site_name=site,
        text=text,
        word_count=len(text.split()),
        content_hash=f"h-{text[:12]}",
        signature=signature(text),
    )


def place(pages, results, known=None, candidates=None, rules=RULES):
    keys = batch_keys(results)
    return place_batch(pages, results, keys, known or KnownArticles(), candidates or {}, rules)


def test_a_second_url_with_the_same_text_in_one_batch_is_a_duplicate_of_the_first():
    pages = [page("https://a.example/x"), page("https://a.example/x-copy")]
    placement = place(pages, [extracted(p) for p in pages])
    first = placement.placed[0][0]
    assert [row.outcome for row in placement.log] == ["ok", "duplicate"]
    assert placement.log[1].article_id == first.article_id
    assert placement.articles == [first]
    assert [row.article_id for row in placement.stories] == [first.article_id]


def test_a_failed_extraction_is_a_log_row_with_its_reason():
    pages = [page("https://a.example/broken")]
    placement = place(pages, [ExtractError("no main text")])
    assert [(r.outcome, r.error) for r in placement.log] == [("parse_error", "no main text")]
    assert placement.placed == [] and placement.stories == []


def test_a_changed_text_of_a_stored_article_replaces_it_and_keeps_its_story():
    p = page("https://a.example/x")
    ex = extracted(p)
    article_id = article_key(ex)[0]
    stored = KnownArticle(article_id, "old-hash", "Gazette", "story-0", EARLIER)
    placement = place([p], [ex], KnownArticles({article_id: stored}, {}))
    ((article, replaces),) = placement.placed
    assert replaces and placement.log[0].outcome == "updated"
    assert (article.story_id, article.first_seen_at) == ("story-0", EARLIER)


def test_the_same_text_from_another_outlet_is_coverage_of_the_same_story():
    p = page("https://b.example/y")
    twin = KnownArticle("a1", extracted(p).content_hash, "a.example", "story-1", EARLIER)
    placement = place(
        [p], [extracted(p, site="Herald")], KnownArticles({}, {twin.content_hash: [twin]})
    )
    ((article, replaces),) = placement.placed
    assert not replaces and article.story_id == "story-1" and article.outlet == "b.example"


def test_a_near_copy_joins_the_story_of_an_indexed_candidate():
    p = page("https://b.example/near")
    ex = extracted(p, TEXT.replace("Tuesday", "Wednesday"), site="Herald")
    near = Candidate("story-9", signature(TEXT), None, "a9")
    candidates = {key: [near] for key in batch_keys([ex]).bands[p.page_id]}
    placement = place([p], [ex], candidates=candidates)
    assert placement.articles[0].story_id == "story-9"


def test_a_rebuild_keeps_each_articles_first_seen_at():
    p = page("https://a.example/x")
    article_id = article_key(extracted(p))[0]
    rules = replace(RULES, first_seen={article_id: EARLIER})
    placement = place([p], [extracted(p)], rules=rules)
    assert placement.articles[0].first_seen_at == EARLIER


def test_known_pages_are_logged_with_their_fate_and_only_the_rest_are_extracted():
    current, failed, stale, new = (page(f"https://a.example/{n}") for n in range(4))
    known = {
        current.page_id: KnownPage("ok", None, "a1", True),
        failed.page_id: KnownPage("parse_error", "no text", None, False),
        stale.page_id: KnownPage("ok", None, "a2", False),  # an older text of its article
    }
    triage = triage_pages([current, failed, stale, new], known, RUN)
    assert triage.fresh == [stale, new]
    assert [(r.url, r.outcome, r.error) for r in triage.log] == [
        (current.url, "unchanged", None),
        (failed.url, "parse_error", "no text"),
    ]


def test_a_blocked_url_listed_with_a_title_becomes_an_article_once():
    url = "https://a.example/paywalled"
    row = FetchLogRow(
        "x", "web:a", "blocked", 403, "refused", 1, 0, None, None, "r", RUN.started_at
    )
    rows = [replace(row, url=url), replace(row, url=url + "-untitled")]
    entries = {url: Entry(url, title="Paywalled", summary="A summary.")}
    stubs = listed_stubs(rows, entries)
    assert list(stubs) == [url]
    logged, articles = place_listed(rows, stubs, KnownArticles(), RULES)
    assert [a.access for a in articles] == ["blocked"]
    assert logged[0].article_id == articles[0].article_id and logged[1].article_id is None
    stored = KnownArticle(articles[0].article_id, "h", None, "s", EARLIER)
    again = place_listed(rows, stubs, KnownArticles({stored.article_id: stored}), RULES)
    assert again[1] == []


def test_a_repeat_names_the_article_its_earlier_capture_became_or_says_it_is_unknown():
    row = FetchLogRow(
        "https://a.example/one?r", "warc:a", "duplicate", None, "WARC revisit of x", 1, 0,
        None, None, "r", RUN.started_at,
    )  # fmt: skip
    repeats = [
        Repeat(row, "https://a.example/one"),
        Repeat(replace(row, url="https://a.example/two"), "https://a.example/two"),
    ]
    known, unknown = place_repeats(repeats, {"https://a.example/one": "art-1"})
    assert (known.article_id, known.error, known.url) == (
        "art-1",
        "WARC revisit of x",
        "https://a.example/one?r",
    )
    assert unknown.article_id is None
    assert (
        unknown.error
        == "WARC revisit of x; its earlier capture is in neither this run nor the lake"
    )


def test_band_keys_found_with_the_signature_on_a_worker_are_those_placement_would_find():
    paragraphs = "".join(f"<p>{TEXT} Paragraph {n} adds its own detail here.</p>" for n in range(6))
    body = f"<html><head><title>Dredging</title></head><body><article>{paragraphs}</article>"
    p = Page.create(source="files:t", url="https://a.example/dredge", body=body.encode(), run=RUN)
    ex = extract_page(p)
    assert len(ex.band_keys) == 72 and list(ex.band_keys) == band_keys(ex.signature)
    found_here = replace(ex, band_keys=())  # an extraction that did not bring them
    assert (
        batch_keys([ex]).bands
        == batch_keys([found_here]).bands
        == {p.page_id: band_keys(ex.signature)}
    )
