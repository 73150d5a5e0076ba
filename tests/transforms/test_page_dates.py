"""A page's publication date: stated offsets, <time> markup of the article only, htmldate's
full search as the last resort. Each rule has a case it decides and a near miss it leaves."""

from datetime import UTC, date, datetime

import pytest
from lxml import html

from newslake.transforms.extract import extract_page
from newslake.transforms.metadata import parse_stated_date, read_page_meta
from newslake.transforms.records import Page, RunInfo

RUN = RunInfo("test", datetime(2026, 3, 20, tzinfo=UTC))
BODY = "".join(
    f"<p>Sentence {n} of the council report says the harbour budget grew again this year.</p>"
    for n in range(8)
)


def times(body: str) -> list[datetime]:
    """The <time> dates read_page_meta takes from a page body, in its order of preference."""
    meta = read_page_meta(html.document_fromstring(f"<html><body>{body}</body></html>"))
    return [c.value for c in meta.dates if c.source == "time"]


def utc(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def extracted(markup: str, url: str = "file:///corpus/story.html"):
    page = Page.create(
        source="files:t", url=url, body=markup.encode(), run=RUN, content_type="text/html"
    )
    return extract_page(page)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-15T08:30:00+09:00", (utc(14, 23).replace(minute=30), 540)),
        ("2026-03-15T08:30:00+0900", (utc(14, 23).replace(minute=30), 540)),
        ("2026-03-09T22:00:00-04:00", (utc(10, 2), -240)),
        ("2026-03-15T08:00:00Z", (utc(15, 8), 0)),
        ("2026-03-15T08:00:00", (utc(15, 8), None)),  # a local time without its offset
        ("2026-03-15", (utc(15), None)),
        ("Sun, 15 Mar 2026 08:30:00 +0100", (utc(15, 7).replace(minute=30), 60)),
        ("Sun, 15 Mar 2026 08:30:00 GMT", (utc(15, 8).replace(minute=30), 0)),
        ("15 Mar", None),
        ("", None),
    ],
)
def test_a_stated_date_keeps_its_offset(value, expected):
    assert parse_stated_date(value) == expected


def test_time_markup_of_comments_and_related_items_is_not_the_articles_date():
    body = (
        '<article><h1>Budget grows</h1><p>By Jane Doe <time datetime="2026-03-04">4 March</time>'
        f"</p>{BODY}</article>"
        '<section class="comments"><time datetime="2026-03-06">6 March</time></section>'
        '<div class="related-posts"><time datetime="2026-02-01">1 Feb</time></div>'
        '<nav><time datetime="2026-03-19">today</time></nav>'
    )
    assert times(body) == [utc(4)]


def test_the_time_nearest_the_headline_comes_first_though_others_come_before_it():
    body = (
        '<div class="topbar"><span><time datetime="2026-03-19">today</time></span></div>'
        '<div class="content"><h1>Budget grows</h1>'
        '<p class="meta"><time datetime="2026-03-04">4 March</time></p></div>'
    )
    assert times(body) == [utc(4), utc(19)]


def test_a_list_or_aside_dates_the_article_only_inside_the_headlines_own_article():
    own = (
        '<article><h1>Budget grows</h1><ul class="meta"><li><time datetime="2026-03-04">'
        "4 March</time></li></ul></article>"
    )
    assert times(own) == [utc(4)]
    # Near miss: the same list beside the article is a list of other items.
    beside = (
        "<article><h1>Budget grows</h1></article><aside><ul><li>"
        '<time datetime="2026-03-02">2 March</time></li></ul></aside>'
    )
    assert times(beside) == []


def test_teasers_of_other_articles_do_not_date_a_page_without_article_markup():
    body = (
        '<div><h1>Budget grows</h1><span class="date"><time datetime="2026-03-04">4 March</time>'
        '</span></div><div class="teasers"><blockquote><time datetime="2026-01-09">9 Jan</time>'
        "</blockquote></div>"
    )
    assert times(body) == [utc(4)]


def test_a_day_only_the_full_search_finds_comes_from_htmldate():
    # Below the text, far from the headline: no header date.
    markup = (
        "<html><head><title>Budget grows</title></head><body><article><h1>Budget grows</h1>"
        f"{BODY}<p>Published on 4 March 2026</p></article></body></html>"
    )
    article = extracted(markup)
    assert (article.date_source, article.published_day) == ("htmldate", date(2026, 3, 4))


def test_a_stated_date_is_not_replaced_by_htmldates_guess():
    markup = (
        '<html><head><title>Budget grows</title><meta property="article:published_time" '
        'content="2026-03-15T08:30:00+09:00"></head><body><article><h1>Budget grows</h1>'
        f"<p>Published on 4 March 2026</p>{BODY}</article></body></html>"
    )
    article = extracted(markup)
    assert article.date_source == "meta:published"
    assert (article.published_offset_minutes, article.published_day) == (540, date(2026, 3, 15))
    assert article.published_at == datetime(2026, 3, 14, 23, 30, tzinfo=UTC)


def dated(head: str, body: str) -> list[tuple[str, str, datetime]]:
    """(source, kind, instant) of the dates read_page_meta reads from a page."""
    meta = read_page_meta(html.document_fromstring(f"<html><head>{head}</head>{body}</html>"))
    return [(c.source, c.kind, c.value) for c in meta.dates]


def test_microdata_dates_on_any_element_are_read_outside_other_items():
    body = (
        '<h1>Budget grows</h1><span itemprop="datePublished" content="2026-03-04T09:00:00Z">'
        '4 March</span><time itemprop="dateModified" datetime="2026-03-05T09:00:00Z">5 March'
        '</time><div class="comments"><span itemprop="datePublished" '
        'content="2026-03-09T09:00:00Z">9 March</span></div>'
    )
    assert dated("", body)[:2] == [
        ("meta:published", "published", utc(4, 9)),
        ("meta:published", "modified", utc(5, 9)),
    ]
    # Near miss: the comment's microdata date is not the article's.
    assert utc(9, 9) not in [value for _s, _k, value in dated("", body)]


def test_json_ld_dates_of_the_article_come_before_those_of_the_page_holding_it():
    page = (
        '{"@type": "WebPage", "datePublished": "2026-01-02T10:00:00Z"}',
        '{"@type": "http://schema.org/NewsArticle", "datePublished": "2026-03-04T10:00:00Z"}',
    )
    head = "".join(f'<script type="application/ld+json">{obj}</script>' for obj in page)
    assert [v for s, _k, v in dated(head, "") if s == "jsonld"] == [
        utc(4, 10),
        datetime(2026, 1, 2, 10, tzinfo=UTC),
    ]
    # Near miss: the date of another item (the publishing organisation) is no date of the page.
    head = (
        '<script type="application/ld+json">{"@type": "Organization", '
        '"datePublished": "2001-01-01"}</script>'
    )
    assert dated(head, "") == []


def test_the_date_line_under_the_headline_beats_htmldates_guess():
    markup = (
        "<html><head><title>Budget grows</title></head><body><article><h1>Budget grows</h1>"
        f"<p>Jane Doe, 4. März 2026</p>{BODY}<p>Last seen 9 March 2026</p></article></body></html>"
    )
    article = extracted(markup)
    assert (article.date_source, article.published_day) == ("text", date(2026, 3, 4))
