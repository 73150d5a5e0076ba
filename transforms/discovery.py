"""What a fetched document is (feed, sitemap, sitemap index or page) and the articles it lists."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newslake.transforms.access import BLOCKED, FULL, judge_access
from newslake.transforms.dates import DateCandidate, local_day
from newslake.transforms.metadata import clean_authors, parse_stated_date
from newslake.transforms.normalise import clean_text, content_hash, word_count
from newslake.transforms.records import Extracted

_ROOT = re.compile(rb"<\s*([A-Za-z][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)\b")
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, huge_tree=False
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One article a feed or sitemap lists, with what it says about it."""

    url: str
    title: str | None = None
    published_at: datetime | None = None
    authors: tuple[str, ...] = ()
    summary: str | None = None  # the feed's description of the article, as plain text
    published_offset: int | None = None  # the UTC offset the listing states, in minutes


@dataclass(frozen=True, slots=True)
class Listing:
    """A discovery document: its kind, the articles it lists, and child sitemaps."""

    kind: str  # "feed", "sitemap", "sitemap_index" or "page"
    entries: tuple[Entry, ...] = ()
    sitemaps: tuple[str, ...] = ()


def read_listing(body: bytes) -> Listing:
    """Classify a fetched body and list its entries; anything else is a `page`."""
    match = _ROOT.search(body[:4096])
    if match is None:
        return Listing("page")
    root = match.group(2).decode()
    if root in ("rss", "feed", "RDF"):
        return Listing("feed", _feed_entries(body))
    tree = etree.fromstring(body, _XML_PARSER)
    if tree is None:
        return Listing("page")
    if root == "sitemapindex":
        return Listing("sitemap_index", sitemaps=tuple(_texts(tree, "sitemap", "loc")))
    return Listing("sitemap", tuple(_sitemap_entries(tree)))


def fill_gaps(extracted: Extracted, entry: Entry | None) -> Extracted:
    """The extraction with title, date and authors from the listing where the page has none.

    A text hardly longer than the listing's summary of it is a teaser.
    """
    if entry is None:
        return extracted
    dated = extracted.published_at is None and entry.published_at is not None
    access = extracted.access
    if access == FULL and entry.summary:
        access = judge_access(extracted.word_count, summary_words=word_count(entry.summary))
    return replace(
        extracted,
        title=extracted.title or entry.title,
        authors=extracted.authors or entry.authors,
        access=access,
        **(
            {
                "published_at": entry.published_at,
                "published_offset_minutes": entry.published_offset,
                "published_day": local_day(entry.published_at, entry.published_offset),
                "date_source": "feed",
                "date_confidence": "low",
                "date_candidates": (*extracted.date_candidates, _listing_date(entry)),
            }
            if dated
            else {}
        ),
    )


def blocked_extraction(entry: Entry, source: str) -> Extracted:
    """What is known of an article whose page was refused: the listing's title and summary."""
    text = entry.summary or ""
    return Extracted(
        page_id=None,
        url=entry.url,
        source=source,
        canonical_url=None,
        title=entry.title,
        authors=entry.authors,
        published_at=entry.published_at,
        published_offset_minutes=entry.published_offset,
        published_day=(
            local_day(entry.published_at, entry.published_offset) if entry.published_at else None
        ),
        language=None,
        site_name=None,
        text=text,
        word_count=word_count(text),
        content_hash=content_hash(text),
        date_source="feed" if entry.published_at else None,
        date_confidence="low" if entry.published_at else "none",
        date_candidates=(_listing_date(entry),) if entry.published_at else (),
        access=BLOCKED,
    )


def _listing_date(entry: Entry) -> DateCandidate:
    return DateCandidate("feed", entry.published_at, offset=entry.published_offset)


def _feed_entries(body: bytes) -> tuple[Entry, ...]:
    parsed = feedparser.parse(body)
    entries = []
    for item in parsed.entries:
        link = item.get("link")
        if not link:
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        # feedparser gives UTC; the offset the feed wrote is read from its own text.
        stated = parse_stated_date(item.get("published") or item.get("updated") or "")
        offset = stated[1] if stated and stated[0] == published else None
        names = [a.get("name", "") for a in item.get("authors", []) if isinstance(a, dict)]
        title = (item.get("title") or "").strip() or None
        summary = _plain(item.get("summary"))
        entries.append(
            Entry(
                url=link.strip(),
                title=title,
                published_at=published,
                authors=clean_authors(names or [item.get("author", "")]),
                summary=summary if summary != title else None,  # some feeds repeat the title
                published_offset=offset,
            )
        )
    return tuple(entries)


def _sitemap_entries(tree: etree._Element):
    for url in tree.iter("{*}url"):
        loc = _child_text(url, "loc")
        if not loc:
            continue
        # Only news:publication_date is a publication date; <lastmod> is a modification time.
        news = next(url.iter("{*}news"), None)
        published = _child_text(news, "publication_date") if news is not None else None
        stated = parse_stated_date(published) if published else None
        yield Entry(
            url=loc,
            title=_child_text(news, "title") if news is not None else None,
            published_at=stated[0] if stated else None,
            published_offset=stated[1] if stated else None,
        )


def _plain(markup: str | None) -> str | None:
    """Text of a feed field that may hold HTML."""
    if not markup or not markup.strip():
        return None
    try:
        text = lxml_html.fragment_fromstring(markup, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        text = markup
    return clean_text(text) or None


def _texts(tree: etree._Element, element: str, child: str) -> list[str]:
    return [text for node in tree.iter(f"{{*}}{element}") if (text := _child_text(node, child))]


def _child_text(node: etree._Element, name: str) -> str | None:
    found = next(node.iter(f"{{*}}{name}"), None)
    text = (found.text or "").strip() if found is not None else ""
    return text or None
