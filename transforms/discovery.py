"""What a fetched document is (feed, sitemap, sitemap index, robots.txt or page) and what it lists.

Feeds are read by feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, CDF); sitemaps by lxml, or one
URL per line when they are plain text. A listed link is resolved against the document's URL
and kept as written; a link that cannot be requested, or an entry without one, is a reject.
"""

from __future__ import annotations

import calendar
import contextlib
import io
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newslake.transforms.access import BLOCKED, FULL, judge_access
from newslake.transforms.dates import DateCandidate, local_day
from newslake.transforms.errors import BadUrl, FetchError, ListingError
from newslake.transforms.metadata import clean_authors, parse_stated_date
from newslake.transforms.normalise import clean_text, content_hash, word_count
from newslake.transforms.records import Extracted
from newslake.transforms.urls import resolve_reference

# The root element after the prolog (declaration, comments, doctype).
_PROLOG_ROOT = re.compile(
    rb"(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*<([A-Za-z_][\w.:-]*)",
    re.S | re.I,
)
# A feed or sitemap root behind junk (a stray warning printed before the XML).
_ROOT = re.compile(rb"<\s*([A-Za-z][\w.-]*:)?(rss|feed|RDF|urlset|sitemapindex)\b")
_FEED_ROOTS = {"rss": "rss", "rdf": "rss10", "feed": "atom", "channel": "cdf"}
_DECLARED_ENCODING = re.compile(r"""^(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""")
_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
_ROBOTS_LINE = re.compile(r"(?i)(user-agent|disallow|allow|sitemap|crawl-delay)\s*:")
_SITEMAP_LINE = re.compile(r"(?i)^\s*sitemap\s*:\s*(\S+)")
_URL_LINE = re.compile(r"(?i)^https?://\S+$")
_HARMLESS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/rss+xml",
        "text/atom+xml",
        "application/xml",
        "text/xml",
    }
)
MAX_REJECTED_LINES = 50  # rows for the non-URL lines of a plain-text sitemap, then one count


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
    """A discovery document: its kind, the articles it lists, the listings it points to.

    `format` names the feed version (feedparser's: rss20, atom10 ...; cdf) or the sitemap
    form (xml, text); `problem` says why the document is ill-formed; `rejects` are
    (URL as listed, error) pairs for entries that cannot be fetched.
    """

    kind: str  # "feed", "sitemap", "sitemap_index", "robots" or "page"
    entries: tuple[Entry, ...] = ()
    sitemaps: tuple[str, ...] = ()  # child sitemaps, robots Sitemap lines, declared feeds
    format: str | None = None
    problem: ListingError | None = None
    rejects: tuple[tuple[str, FetchError], ...] = ()


def read_listing(body: bytes, url: str = "", charset: str | None = None) -> Listing:
    """Classify a fetched body and list what it names, resolved against `url`.

    `charset` is the HTTP one; a UTF-16 or UTF-32 body is recognised without it.
    Anything that is not a feed, sitemap or robots.txt is a `page`.
    """
    text, transcoded = as_utf8(body)
    root = _root_name(text)
    if transcoded:
        charset = "utf-8"
    if root is None:
        return _text_listing(text.decode("utf-8", "replace"), url)
    if root in _FEED_ROOTS:
        return _feed_listing(text, url, charset, _FEED_ROOTS[root])
    if root in ("urlset", "sitemapindex"):
        return _sitemap_listing(text, url, root)
    return Listing("page")


def as_utf8(body: bytes) -> tuple[bytes, bool]:
    """The body without a byte order mark, transcoded to UTF-8 when it is UTF-16 or UTF-32.

    Detection follows XML 1.0 appendix F: a BOM, or the zero bytes around the first ASCII
    characters; the declaration's encoding is then rewritten to say UTF-8.
    """
    encoding = _wide_encoding(body[:4])
    if encoding is None:
        return body.removeprefix(b"\xef\xbb\xbf"), False
    text = body.decode(encoding, "replace").removeprefix("\ufeff")
    return _DECLARED_ENCODING.sub(r"\1utf-8", text, count=1).encode("utf-8"), True


def home_page_feeds(body: bytes, url: str) -> Listing:
    """The feeds a site's home page declares (`<link rel="alternate" type="...rss+xml">`)."""
    try:
        tree = lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return Listing("page")
    base = next((b.get("href") for b in tree.iter("base") if b.get("href")), None)
    if base:
        with contextlib.suppress(ValueError):  # an unusable <base> is ignored, as browsers do
            url = resolve_reference(url, base)
    hrefs = []
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        media = (link.get("type") or "").partition(";")[0].strip().lower()
        if "alternate" in rels and media in FEED_TYPES and link.get("href"):
            hrefs.append(link.get("href"))
    feeds, rejects = _resolve_all(hrefs, url, "declared feed")
    return Listing("page", sitemaps=feeds, rejects=rejects)


