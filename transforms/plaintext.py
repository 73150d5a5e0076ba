"""Plain-text and Markdown news files: title, byline, date and body."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from newslake.transforms.edges import is_prose, trim_edges
from newslake.transforms.furniture import is_boilerplate_line
from newslake.transforms.metadata import clean_authors, parse_date, parse_written_date
from newslake.transforms.normalise import clean_text, tidy_text
from newslake.transforms.tokens import word_count

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


_BYLINE_WORDS = 8
_LABEL_WORDS = 4  # 'Staff Writer', 'Business Desk': a short label after a byline belongs to it
# No rule may take more than this share of a document's words: not one line rule (a byline,
# a dateline, a title, a furniture line) and not all of them together.
_MOST = 0.5


@dataclass(frozen=True, slots=True)
class PlainDoc:
    """What a plain-text file says about itself."""

    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    paragraphs: list[str]
    # Every paragraph but the title, before the byline and dateline rules cut anything.
    uncut: list[str] = field(default_factory=list)


def parse_plain_text(text: str, *, markdown: bool = False) -> PlainDoc:
    """Title, authors, date and body paragraphs of a plain-text (or Markdown) article.

    The title is a Markdown heading or front-matter title, else the first line if it
    reads as a headline, else the first headline-like line anywhere, else the start of
    the first sentence. A byline or dateline is cut from its line: the rest of the line
    stays when it reads as text, and no such cut takes most of the document's words.
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
    most = _MOST * sum(map(word_count, paragraphs))
    authors = clean_authors([fields["author"]]) if "author" in fields else ()
    published_at = parse_date(fields["date"]) if "date" in fields else None
    kept: list[str] = []
    for para in paragraphs:
        byline = None if authors else _cut_byline(para)
        dateline = _DATELINE.match(para)
        if byline and word_count(para) - word_count(byline.rest) <= most:
            authors = clean_authors([byline.names])
            published_at = published_at or byline.date
            if byline.rest:
                kept.append(byline.rest)
        elif dateline and published_at is None and word_count(para) <= most:
            published_at = parse_date(dateline.group(1))
        else:
            kept.append(para)
    if title is None:
        title, kept = _find_title(kept, most)
    uncut = [p for p in paragraphs if p != title]
    return PlainDoc(title, authors, published_at, kept, uncut)


@dataclass(frozen=True, slots=True)
class _Byline:
    names: str
    date: datetime | None
    rest: str  # the rest of the line, if it reads as text; else ''


def _cut_byline(line: str) -> _Byline | None:
    """The byline opening a line ('By Jane Doe · March 5, 2026 | Staff Writer'): its names,
    its date, and the rest of the line once the byline and its labels are cut off."""
    segments = _segments(line)
    head = segments[0][0]
    match = _BYLINE.match(head)
    if match is None or len(head.split()) > _BYLINE_WORDS:
        return None
    date, end = None, segments[0][1]
    for segment, after in segments[1:]:
        furniture = is_boilerplate_line(segment)
        label = len(segment.split()) <= _LABEL_WORDS and not _TERMINAL.search(segment)
        if not (furniture or label):
            break
        date = date or parse_written_date(segment)
        end = after
    rest = line[end:].strip()
    return _Byline(match.group(1), date, rest if rest and is_prose(rest) else "")


def _segments(line: str) -> list[tuple[str, int]]:
    """The line's parts between ' | ', ' · ' and ' • ', each with the offset after its end."""
    parts, start = [], 0
    for sep in _SEGMENTS.finditer(line):
        parts.append((line[start : sep.start()], sep.end()))
        start = sep.end()
    parts.append((line[start:], len(line)))
    return parts


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


def _find_title(paragraphs: list[str], most: float) -> tuple[str | None, list[str]]:
    """The title and the paragraphs without it; a line holding most of the words stays."""
    if not paragraphs:
        return None, paragraphs

    def taken(i: int) -> list[str]:
        if word_count(paragraphs[i]) > most:
            return paragraphs
        return paragraphs[:i] + paragraphs[i + 1 :]

    for i, para in enumerate(paragraphs):
        if looks_like_headline(para):
            return para, taken(i)
        if is_prose(para) and i == 0:
            break
    for i, para in enumerate(paragraphs[1:], start=1):
        if looks_like_headline(para) and len(para.split()) >= 5:
            return para, taken(i)
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


def _front_matter_pairs(block: str) -> Iterator[tuple[str, str]]:
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            yield key.strip().lower(), value.strip().strip("\"'")


def article_paragraphs(doc: PlainDoc) -> list[str]:
    """The paragraphs to store: cleaned (furniture lines off, edges trimmed), or the whole
    text tidied when the rules together would remove most of its words."""
    cleaned = clean_text("\n\n".join(doc.paragraphs), keep_major_lines=True)
    paragraphs = trim_edges(cleaned.split("\n\n"))
    uncut = tidy_text("\n\n".join(doc.uncut))
    if word_count("\n".join(paragraphs)) < _MOST * word_count(uncut):
        return uncut.split("\n\n")
    return paragraphs
