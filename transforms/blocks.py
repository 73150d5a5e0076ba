"""Whole-paragraph furniture that line rules cannot see: teasers for other articles and the like.

Pure functions over the list of an article's paragraphs (and what the page's links say).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from newslake.transforms.outlets import registered_domain
from newslake.transforms.tokens import fold_chars, word_count

_BULLET = re.compile(r"^(?:[-–—•·*▪►>»]|\d{1,2}[.)])\s+")
# A label after a teaser link: 'Headline [VIDEO]', 'Headline (PHOTOS) |'.
_TRAILING_LABEL = re.compile(r"(?:\s*(?:\[[^\]]{1,20}\]|\([^)]{1,20}\))\W*|\s*[|»›]+)$")
_LABEL_MARKS = "[(|»›"  # one of these is in every label
# The reporter's sign-off: 'Follow her on Twitter @jdoe', 'Jane can be reached at jd@x.com'.
_AUTHOR_NOTE = re.compile(
    r"\b(?:follow|reach|email|e-mail|contact|write to)\s+(?:him|her|them|me)\b"
    r"|\b(?:can|may) be reached\b"
    r"|\bsíguel[oa]s?\b|\bsuivez[- ](?:le|la)\b|\bfolgen sie (?:ihm|ihr)\b",
    re.IGNORECASE,
)
_NOTE_ZONE = 3  # a sign-off sits in the last paragraphs
_MIN_TEASER_WORDS = 4  # shorter link texts are names, products and labels, not headlines


def link_key(text: str) -> str:
    """The form in which a paragraph and a link's text are compared: casefolded, quotes
    folded, no bullet."""
    text = " ".join(fold_chars(text).split())
    if any(mark in text for mark in _LABEL_MARKS):  # the label pattern is slow to rule out
        text = _TRAILING_LABEL.sub("", text)
    return _BULLET.sub("", text).casefold()


def drop_teasers(paragraphs: list[str], links: Mapping[str, str], page_url: str) -> list[str]:
    """Paragraphs without headline links to other articles of the same site ('related' lists)."""
    return [p for p in paragraphs if not _is_teaser(p, links, page_url)]


def _is_teaser(paragraph: str, links: Mapping[str, str], page_url: str) -> bool:
    key = link_key(paragraph)
    href = links.get(key)
    if href is None or word_count(key) < _MIN_TEASER_WORDS:
        return False
    target = urljoin(page_url, href)
    if urlsplit(target).path.rstrip("/") == urlsplit(page_url).path.rstrip("/"):
        return False  # a link to the page itself (its own headline, a permalink)
    site = registered_domain(page_url)
    return site is not None and registered_domain(target) == site


def drop_author_notes(paragraphs: list[str]) -> list[str]:
    """Paragraphs without the reporter's sign-off (contact and follow prompts) at the end."""
    cut = max(len(paragraphs) - _NOTE_ZONE, 1)  # a one-paragraph article stays whole
    tail = [p for p in paragraphs[cut:] if not _AUTHOR_NOTE.search(p)]
    return paragraphs[:cut] + tail