def fill_gaps(extracted: Extracted, entry: Entry | None) -> Extracted:
    """The extraction with title, date and authors from the listing where the page has none.

    A text hardly longer than the listing's summary of it is a teaser.
    """
    if entry is None:
        return extracted
    access = extracted.access
    if access == FULL and entry.summary:
        access = judge_access(extracted.word_count, summary_words=word_count(entry.summary))
    filled = replace(
        extracted,
        title=extracted.title or entry.title,
        authors=extracted.authors or entry.authors,
        access=access,
    )
    if extracted.published_at is not None or entry.published_at is None:
        return filled
    return replace(
        filled,
        published_at=entry.published_at,
        published_offset_minutes=entry.published_offset,
        published_day=local_day(entry.published_at, entry.published_offset),
        date_source="feed",
        date_confidence="low",
        date_candidates=(
            *extracted.date_candidates,
            _listing_date(entry.published_at, entry.published_offset),
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
        date_candidates=(
            (_listing_date(entry.published_at, entry.published_offset),)
            if entry.published_at
            else ()
        ),
        access=BLOCKED,
    )


def _listing_date(published_at: datetime, offset: int | None) -> DateCandidate:
    return DateCandidate("feed", published_at, offset=offset)


def _wide_encoding(first: bytes) -> str | None:
    for mark, encoding in _BOMS:
        if first.startswith(mark):
            return encoding
    if len(first) < 4:
        return None
    zeros = tuple(b == 0 for b in first)
    by_zeros: dict[tuple[bool, ...], str] = {
        (True, True, True, False): "utf-32-be",
        (False, True, True, True): "utf-32-le",
        (True, False, True, False): "utf-16-be",
        (False, True, False, True): "utf-16-le",
    }
    return by_zeros.get(zeros)


def _root_name(text: bytes) -> str | None:
    """The document element's local name, lower-cased; None for text that is not markup."""
    head = text[:4096]
    match = _PROLOG_ROOT.match(head)
    root = match and match.group(1).decode("ascii").rpartition(":")[2].lower()
    if root in _FEED_ROOTS or root in ("urlset", "sitemapindex", "html"):
        return root
    behind = _ROOT.search(head)  # junk before the root: the feed is ill-formed, not a page
    if behind is not None:
        return behind.group(2).decode("ascii").lower()
    return root


def _feed_listing(text: bytes, url: str, charset: str | None, root_format: str) -> Listing:
    content_type = f"application/xml; charset={charset}" if charset else "application/xml"
    parsed = feedparser.parse(
        io.BytesIO(text), response_headers={"content-location": url, "content-type": content_type}
    )
    version = parsed.get("version") or root_format
    entries: list[Entry] = []
    rejects: list[tuple[str, FetchError]] = []
    for index, item in enumerate(parsed.entries, 1):
        title = (item.get("title") or "").strip() or None
        link = (item.get("link") or "").strip()
        if not link:
            where = f"entry {index}" + (f" ({title!r})" if title else "")
            rejects.append((url, ListingError(f"{version} {where} has no usable link")))
            continue
        try:
            absolute = resolve_reference(url, link)
        except ValueError as exc:
            rejects.append((link, BadUrl(f"{version} entry {index}: {exc}")))
            continue
        stamp = item.get("published_parsed") or item.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
        # feedparser gives UTC; the offset the feed wrote is read from its own text.
        stated = parse_stated_date(item.get("published") or item.get("updated") or "")
        offset = stated[1] if stated and stated[0] == published else None
        names = [a.get("name", "") for a in item.get("authors", []) if isinstance(a, dict)]
        summary = _plain(item.get("summary"))
        entries.append(
            Entry(
                url=absolute,
                title=title,
                published_at=published,
                authors=clean_authors(names or [item.get("author", "")]),
                summary=summary if summary != title else None,  # some feeds repeat the title
                published_offset=offset,
            )
        )
    problem = None
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), _HARMLESS):
        problem = ListingError(
            f"ill-formed {version} feed (entries recovered: {len(parsed.entries)}): "
            f"{parsed.get('bozo_exception')}"
        )
    return Listing("feed", tuple(entries), format=version, problem=problem, rejects=tuple(rejects))


