"""Clean article text and metadata from a page's bytes (the only module that calls trafilatura)."""

from __future__ import annotations

import re
from dataclasses import replace

import py3langid
import trafilatura
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Document

from newslake.transforms.access import PaywallSigns, judge_access
from newslake.transforms.article_signs import article_sign
from newslake.transforms.blocks import drop_author_notes, drop_teasers, link_key
from newslake.transforms.dates import DateCandidate, DateChoice, choose_date, url_date
from newslake.transforms.decode import decode_body, page_tld, without_xml_declaration
from newslake.transforms.domclean import prepare_tree, shield_marks, unshield_marks
from newslake.transforms.edges import drop_title_repeat, has_running_text
from newslake.transforms.errors import ExtractError
from newslake.transforms.metadata import normalise_language, parse_date, read_page_meta
from newslake.transforms.normalise import clean_text, clean_title, word_count
from newslake.transforms.plaintext import article_paragraphs, parse_plain_text
from newslake.transforms.records import Extracted, Page
from newslake.transforms.stated_body import stated_body
from newslake.transforms.stories import band_keys, fingerprint_signature
from newslake.transforms.tokens import fingerprint_hash, fingerprint_text

MIN_WORDS = 40  # below this a page is a teaser, an index or an error page, not an article...
MIN_BRIEF_WORDS = 12  # ...unless its markup says it is one article (a brief): then this
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
MAX_LINK_SHARE = 0.5  # above this, the "article" is a list of links to other pages
_HEADLINE_CHARS = 20  # link texts shorter than this are labels, not headlines
_HEADINGS = ("h1", "h2", "h3", "h4")
# Below this many characters from trafilatura's fast precise pass, its default pass with the
# readability and jusText fallbacks is worth its cost (as much again as the first pass): on
# real pages the precise pass then often kept a fragment of the article.
_SHORT_EXTRACTION = 2500
_PRECISE_SHARE = 0.8  # a precise text with less of the default text's words cut the article
# Comments and processing instructions go at parse time: trafilatura drops a comment node
# with the text that follows it, which cut paragraphs short at every inline <!-- -->.
_PARSER = lxml_html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)
# C0 control characters other than tab and line breaks: a browser shows nothing for them, and
# one in a page makes lxml refuse to serialise the tree, which left trafilatura with no text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# lxml.html picks each element's class in a Python method, called for every element a tree
# walk touches (thousands per page); the same HTML classes chosen in C, without the form
# subclasses nothing here uses.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)


def extract_page(page: Page) -> Extracted:
    """Clean text and metadata of one page; raises ExtractError (or a FetchError) if none.

    The result, and an ExtractError, carry the encoding the page was read in and the
    sniffing rule that chose it (`encoding`, `encoding_rule`).
    """
    decoded = decode_body(page.body, page.charset, tld=page_tld(page.final_url or page.url))
    try:
        # An XHTML page's `<?xml … encoding=…?>` has done its work: lxml refuses it in a str.
        text = without_xml_declaration(decoded.text)
        if _is_html(page.content_type, text):
            found = _extract_html(page, text)
        else:
            found = _extract_plain(page, text)
    except ExtractError as exc:
        exc.encoding, exc.encoding_rule = decoded.encoding, decoded.rule
        raise
    return replace(found, encoding=decoded.encoding, encoding_rule=decoded.rule)


