"""One article body from two extractions of a page: a strict one and a broad one."""

from __future__ import annotations

from difflib import SequenceMatcher

MAX_GAIN = 0.25  # more added text than this means the broad pass took in another region
_MAX_SHARED = 0.5  # share of a paragraph's words that makes it a copy of a strict block


def fill_gaps(strict: list[str], broad: list[str]) -> list[str]:
    """The strict paragraphs plus the broad pass's paragraphs that fall between two of them.

    A strict extractor cuts link-dense or list-like blocks out of the middle of an article as
    readily as it cuts menus from its edges; text that the broad pass finds inside the span
    both agree on is article text, what it adds before or after that span is not trusted.
    """
    strict_keys = [_key(p) for p in strict]
    known = set(strict_keys)
    matcher = SequenceMatcher(None, strict_keys, [_key(p) for p in broad], autojunk=False)
    merged: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        merged += strict[i1:i2]
        if tag in ("insert", "replace") and i1 > 0 and i2 < len(strict):
            # A block the two passes cut differently is the same text twice, not a new block.
            seen = {w for p in strict[i1:i2] for w in p.split()}
            merged += [p for p in broad[j1:j2] if _key(p) not in known and _is_new(p, seen)]
    if _words(merged) > (1 + MAX_GAIN) * _words(strict):
        return strict
    return merged


def _is_new(paragraph: str, seen: set[str]) -> bool:
    """True unless most of the paragraph's words are in `seen`."""
    words = paragraph.split()
    return sum(w in seen for w in words) <= _MAX_SHARED * len(words)


def _key(paragraph: str) -> str:
    return " ".join(paragraph.split())


def _words(paragraphs: list[str]) -> int:
    return sum(len(p.split()) for p in paragraphs)
