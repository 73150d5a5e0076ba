"""Plain-text and Markdown news files: title, byline, date and body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newslake.transforms.edges import is_prose
from newslake.transforms.metadata import clean_authors, parse_date, parse_written_date

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1")
_BYLINE = re.compile(r"^(?:by|von|por|par)\s+(\S.*)$", re.I)
_DATELINE = re.compile(
    r"^(?:published|updated|date|posted)?\s*:?\s*(\d{4}-\d\d-\d\d(?:[T ][\d:.]+)?"
    r"(?:Z|[+-]\d\d:?\d\d)?)$",
    re.I,
)
_SEGMENTS = re.compile(r"\s+[·|•]\s+")
_TERMINAL = re.compile(r"[.!?;,。！？]$")
_TITLE_WORDS = (2, 20)
_DERIVED_TITLE_WORDS = 12


@dataclass(frozen=True, slots=True)
class PlainDoc:
    """What a plain-text file says about itself."""

    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    paragraphs: list[str]


def parse_plain_text(text: str, *, markdown: bool = False) -> PlainDoc:
    """Title, authors, date and body paragraphs of a plain-text (or Markdown) article.

    The title is a Markdown heading or front-matter title, else the first line if it
    reads as a headline, else the first headline-like line anywhere, else the start of
    the first sentence.
    """
    fields: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        fields = dict(_front_matter_pairs(match.group(1)))
        text = text[match.end() :]
    lines = [line.strip() for line in text.splitlines()]
    title = fields.get("title")
    if markdown:
        lines, heading = _strip_markdown(lines)
        title = title or heading
    paragraphs = _paragraphs(lines)
    authors = clean_authors([fields["author"]]) if "author" in fields else ()
    published_at = parse_date(fields["date"]) if "date" in fields else None
    kept: list[str] = []
    for para in paragraphs:
        segments = _SEGMENTS.split(para)
        byline = _BYLINE.match(segments[0])
        dateline = _DATELINE.match(para)
        if byline and len(segments[0].split()) <= 8 and not authors:
            authors = clean_authors([byline.group(1)])
            published_at = published_at or next(
                filter(None, map(parse_written_date, segments[1:])), None
            )
        elif dateline and published_at is None:
            published_at = parse_date(dateline.group(1))
        else:
            kept.append(para)
    if title is None:
        title, kept = _find_title(kept)
    return PlainDoc(title=title, authors=authors, published_at=published_at, paragraphs=kept)


def looks_like_headline(line: str) -> bool:
    """True for a line shaped like a headline: a few words, capitalised, no closing punctuation."""
    words = line.split()
    low, high = _TITLE_WORDS
    return (
        low <= len(words) <= high
        and not _TERMINAL.search(line)
        and (line[0].isupper() or not line[0].isalpha())
        and any(c.isalpha() for c in line)
    )


def _find_title(paragraphs: list[str]) -> tuple[str | None, list[str]]:
    if not paragraphs:
        return None, paragraphs
    for i, para in enumerate(paragraphs):
        if looks_like_headline(para):
            return para, paragraphs[:i] + paragraphs[i + 1 :]
        if is_prose(para) and i == 0:
            break
    for i, para in enumerate(paragraphs[1:], start=1):
        if looks_like_headline(para) and len(para.split()) >= 5:
            return para, paragraphs[:i] + paragraphs[i + 1 :]
    first = re.split(r"(?<=[.!?])\s", paragraphs[0], maxsplit=1)[0]
    words = first.split()
    if len(words) > _DERIVED_TITLE_WORDS:
        first = " ".join(words[:_DERIVED_TITLE_WORDS]).rstrip(",;:") + "…"
    return first, paragraphs


def _paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs: blank-line blocks when the text is hard-wrapped, else one per line."""
    nonblank = [line for line in lines if line]
    wrapped = len(nonblank) >= 4 and sum(55 <= len(x) <= 80 for x in nonblank) > 0.6 * len(nonblank)
    if not wrapped:
        return nonblank
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [" ".join(block) for block in blocks if block]


def _strip_markdown(lines: list[str]) -> tuple[list[str], str | None]:
    heading = None
    out = []
    for line in lines:
        match = _MD_HEADING.match(line)
        if match:
            line = match.group(1)
            if heading is None:
                heading = line
                continue
        line = _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", line))
        line = _MD_EMPHASIS.sub(r"\2", line).lstrip(">").strip()
        if line.startswith(("- ", "* ", "+ ")):
            line = line[2:]
        if re.fullmatch(r"[-*_=]{3,}", line):
            line = ""
        out.append(line)
    return out, heading


def _front_matter_pairs(block: str):
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            yield key.strip().lower(), value.strip().strip("\"'")
