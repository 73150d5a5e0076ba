from dataclasses import replace
from datetime import UTC, datetime

from newslake.transforms.dedup import KnownArticle, article_key, decide
from newslake.transforms.records import Extracted, RunInfo

RUN = RunInfo("r2", datetime(2026, 3, 5, tzinfo=UTC))
EARLIER = datetime(2026, 3, 1, tzinfo=UTC)
PAGE = Extracted(
    page_id="p1",
    url="file:///corpus/a.html",
    source="files:corpus",
    canonical_url="https://news.example/a?utm_source=x",
    title="A",
    authors=("Jane Doe",),
    published_at=None,
    language="en",
    site_name="News",
    text="Some text.",
    word_count=2,
    content_hash="h1",
)
ARTICLE_ID = article_key(PAGE)[0]


def known(article_id=ARTICLE_ID, content_hash="h1", outlet="News", story_id="s0", **kw):
    return KnownArticle(article_id, content_hash, outlet, story_id, EARLIER, **kw)


def place(page=PAGE, outlet="News", same_id=None, twin=None, elsewhere=None):
    return decide(
        page,
        outlet=outlet,
        run=RUN,
        same_id=same_id,
        same_text_same_outlet=twin,
        same_text_elsewhere=elsewhere,
    )


def test_article_id_comes_from_the_canonical_url_without_tracking():
    other = replace(PAGE, url="file:///elsewhere.html", canonical_url="https://news.example/a")
    assert article_key(other) == (ARTICLE_ID, "https://news.example/a")


def test_file_without_canonical_is_identified_by_its_path():
    a = replace(PAGE, canonical_url=None)
    b = replace(PAGE, canonical_url=None, url="file:///corpus/b.html")
    assert article_key(a)[0] != article_key(b)[0]
    assert article_key(a)[1] is None


def test_new_article_is_its_own_story():
    decision = place()
    assert decision.outcome == "ok"
    assert decision.article.story_id == ARTICLE_ID
    assert decision.article.is_story_canonical
    assert decision.article.first_seen_at == RUN.started_at


def test_same_text_from_another_outlet_is_a_new_article_in_the_same_story():
    decision = place(outlet="Other", elsewhere=known(article_id="x", story_id="s9", outlet="News"))
    assert decision.outcome == "ok"
    assert decision.article.story_id == "s9"
    assert not decision.article.is_story_canonical


def test_same_text_at_a_second_url_of_the_same_outlet_is_a_duplicate():
    decision = place(twin=known(article_id="first"))
    assert (decision.outcome, decision.article_id, decision.article) == ("duplicate", "first", None)
    assert "first" in decision.reason


def test_same_url_same_text_is_unchanged():
    assert place(same_id=known(), twin=known()).outcome == "unchanged"


def test_changed_text_updates_the_article_and_keeps_its_story_and_first_seen():
    decision = place(page=replace(PAGE, content_hash="h2"), same_id=known())
    assert decision.outcome == "updated"
    assert decision.article.story_id == "s0"
    assert decision.article.first_seen_at == EARLIER
    assert decision.article.updated_at == RUN.started_at


def test_second_input_of_one_run_with_the_same_url_is_a_duplicate():
    decision = place(page=replace(PAGE, content_hash="h2"), same_id=known(is_from_this_run=True))
    assert decision.outcome == "duplicate"
