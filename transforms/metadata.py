"""Article metadata read from a page's own markup: meta tags, JSON-LD, <time>, <html lang>."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import html as lxml_html

from newslake.transforms.access import PaywallSigns, paywall_signs
from newslake.transforms.dates import DateCandidate
from newslake.transforms.jsonld import is_article, ld_objects, ld_types
from newslake.transforms.written_dates import MONTHS, header_dates

# Meta tags that carry the publication date, strongest first. The first three name the
# article's publication outright; JSON-LD's datePublished is read after them and before the
# generic names, which CMSs fill with local times or the page's build date.
_DATE_META = ("article:published_time", "og:published_time", "datepublished")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified")
_GENERIC_DATE_META = (
    "publishdate",
    "publish-date",
    "pubdate",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)
_MICRODATA_KINDS = {"datepublished": "published", "datemodified": "modified"}
_AUTHOR_META = (
    "author",
    "article:author",
    "dc.creator",
    "parsely-author",
    "byl",
    "sailthru.author",
)
_BYLINE_PREFIX = re.compile(r"^\s*(?:by|von|por|par|di|door|av)\s+", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bund\b|\by\b|\bet\b|&|\|)\s*", re.IGNORECASE)
# Desk credits ('Courier staff', 'Wire reports') name no person.
_STAFF = frozenset(
    {
        "staff",
        "desk",
        "newsroom",
        "editors",
        "team",
        "reporters",
        "wires",
        "redacción",
        "rédaction",
        "redaktion",
        "agencies",
        "agencias",
    }
)
# <time> elements inside these date other items: lists of links, asides, navigation, footers,
# embedded posts (all but the last may also hold the article's own date, in its <article>).
_OTHER_ITEMS_TAGS = frozenset({"li", "aside", "nav", "footer", "blockquote"})
_OTHER_ITEMS_NAMES = re.compile(
    r"(?:^|[\s_-])(?:comments?|repl(?:y|ies)|related|recommended|sidebar|widget|nav\w*)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\S+@\S+")
_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?:[-_][a-zA-Z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Metadata a page states about itself; None where it says nothing."""

    title: str | None
    site_name: str | None
    canonical_url: str | None
    dates: tuple[DateCandidate, ...]  # every date the markup states, unfiltered
    authors: tuple[str, ...]
    language: str | None
    description: str | None = None  # the page's own summary (og:description, description)
    paywall: PaywallSigns | None = None


def read_page_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    """Metadata from meta tags, JSON-LD and markup; dates as stated (choose_date picks one)."""
    meta = _meta_tags(tree)
    ld = _described_pieces(tree)
    site_name = _first(
        meta.get("og:site_name"), *(_publisher(obj) for obj in ld), meta.get("application-name")
    )
    declared = [
        meta.get("og:title"),
        meta.get("twitter:title"),
        *(_text(obj.get("headline")) for obj in ld),
    ]
    title = _first(
        _confirmed_headline(tree, [*declared, _title_tag(tree)], site_name),
        *declared,
        _h1(tree),
        _title_tag(tree),
    )
    canonical = _first(_link_href(tree, "canonical"), meta.get("og:url"))
    stated = [("jsonld", _text(obj.get("datePublished")), "published") for obj in ld]
    stated += [("jsonld", _text(obj.get("dateModified")), "modified") for obj in ld]
    stated += [("meta:published", meta.get(name), "published") for name in _DATE_META]
    stated += [("meta:published", meta.get(name), "modified") for name in _MODIFIED_META]
    stated += [("meta:generic", meta.get(name), "published") for name in _GENERIC_DATE_META]
    stated += [("meta:published", value, kind) for value, kind in _microdata_dates(tree)]
    stated += [("time", value, "published") for value in _article_times(tree)[:3]]
    dates = tuple(
        DateCandidate(source, parsed[0], kind, parsed[1])
        for source, value, kind in stated
        if value and (parsed := parse_stated_date(value))
    ) + tuple(
        DateCandidate("text", value, kind)
        for value, kind in header_dates(tree, [*declared, _title_tag(tree)])
    )
    authors = [name for obj in ld for name in _ld_names(obj.get("author"))]
    if not authors:
        authors = [v for key in _AUTHOR_META for v in meta.getall(key)]
    if not authors:
        authors = _markup_authors(tree)
    language = _first(
        tree.get("lang"),
        tree.get("xml:lang"),
        meta.get("og:locale"),
        meta.get("content-language"),
        *(_text(obj.get("inLanguage")) for obj in ld),
    )
    return PageMeta(
        title=title,
        site_name=site_name,
        canonical_url=canonical,
        dates=dates,
        authors=clean_authors(authors),
        language=normalise_language(language),
        description=_first(meta.get("og:description"), meta.get("description")),
        paywall=paywall_signs(
            tree, ld, [*meta.getall("article:content_tier"), *meta.getall("content_tier")]
        ),
    )


