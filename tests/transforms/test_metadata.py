from datetime import UTC, datetime

import pytest
from lxml import html

from newslake.transforms.dates import choose_date
from newslake.transforms.metadata import (
    clean_authors,
    normalise_language,
    parse_date,
    read_page_meta,
)

NOW = datetime(2026, 3, 10, tzinfo=UTC)

PAGE = """<html lang="en-GB"><head>
<title>Port strike enters day three | Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette">
<meta property="og:title" content="Port strike enters day three">
<meta property="article:published_time" content="2026-03-04T08:30:00+01:00">
<link rel="canonical" href="https://www.harbourgazette.example/news/port-strike">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "LD headline",
 "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "John Roe"}],
 "datePublished": "2026-03-04T07:30:00Z", "publisher": {"name": "Harbour Gazette Ltd"}}
</script></head><body><h1>Port strike enters day three</h1></body></html>"""


def meta_of(markup: str):
    return read_page_meta(html.document_fromstring(markup))


def chosen(meta) -> datetime | None:
    return choose_date(meta.dates, now=NOW).published_at


def test_meta_tags_and_json_ld_give_the_page_metadata():
    meta = meta_of(PAGE)
    assert meta.title == "Port strike enters day three"
    assert meta.site_name == "Harbour Gazette"
    assert meta.canonical_url == "https://www.harbourgazette.example/news/port-strike"
    assert chosen(meta) == datetime(2026, 3, 4, 7, 30, tzinfo=UTC)
    assert meta.authors == ("Jane Doe", "John Roe")
    assert meta.language == "en"


def test_json_ld_in_a_graph_is_found():
    markup = """<html><head><script type="application/ld+json">{"@graph": [
      {"@type": "WebSite", "name": "x"},
      {"@type": ["NewsArticle"], "headline": "Graph headline", "datePublished": "2026-02-01",
       "author": {"name": "By Ana Ruiz"}}]}</script></head><body></body></html>"""
    meta = meta_of(markup)
    assert meta.title == "Graph headline"
    assert chosen(meta) == datetime(2026, 2, 1, tzinfo=UTC)
    assert meta.authors == ("Ana Ruiz",)


def test_future_and_ancient_dates_are_ignored_for_the_next_candidate():
    markup = """<html><head>
      <meta property="article:published_time" content="2031-01-01T00:00:00Z">
      <meta name="date" content="1970-01-01">
      </head><body><time datetime="2026-03-01T12:00:00-05:00">1 March</time></body></html>"""
    assert chosen(meta_of(markup)) == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def test_the_visible_headline_wins_when_the_title_tag_confirms_it():
    markup = """<html><head><title>Port strike enters day three | Harbour Gazette</title>
      <meta property="og:title" content="Dockers walk out again"></head>
      <body><h1>Port strike enters day three</h1></body></html>"""
    assert meta_of(markup).title == "Port strike enters day three"


def test_an_h1_that_no_declared_title_names_is_not_the_title():
    markup = """<html><head><title>Port strike enters day three | Harbour Gazette</title>
      <meta property="og:title" content="Port strike enters day three"></head>
      <body><h1>Harbour Gazette</h1><h1>Latest news</h1></body></html>"""
    assert meta_of(markup).title == "Port strike enters day three"


def test_a_logo_h1_matching_a_title_tag_of_only_the_site_name_is_not_the_title():
    markup = """<html><head><title>Harbour Gazette</title>
      <meta property="og:site_name" content="Harbour Gazette">
      <meta property="og:title" content="Port strike enters day three"></head>
      <body><h1>Harbour Gazette</h1></body></html>"""
    assert meta_of(markup).title == "Port strike enters day three"


def test_json_ld_publication_date_beats_a_generic_local_time_meta_tag():
    markup = """<html><head><meta name="sailthru.date" content="2026-03-03 20:58:46">
      <script type="application/ld+json">{"@type": "NewsArticle",
       "datePublished": "2026-03-04T04:58:46Z"}</script></head><body></body></html>"""
    assert chosen(meta_of(markup)) == datetime(2026, 3, 4, 4, 58, 46, tzinfo=UTC)


def test_broken_json_ld_is_skipped():
    markup = '<html><head><script type="application/ld+json">{oops</script></head></html>'
    assert meta_of(markup).title is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-04T08:30:00+01:00", datetime(2026, 3, 4, 7, 30, tzinfo=UTC)),
        ("2026-03-04T08:30:00Z", datetime(2026, 3, 4, 8, 30, tzinfo=UTC)),
        ("2026-03-04T08:30:00+0530", datetime(2026, 3, 4, 3, 0, tzinfo=UTC)),
        ("2026-03-04 08:30:00", datetime(2026, 3, 4, 8, 30, tzinfo=UTC)),
        ("2026-03-04", datetime(2026, 3, 4, tzinfo=UTC)),
        ("2026-03-04T25:99", datetime(2026, 3, 4, tzinfo=UTC)),
        ("last Tuesday", None),
        ("", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["By Jane Doe and John Roe"], ("Jane Doe", "John Roe")),
        (["Jane Doe, John Roe; Ana Ruiz"], ("Jane Doe", "John Roe", "Ana Ruiz")),
        (["jane@example.com Jane Doe"], ("Jane Doe",)),
        (["https://example.com/staff/jane"], ()),
        (["Jane Doe", "jane doe"], ("Jane Doe",)),
        (["Por María Pérez y Luis Gómez"], ("María Pérez", "Luis Gómez")),
    ],
)
def test_clean_authors(raw, expected):
    assert clean_authors(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en-GB", "en"),
        ("fr_FR", "fr"),
        ("ES", "es"),
        ("zh-Hant-TW", "zh"),
        ("english", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_language(value, expected):
    assert normalise_language(value) == expected
