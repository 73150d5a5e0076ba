"""Article text and titles ready to store: repaired, NFC, spaces tidied, furniture removed.

The stored text keeps the page's characters (curly quotes, dashes, ellipses); quotes are
folded only where text is matched or hashed (`tokens.fold_chars`, `fingerprint_text`).

No I/O, clock, environment or network access: every function maps strings to values.
"""

import re
import unicodedata
from collections.abc import Iterable

import ftfy

from newslake.transforms.furniture import (
    AGENCIES,
    MEDIA_WORDS,
    fold_words,
    is_boilerplate_line,
    is_furniture,
    normalise_line,
    terminal_punctuation,
    vocabulary,
)
from newslake.transforms.tokens import (
    content_hash,
    fingerprint_text,
    fold_quotes,
    tidy_spaces,
    word_count,
)

__all__ = [
    "clean_text",
    "clean_title",
    "content_hash",
    "fingerprint_text",
    "is_boilerplate_line",
    "tidy_text",
    "word_count",
]

# Repair mojibake and control junk only: quote style and full-width CJK punctuation are the
# page's (quotes are folded only in the forms used for identity and matching).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False, fix_character_width=False, normalization="NFC", explain=False
)


# ---------------------------------------------------------------------------------------------


def _paragraphs(lines: Iterable[str]) -> list[list[str]]:
    """Group normalised lines into paragraphs separated by blank lines."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _drop_repeats(items: Iterable[str]) -> list[str]:
    """Drop items equal to their predecessor, comparing fingerprints when they have words."""
    kept: list[str] = []
    previous, previous_key = "", ""
    for item in items:
        # Fingerprints are costly; texts of very different length cannot match.
        if kept and abs(len(item) - len(previous)) <= max(len(item), len(previous)) // 4:
            previous_key = previous_key or fingerprint_text(previous) or previous
            key = fingerprint_text(item) or item
            if key == previous_key:
                previous = item
                continue
        else:
            key = ""
        kept.append(item)
        previous, previous_key = item, key
    return kept


# Mojibake leaves a lead byte read as Latin-1/cp1252 (Ã, Â, â, ...) before a continuation
# character; control characters and entities need ftfy too. Text with none of these is
# returned as it is, which skips ftfy's cost on the great majority of pages.
_NEEDS_REPAIR = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013-\u203a\u20ac\u2122]|[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]|&#?\\w+;"
    "|\ufffd"
)


def _repair(text: str) -> str:
    """ftfy's repair where the text shows a sign of needing it."""
    if _NEEDS_REPAIR.search(text):
        return ftfy.fix_text(text, config=_FTFY_CONFIG)
    return text


def _lines(text: str) -> list[str]:
    repaired = unicodedata.normalize("NFC", _repair(text))
    return [normalise_line(line) for line in repaired.splitlines()]


def clean_text(text: str, *, keep_major_lines: bool = False) -> str:
    """Return article text ready to store: repaired, NFC, spaces tidied, furniture removed.

    With `keep_major_lines`, a line holding most of the text's words is never furniture.
    """
    lines = _lines(text)
    most = word_count(" ".join(lines)) / 2 if keep_major_lines else float("inf")
    blocks = []
    for paragraph in _paragraphs(lines):
        kept = _drop_repeats(
            line for line in paragraph if not (is_furniture(line) and word_count(line) <= most)
        )
        if kept:
            blocks.append("\n".join(kept))
    return "\n\n".join(_drop_repeats(blocks))


def tidy_text(text: str) -> str:
    """The text as `clean_text` stores it, with nothing removed: repaired, NFC, spaces tidied."""
    return "\n\n".join("\n".join(paragraph) for paragraph in _paragraphs(_lines(text)))


# --- titles ----------------------------------------------------------------------------------