def _article_times(tree: lxml_html.HtmlElement) -> list[str]:
    """datetime values of the <time> elements that date the article itself, nearest the
    headline first (then in page order). <time>s of comments, related items, navigation and
    embedded posts are left out, and so are those in lists, asides and page footers unless
    they sit in the headline's own <article>."""
    headline = next(tree.iterfind(".//article//h1"), None)
    if headline is None:
        headline = next(tree.iter("h1"), None)
    chain, home = {}, None
    if headline is not None:
        # Keyed by the elements themselves: lxml keeps a proxy (and its id) only while it is
        # referenced.
        chain = {e: i for i, e in enumerate(headline.iterancestors())}
        home = next(headline.iterancestors("article"), None)
    found = []
    for order, element in enumerate(tree.iter("time")):
        value = element.get("datetime")
        ancestors = list(element.iterancestors())
        if not value or _in_other_item(ancestors, home):
            continue
        distance = next((chain[a] for a in ancestors if a in chain), len(chain))
        found.append((distance, order, value))
    return [value for _distance, _order, value in sorted(found)]


def _microdata_dates(tree: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    """schema.org microdata dates on elements other than <meta> (`itemprop="datePublished"`
    with a `content` or `datetime` value), outside comments, related items and navigation."""
    found = []
    for element in tree.xpath("//*[@itemprop][not(self::meta)][@content or @datetime]"):
        kind = _MICRODATA_KINDS.get(element.get("itemprop", "").strip().lower())
        value = element.get("content") or element.get("datetime")
        if kind and value and not _in_other_item(list(element.iterancestors()), None):
            found.append((value, kind))
    return found


def _in_other_item(
    ancestors: list[lxml_html.HtmlElement], home: lxml_html.HtmlElement | None
) -> bool:
    """Whether an element with these ancestors sits in a comment, related item, navigation or
    embedded post, or in a list, aside or footer outside the headline's article."""
    in_home = home is None or any(a is home for a in ancestors)
    for ancestor in ancestors:
        if ancestor.tag in _OTHER_ITEMS_TAGS and not (in_home and ancestor.tag != "blockquote"):
            return True
        names = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _OTHER_ITEMS_NAMES.search(names):
            return True
    return False


def parse_date(value: str) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 date or timestamp; naive values are taken as UTC."""
    stated = parse_stated_date(value)
    return stated[0] if stated else None


def parse_stated_date(value: str) -> tuple[datetime, int | None] | None:
    """The UTC instant of an ISO 8601 (or RFC 2822) date or timestamp, and the UTC offset it
    states in minutes (None for a date or a local time without one, which are taken as UTC)."""
    stated = value = value.strip()
    if not value:
        return None
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # '+0100' offsets and a space instead of 'T' are common in CMS output.
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value[:10]), time())
        except ValueError:
            from_rfc = _rfc_2822(stated)
            if from_rfc is None:
                return None
            parsed = from_rfc
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC), None
    offset = parsed.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return parsed.astimezone(UTC), minutes


def _rfc_2822(value: str) -> datetime | None:
    """A timestamp in the e-mail and HTTP form ('Sat, 19 Oct 2019 00:04:00 +0200')."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\.?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+)?(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def parse_written_date(text: str) -> datetime | None:
    """A UTC midnight from '9 March 2026', 'March 9, 2026' or '9 de marzo de 2026'."""
    for pattern, order in ((_DAY_MONTH_YEAR, (0, 1, 2)), (_MONTH_DAY_YEAR, (1, 0, 2))):
        for match in pattern.finditer(text):
            day, month, year = (match.group(i + 1) for i in order)
            number = MONTHS.get(month.casefold())
            if number:
                try:
                    return datetime(int(year), number, int(day), tzinfo=UTC)
                except ValueError:
                    continue
    return None


def clean_authors(names: list[str]) -> tuple[str, ...]:
    """Person names without 'By', e-mails, URLs or repeats, in order of appearance."""
    seen: dict[str, str] = {}
    for raw in names:
        if not raw or raw.lower().startswith(("http://", "https://", "www.")):
            continue
        raw = _EMAIL.sub("", _BYLINE_PREFIX.sub("", raw))
        for part in _AUTHOR_SPLIT.split(raw):
            name = " ".join(part.split()).strip(" .-–—:")
            if (
                name
                and any(ch.isalpha() for ch in name)
                and len(name) <= 80
                and _STAFF.isdisjoint(name.casefold().split())
            ):
                seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def normalise_language(value: str | None) -> str | None:
    """ISO 639 language code ('en-GB' -> 'en'), or None for anything that is not one."""
    if not value or not _LANG.match(value.strip()):
        return None
    code = re.split(r"[-_]", value.strip())[0].lower()
    return code if len(code) == 2 else None


class _Meta(dict[str, list[str]]):
    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        values = dict.get(self, key)
        return values[0] if values else default

    def getall(self, key: str) -> list[str]:
        return dict.get(self, key, [])


def _meta_tags(tree: lxml_html.HtmlElement) -> _Meta:
    meta = _Meta()
    for node in tree.iter("meta"):
        key = (
            node.get("property")
            or node.get("name")
            or node.get("itemprop")
            or node.get("http-equiv")
        )
        content = node.get("content")
        if key and content and content.strip():
            meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


def _described_pieces(tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects that describe the article: Article types, then WebPage ones (the
    page holding it, whose dates CMSs often fill with the page's own), and no other item."""
    objects = list(ld_objects(tree))
    pages = [obj for obj in objects if "webpage" in ld_types(obj) and not is_article(obj)]
    return [*filter(is_article, objects), *pages]


def _ld_names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for item in value for n in _ld_names(item)]
    return []


def _markup_authors(tree: lxml_html.HtmlElement) -> list[str]:
    """Authors from schema.org microdata or rel=author links, when no meta tag names them."""
    names = [n.text_content() for n in tree.xpath('//*[@itemprop="author"]//*[@itemprop="name"]')]
    names = names or [n.text_content() for n in tree.xpath('//*[@itemprop="author"]')]
    names = names or [n.text_content() for n in tree.xpath('//a[@rel="author"]')]
    return [n for n in names if len(n.split()) <= 6]


def _publisher(obj: dict[str, Any]) -> str | None:
    names = _ld_names(obj.get("publisher"))
    return names[0] if names else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and value.strip():
            return " ".join(value.split())
    return None


def _link_href(tree: lxml_html.HtmlElement, rel: str) -> str | None:
    hrefs = tree.xpath(f'//link[@rel="{rel}"]/@href')
    return hrefs[0].strip() if hrefs and hrefs[0].strip() else None


def _confirmed_headline(
    tree: lxml_html.HtmlElement, declared: list[str | None], site_name: str | None
) -> str | None:
    """The first <h1> that a declared title names too: the headline as readers see it.

    A declared title may add the site ('Headline | Site'); its longest segment is compared too.
    A social title ('og:title') often differs from the page's headline; where the <title> tag
    or JSON-LD agrees with the <h1>, the <h1> is the article's title. A logo <h1> matching a
    <title> that is only the site's name confirms nothing.
    """
    shapes = {_shape(t) for t in declared if t} | {_shape(_main_segment(t)) for t in declared if t}
    shapes -= {"", _shape(site_name or "")}
    for heading in tree.iter("h1"):
        text: str = heading.text_content()
        if _shape(text) in shapes:
            return text
    return None


def _main_segment(title: str) -> str:
    """The longest part of a title split at ' | ', ' - ' and similar separators."""
    return max(_TITLE_SEPARATOR.split(title), key=len)


def _shape(text: str) -> str:
    """Casefolded words only, to compare spellings of one title."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def _h1(tree: lxml_html.HtmlElement) -> str | None:
    heads = tree.xpath("//h1")
    return heads[0].text_content() if heads else None


def _title_tag(tree: lxml_html.HtmlElement) -> str | None:
    titles = tree.xpath("//title")
    return titles[0].text_content() if titles else None