def _is_html(content_type: str | None, text: str) -> bool:
    if content_type and content_type.startswith(_HTML_TYPES):
        return True
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def _extract_html(page: Page, text: str) -> Extracted:
    try:
        tree = lxml_html.document_fromstring(_CONTROLS.sub("", text), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparseable HTML: {exc}") from exc
    meta = read_page_meta(tree)
    # Read before trafilatura, which prunes the tree.
    links, headlines, sign = _page_links(tree), _headlines(tree), article_sign(tree)
    shield_marks(prepare_tree(tree))
    lines = _article_lines(tree, meta.canonical_url or page.url)
    if sum(map(_words, lines)) < MIN_WORDS:
        # trafilatura found (almost) nothing: the body the page states in its JSON-LD, if longer.
        lines = max(lines, stated_body(tree), key=lambda found: sum(map(_words, found)))
    lines = [unshield_marks(line) for line in lines]
    if not lines:
        raise ExtractError("no main text found in the page")
    title = clean_title(meta.title, meta.site_name)
    paragraphs = drop_title_repeat(_paragraphs(lines), title, *headlines)
    if _link_words(paragraphs, links) > MAX_LINK_SHARE * sum(map(_words, paragraphs)):
        raise ExtractError("a list of links (an index or section page), not an article")
    paragraphs = drop_author_notes(drop_teasers(paragraphs, links, page.url))
    return _extracted(
        page,
        paragraphs,
        canonical_url=meta.canonical_url,
        title=title,
        authors=meta.authors,
        dates=_html_dates(meta.dates, text, page, meta.canonical_url),
        language=meta.language,
        site_name=meta.site_name,
        paywall=meta.paywall,
        summary=meta.description,
        sign=sign,
    )


def _extract_plain(page: Page, text: str) -> Extracted:
    markdown = bool(page.content_type and page.content_type.startswith(_MARKDOWN_TYPES))
    # Bylines and datelines are read before cleaning, which would drop them as furniture.
    doc = parse_plain_text(text, markdown=markdown)
    paragraphs = article_paragraphs(doc)
    title = (clean_text(doc.title) or doc.title) if doc.title else None
    return _extracted(
        page,
        paragraphs,
        canonical_url=None,
        title=clean_title(title),
        authors=doc.authors,
        dates=_dated(page, [DateCandidate("text", doc.published_at)] if doc.published_at else []),
        language=None,
        site_name=None,
    )


def _extracted(
    page: Page,
    paragraphs: list[str],
    dates: DateChoice,
    paywall: PaywallSigns | None = None,
    summary: str | None = None,
    sign: str | None = None,
    *,
    canonical_url: str | None,
    title: str | None,
    authors: tuple[str, ...],
    language: str | None,
    site_name: str | None,
) -> Extracted:
    """The record for a page whose body passes the checks; ExtractError if it does not.

    `sign` says how the page marks itself as one article (see `article_sign`): such a page
    may be a brief, shorter than MIN_WORDS; it still needs running text.
    """
    body = "\n\n".join(p for p in paragraphs if p)
    words = word_count(body)
    if words < (MIN_BRIEF_WORDS if sign else MIN_WORDS):
        raise ExtractError(
            f"no article text ({words} words after cleaning; need {MIN_WORDS}, or"
            f" {MIN_BRIEF_WORDS} on a page marked as one article)"
        )
    if not has_running_text(paragraphs):
        raise ExtractError("no running text, only short lines (an index or navigation page?)")
    language = language or detect_language(body)
    fingerprint = fingerprint_text(body)  # for the exact and the near-duplicate keys
    signature = fingerprint_signature(fingerprint)
    return Extracted(
        page_id=page.page_id,
        url=page.url,
        source=page.source,
        canonical_url=canonical_url,
        title=title,
        authors=authors,
        language=language,
        site_name=site_name,
        text=body,
        word_count=words,
        content_hash=fingerprint_hash(fingerprint),
        signature=signature,
        band_keys=tuple(band_keys(signature)),
        published_at=dates.published_at,
        published_offset_minutes=dates.offset,
        published_day=dates.day,
        date_source=dates.source,
        date_confidence=dates.confidence,
        is_updated=dates.is_updated,
        date_candidates=dates.candidates,
        access=judge_access(words, paywall, word_count(summary) if summary else 0),
    )


def _headlines(tree: lxml_html.HtmlElement) -> list[str]:
    """Texts of the page's <h1> elements: the headline as the reader sees it."""
    return [heading.text_content() for heading in tree.iter("h1")]


def _page_links(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """The page's links: target by link text (in `link_key` form), first link of a text wins.

    Texts the page also uses as a plain heading are left out: there they are part of the body.
    """
    links: dict[str, str] = {}
    for anchor in tree.iter("a"):
        href = anchor.get("href")
        if href:
            links.setdefault(link_key(anchor.text_content()), href.strip())
    for heading in tree.iter(_HEADINGS):
        if next(heading.iter("a"), None) is None and next(heading.iterancestors("a"), None) is None:
            links.pop(link_key(heading.text_content()), None)
    return links


def _link_words(paragraphs: list[str], links: dict[str, str]) -> int:
    """Words in headline-long paragraphs that are nothing but the text of a link on the page."""
    keys = (link_key(p) for p in paragraphs)
    return sum(_words(k) for k in keys if len(k) >= _HEADLINE_CHARS and k in links)


def _words(paragraph: str) -> int:
    return len(paragraph.split())


def _article_lines(tree: lxml_html.HtmlElement, url: str) -> list[str]:
    """The article's blocks, one per line, from trafilatura's precise pass or its default one.

    The precise pass alone, when it finds a long text. When it finds a short one, it may have
    cut most of the article: trafilatura's default pass (with its readability and jusText
    fallbacks) reads the page again, and its text is taken when the precise one holds less
    than `_PRECISE_SHARE` of its words, so the precise pass can only remove furniture.
    """
    strict = _trafilatura_lines(tree, url, favor_precision=True, fast=True)
    if sum(map(len, strict)) >= _SHORT_EXTRACTION:
        return strict
    return precise_or_fuller(strict, _trafilatura_lines(tree, url))


def precise_or_fuller(precise: list[str], fuller: list[str]) -> list[str]:
    """The precise pass's lines, or the fuller pass's when the precise ones cut the article.

    Cut: the precise lines hold less than `_PRECISE_SHARE` of the fuller lines' words.
    """
    if sum(map(_words, precise)) < _PRECISE_SHARE * sum(map(_words, fuller)):
        return fuller
    return precise


def _trafilatura_lines(
    tree: lxml_html.HtmlElement, url: str, *, favor_precision: bool = False, fast: bool = False
) -> list[str]:
    """trafilatura's text of the page, one block per line; [] when it finds none."""
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=False,
        favor_precision=favor_precision,
        fast=fast,
    )
    # A Document, or None; a dict only with as_dict=True.
    return doc.text.splitlines() if isinstance(doc, Document) and doc.text else []


def _paragraphs(lines: list[str]) -> list[str]:
    """Cleaned paragraphs: trafilatura puts one block per line."""
    return clean_text("\n\n".join(lines)).split("\n\n")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, from py3langid (offline)."""
    code, _score = py3langid.classify(text[:5000])
    return normalise_language(code)


def _html_dates(
    stated: tuple[DateCandidate, ...], text: str, page: Page, canonical: str | None
) -> DateChoice:
    """Dates the markup states, plus the URL's; htmldate's full search only if there is none
    else (its fast mode misses dates the full search finds)."""
    candidates = list(stated)
    for url in dict.fromkeys(filter(None, (canonical, page.final_url, page.url))):
        if found := url_date(url):
            candidates.append(DateCandidate("url", found))
    choice = _dated(page, candidates)
    if choice.published_at is None:
        guess = find_date(
            text,
            original_date=True,
            extensive_search=True,
            max_date=page.fetched_at.strftime("%Y-%m-%d"),
        )
        if guess and (value := parse_date(guess)):
            choice = _dated(page, [*candidates, DateCandidate("htmldate", value)])
    return choice


def _dated(page: Page, candidates: list[DateCandidate]) -> DateChoice:
    # A date after the page was fetched is an error on the page, never a publication date.
    return choose_date(candidates, now=page.fetched_at)