_TITLE_SEP = re.compile(r"\s+(\|\|?|::|//|\u00b7|\u2022|\u00bb|\u203a|--?|\u2013|\u2014)\s+")
_STRONG_SEPS = frozenset({"|", "||", "::", "//", "\u00b7", "\u2022", "\u00bb", "\u203a"})
_DOMAIN_RE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}/?$", re.IGNORECASE)
_TITLE_CONNECTORS = vocabulary(
    "of", "the", "de", "la", "el", "du", "der", "die", "das", "and", "y", "et", "und", "on", "for"
)
_HOST_NOISE = frozenset(
    {
        "www",
        "m",
        "amp",
        "mobile",
        "edition",
        "en",
        "es",
        "fr",
        "de",
        "co",
        "com",
        "org",
        "net",
        "gov",
        "ac",
    }
)


def _clean_inline(text: str) -> str:
    repaired = unicodedata.normalize("NFC", _repair(text))
    return " ".join(tidy_spaces(repaired).split())


def _compact(text: str) -> str:
    return "".join(fold_words(text))


def _site_key(site_name: str) -> str:
    """Alphanumeric key of a site name; domains reduce to their brand label (bbc.co.uk -> bbc)."""
    name = site_name.strip().casefold()
    if _DOMAIN_RE.match(name):
        host = re.sub(r"^https?://", "", name).rstrip("/")
        labels = host.split(".")[:-1]
        brand = [label for label in labels if label not in _HOST_NOISE]
        return _compact(brand[-1]) if brand else _compact(host)
    return _compact(name)


def _matches_site(segment: str, site_key: str) -> bool:
    seg_key = _compact(segment)
    if not seg_key or not site_key:
        return False
    if seg_key == site_key:
        return True
    shorter, longer = sorted((seg_key, site_key), key=len)
    return len(shorter) >= 4 and shorter in longer and len(segment.split()) <= 6


def _looks_like_site_name(segment: str) -> bool:
    if _DOMAIN_RE.match(segment):
        return True
    parts = segment.split()
    if not 1 <= len(parts) <= 5 or len(segment) > 40 or terminal_punctuation(segment):
        return False
    return all(
        p[:1].isupper()
        or p[:1].isdigit()
        or " ".join(fold_words(p)) in _TITLE_CONNECTORS
        or p == "&"
        for p in parts
    )


def _has_site_cue(segment: str) -> bool:
    parts = segment.split()
    if _DOMAIN_RE.match(segment) or set(fold_words(segment)) & (MEDIA_WORDS | AGENCIES):
        return True
    return len(parts) == 1 and parts[0].isupper() and 2 <= len(parts[0]) <= 6


def _is_site_segment(segment: str, sep: str, site_key: str, *, suffix: bool) -> bool:
    if _matches_site(segment, site_key):
        return True
    if not _looks_like_site_name(segment):
        return False
    # Pipes and double colons rarely appear inside headlines; dashes often do.
    if suffix:
        return sep in _STRONG_SEPS or _has_site_cue(segment)
    return sep in _STRONG_SEPS and _has_site_cue(segment)


def _split_title(title: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Spans of the title's segments and the separators between them."""
    segments: list[tuple[int, int]] = []
    seps: list[str] = []
    start = 0
    guillemets = "\u00ab" in title
    for match in _TITLE_SEP.finditer(title):
        if guillemets and match[1] in {"\u00bb", "\u203a"}:
            continue
        segments.append((start, match.start()))
        seps.append(match[0].strip())
        start = match.end()
    segments.append((start, len(title)))
    return segments, seps


def clean_title(title: str | None, site_name: str | None = None) -> str | None:
    """Return the headline without site-name prefixes/suffixes, whitespace tidied; None if empty.

    Segments are judged with their quotes folded; the headline keeps the page's characters.
    """
    if title is None:
        return None
    text = _clean_inline(title)
    if not text:
        return None
    folded = fold_quotes(text)  # character for character, so spans agree
    site_key = _site_key(site_name) if site_name else ""
    segments, seps = _split_title(folded)
    while len(segments) > 1:
        first, last = (folded[a:b] for a, b in (segments[0], segments[-1]))
        if _is_site_segment(last, seps[-1], site_key, suffix=True):
            segments.pop()
            seps.pop()
        elif _is_site_segment(first, seps[0], site_key, suffix=False):
            segments.pop(0)
            seps.pop(0)
        else:
            break
    return text[segments[0][0] : segments[-1][1]].strip() or None