def _sitemap_listing(text: bytes, url: str, root: str) -> Listing:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    failure: str | None
    try:
        tree = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as exc:
        tree, failure = None, str(exc)
    else:
        errors = [e for e in parser.error_log if e.level >= etree.ErrorLevels.ERROR]
        failure = f"line {errors[0].line}: {errors[0].message}" if errors else None
    kind = "sitemap_index" if root == "sitemapindex" else "sitemap"
    if tree is None:
        return Listing(kind, format="xml", problem=ListingError(f"unreadable {kind}: {failure}"))
    if kind == "sitemap_index":
        locs = [_child_text(node, "loc") for node in tree.iter("{*}sitemap")]
        children, rejects = _resolve_all(locs, url, "sitemap")
        entries: tuple[Entry, ...] = ()
    else:
        children = ()
        entries, rejects = _sitemap_entries(tree, url)
    problem = None
    if failure:
        found = len(children) + len(entries)
        problem = ListingError(f"ill-formed {kind} (URLs recovered: {found}): {failure}")
    return Listing(kind, entries, children, "xml", problem, rejects)


def _sitemap_entries(
    tree: etree._Element, base: str
) -> tuple[tuple[Entry, ...], tuple[tuple[str, FetchError], ...]]:
    entries: list[Entry] = []
    rejects: list[tuple[str, FetchError]] = []
    for index, url in enumerate(tree.iter("{*}url"), 1):
        loc = _child_text(url, "loc")
        if not loc:
            rejects.append((base, ListingError(f"sitemap <url> {index} has no <loc>")))
            continue
        try:
            absolute = resolve_reference(base, loc)
        except ValueError as exc:
            rejects.append((loc, BadUrl(f"sitemap <url> {index}: {exc}")))
            continue
        # Only news:publication_date is a publication date; <lastmod> is a modification time.
        news = next(url.iter("{*}news"), None)
        published = _child_text(news, "publication_date") if news is not None else None
        stated = parse_stated_date(published) if published else None
        entries.append(
            Entry(
                url=absolute,
                title=_child_text(news, "title") if news is not None else None,
                published_at=stated[0] if stated else None,
                published_offset=stated[1] if stated else None,
            )
        )
    return tuple(entries), tuple(rejects)


def _text_listing(text: str, url: str) -> Listing:
    """A robots.txt (its Sitemap lines), a plain-text sitemap (one URL a line), or a page."""
    lines = [line.strip() for line in text.splitlines()]
    significant = [line for line in lines if line and not line.startswith("#")][:20]
    if not significant:
        return Listing("page")
    if _ROBOTS_LINE.match(significant[0]):
        named = [m.group(1) for line in lines if (m := _SITEMAP_LINE.match(line))]
        sitemaps, refused = _resolve_all(named, url, "robots.txt Sitemap")
        return Listing("robots", sitemaps=sitemaps, format="robots", rejects=refused)
    urls = sum(1 for line in significant if _URL_LINE.match(line))
    if not _URL_LINE.match(significant[0]) or urls * 2 < len(significant):
        return Listing("page")
    entries: list[Entry] = []
    rejects: list[tuple[str, FetchError]] = []
    for number, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        if not _URL_LINE.match(line):
            rejects.append((url, BadUrl(f"text sitemap line {number} is not a URL: {line!r}")))
            continue
        try:
            entries.append(Entry(resolve_reference(url, line)))
        except ValueError as exc:
            rejects.append((line, BadUrl(f"text sitemap line {number}: {exc}")))
    if len(rejects) > MAX_REJECTED_LINES:
        more = len(rejects) - MAX_REJECTED_LINES
        rejects[MAX_REJECTED_LINES:] = [(url, ListingError(f"{more} more lines are not URLs"))]
    return Listing("sitemap", tuple(entries), format="text", rejects=tuple(rejects))


def _resolve_all(
    references: list[str | None], base: str, what: str
) -> tuple[tuple[str, ...], tuple[tuple[str, FetchError], ...]]:
    """Each reference resolved against base, or a reject saying why it cannot be."""
    resolved: list[str] = []
    rejects: list[tuple[str, FetchError]] = []
    for reference in references:
        if not reference:
            rejects.append((base, ListingError(f"{what} without a URL")))
            continue
        try:
            resolved.append(resolve_reference(base, reference))
        except ValueError as exc:
            rejects.append((reference, BadUrl(f"{what}: {exc}")))
    return tuple(resolved), tuple(rejects)


def _plain(markup: str | None) -> str | None:
    """Text of a feed field that may hold HTML."""
    if not markup or not markup.strip():
        return None
    try:
        text = lxml_html.fragment_fromstring(markup, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        text = markup
    return clean_text(text) or None


def _child_text(node: etree._Element, name: str) -> str | None:
    found = next(node.iter(f"{{*}}{name}"), None)
    text = (found.text or "").strip() if found is not None else ""
    return text or None
