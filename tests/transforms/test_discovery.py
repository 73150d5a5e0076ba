from dataclasses import replace
from datetime import UTC, date, datetime

from newslake.transforms.discovery import Entry, fill_gaps, read_listing
from newslake.transforms.records import Extracted

RSS = b"""<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title>
<item><title>Port strike ends</title><link>https://n.example/a?utm_source=rss</link>
<pubDate>Thu, 05 Mar 2026 14:12:00 -0500</pubDate><dc:creator>Jane Doe</dc:creator></item>
<item><title>No link</title></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>T</title><entry><title>Water alert</title><link href="https://n.example/b"/>
<id>b</id><updated>2026-03-06T10:00:00Z</updated><author><name>By Ana Ruiz</name></author>
</entry></feed>"""
NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://n.example/c</loc><lastmod>2026-03-09T00:00:00Z</lastmod>
<news:news><news:publication><news:name>N</news:name><news:language>en</news:language>
</news:publication><news:publication_date>2026-03-07T08:00:00+01:00</news:publication_date>
<news:title>Council votes</news:title></news:news></url>
<url><loc>https://n.example/d</loc><lastmod>2026-03-09</lastmod></url>
</urlset>"""
INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://n.example/s1.xml</loc></sitemap><sitemap><loc>https://n.example/s2.xml</loc>
</sitemap></sitemapindex>"""


def test_rss_items_with_links_become_entries():
    listing = read_listing(RSS)
    assert listing.kind == "feed"
    (entry,) = listing.entries
    assert entry == Entry(
        "https://n.example/a?utm_source=rss",
        "Port strike ends",
        datetime(2026, 3, 5, 19, 12, tzinfo=UTC),
        ("Jane Doe",),
        published_offset=-300,  # the offset the feed wrote is kept beside the UTC instant
    )


def test_atom_entries():
    (entry,) = read_listing(ATOM).entries
    assert (entry.url, entry.title, entry.authors) == (
        "https://n.example/b",
        "Water alert",
        ("Ana Ruiz",),
    )
    assert (entry.published_at, entry.published_offset) == (datetime(2026, 3, 6, 10, tzinfo=UTC), 0)


def test_news_sitemap_dates_come_from_publication_date_never_lastmod():
    listing = read_listing(NEWS_SITEMAP)
    assert listing.kind == "sitemap"
    first, second = listing.entries
    assert first == Entry(
        "https://n.example/c",
        "Council votes",
        datetime(2026, 3, 7, 7, tzinfo=UTC),
        published_offset=60,
    )
    assert second == Entry("https://n.example/d")


def test_sitemap_index_lists_child_sitemaps():
    listing = read_listing(INDEX)
    assert (listing.kind, listing.sitemaps) == (
        "sitemap_index",
        ("https://n.example/s1.xml", "https://n.example/s2.xml"),
    )


def test_html_and_junk_are_pages():
    assert read_listing(b"<!doctype html><html><body>x</body></html>").kind == "page"
    assert read_listing(b"\x00\x01 not xml").kind == "page"


PAGE = Extracted(
    page_id="p",
    url="u",
    source="s",
    canonical_url=None,
    title="Page title",
    authors=(),
    published_at=None,
    language="en",
    site_name=None,
    text="t",
    word_count=1,
    content_hash="h",
)


def test_listing_metadata_fills_gaps_but_never_overrides_the_page():
    entry = Entry("u", "Feed title", datetime(2026, 3, 1, tzinfo=UTC), ("Jane Doe",))
    filled = fill_gaps(PAGE, entry)
    assert filled.title == "Page title"
    assert filled.published_at == entry.published_at
    assert filled.authors == ("Jane Doe",)
    stated = replace(PAGE, published_at=datetime(2026, 2, 1, tzinfo=UTC), authors=("X Y",))
    assert fill_gaps(stated, entry) == stated
    assert fill_gaps(PAGE, None) == PAGE


def test_a_listing_date_fills_in_the_outlets_day_in_the_offset_the_feed_wrote():
    # 22:30 on 28 February in New York is 03:30 on 1 March in UTC.
    entry = Entry("u", None, datetime(2026, 3, 1, 3, 30, tzinfo=UTC), published_offset=-300)
    filled = fill_gaps(PAGE, entry)
    assert (filled.published_offset_minutes, filled.published_day) == (-300, date(2026, 2, 28))
    # Near miss: a listing date without an offset is the day it spells in UTC.
    plain = fill_gaps(PAGE, replace(entry, published_offset=None))
    assert (plain.published_offset_minutes, plain.published_day) == (None, date(2026, 3, 1))
