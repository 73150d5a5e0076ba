"""Clean article text and metadata from a page's bytes (the only module that calls trafilatura)."""

from __future__ import annotations

import py3langid
import trafilatura
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html

from newslake.transforms.decode import decode_body
from newslake.transforms.edges import drop_title_repeat, is_prose, trim_edges
from newslake.transforms.errors import ExtractError
from newslake.transforms.metadata import normalise_language, parse_date, read_page_meta
from newslake.transforms.normalise import clean_text, clean_title, content_hash, word_count
from newslake.transforms.plaintext import parse_plain_text
from newslake.transforms.records import Extracted, Page

MIN_WORDS = 40  # below this a page is a teaser, an index or an error page, not an article
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")
MAX_LINK_SHARE = 0.5  # above this, the "article" is a list of links to other pages


def extract_page(page: Page) -> Extracted:
    """Clean text and metadata of one page; raises ExtractError (or a FetchError) if none."""
    text, _charset = decode_body(page.body, page.charset)
    if _is_html(page.content_type, text):
        return _extract_html(page, text)
    return _extract_plain(page, text)


def _is_html(content_type: str | None, text: str) -> bool:
    if content_type and content_type.startswith(_HTML_TYPES):
        return True
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def _extract_html(page: Page, text: str) -> Extracted:
    try:
        tree = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"unparseable HTML: {exc}") from exc
    meta = read_page_meta(tree, now=page.fetched_at)
    link_texts = _link_texts(tree)  # before trafilatura, which prunes the tree
    doc = trafilatura.bare_extraction(
        tree, url=meta.canonical_url or page.url, include_comments=False, with_metadata=False
    )
    if doc is None or not doc.text:
        raise ExtractError("no main text found in the page")
    title = clean_title(meta.title, meta.site_name)
    paragraphs = trim_edges(drop_title_repeat(_paragraphs(doc.text), title))
    if _link_words(paragraphs, link_texts) > MAX_LINK_SHARE * sum(map(_words, paragraphs)):
        raise ExtractError("a list of links (an index or section page), not an article")
    return _extracted(
        page,
        paragraphs,
        canonical_url=meta.canonical_url,
        title=title,
        authors=meta.authors,
        published_at=meta.published_at or _fallback_date(text, page),
        language=meta.language,
        site_name=meta.site_name,
    )


def _extract_plain(page: Page, text: str) -> Extracted:
    markdown = bool(page.content_type and page.content_type.startswith(_MARKDOWN_TYPES))
    # Bylines and datelines are read before cleaning, which would drop them as furniture.
    doc = parse_plain_text(text, markdown=markdown)
    paragraphs = trim_edges(clean_text("\n\n".join(doc.paragraphs)).split("\n\n"))
    title = (clean_text(doc.title) or doc.title) if doc.title else None
    return _extracted(
        page,
        paragraphs,
        canonical_url=None,
        title=clean_title(title),
        authors=doc.authors,
        published_at=doc.published_at,
        language=None,
        site_name=None,
    )


def _extracted(page: Page, paragraphs: list[str], **meta) -> Extracted:
    """The record for a page whose body passes the checks; ExtractError if it does not."""
    body = "\n\n".join(p for p in paragraphs if p)
    words = word_count(body)
    if words < MIN_WORDS:
        raise ExtractError(f"no article text ({words} words after cleaning; need {MIN_WORDS})")
    if not any(map(is_prose, paragraphs)):
        raise ExtractError("no running text, only short lines (an index or navigation page?)")
    return Extracted(
        page_id=page.page_id,
        url=page.url,
        source=page.source,
        text=body,
        word_count=words,
        content_hash=content_hash(body),
        **{**meta, "language": meta["language"] or detect_language(body)},
    )


def _link_texts(tree: lxml_html.HtmlElement) -> set[str]:
    """Casefolded texts of the page's links that are long enough to be headlines."""
    texts = (" ".join(a.text_content().split()).casefold() for a in tree.iter("a"))
    return {t for t in texts if len(t) >= 20}


def _link_words(paragraphs: list[str], link_texts: set[str]) -> int:
    """Words in paragraphs that are nothing but the text of one of the page's links."""
    return sum(_words(p) for p in paragraphs if p.casefold() in link_texts)


def _words(paragraph: str) -> int:
    return len(paragraph.split())


def _paragraphs(extracted: str) -> list[str]:
    """trafilatura puts one block per line: each line is a paragraph."""
    return clean_text(extracted.replace("\n", "\n\n")).split("\n\n")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, from py3langid (offline)."""
    code, _score = py3langid.classify(text[:5000])
    return normalise_language(code)


def _fallback_date(text: str, page: Page):
    """htmldate's original-date guess, for pages whose markup states no date."""
    found = find_date(
        text,
        url=page.url,
        original_date=True,
        extensive_search=False,
        max_date=page.fetched_at.strftime("%Y-%m-%d"),
    )
    return parse_date(found) if found else None
