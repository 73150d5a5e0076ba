"""Dates as pages write them for readers ('9 March 2026', 'March 9, 2026, 4:38 PM',
'12.11.2021 - 14:30'), and the ones a page shows by its headline.

Many pages state their date only in the line under the headline (or a dateline opening the
text), with no markup; that line is also the day and the local time the outlet shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from lxml import html as lxml_html

# Month names and abbreviations in the languages of the pages newslake reads.
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january enero janvier januar jänner gennaio janeiro januari",
            "feb february febrero février fevrier februar febbraio fevereiro februari",
            "mar march marzo mars märz marz março maart",
            "apr april abril avril aprile",
            "may mayo mai maggio maio mei",
            "jun june junio juin juni giugno junho",
            "jul july julio juillet juli luglio julho",
            "aug august agosto août aout augustus",
            "sep sept september septiembre septembre settembre setembro",
            "oct october octubre octobre oktober ottobre outubro",
            "nov november noviembre novembre novembro",
            "dec december diciembre décembre decembre dezember dicembre dezembro",
        ),
        start=1,
    )
    for name in names.split()
}
_WORD = r"([^\W\d_]{3,})"
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:\.|er|º)?\s+(?:de\s+)?" + _WORD + r"\.?,?\s+(?:de\s+)?(\d{4})\b"
)
_MONTH_DAY_YEAR = re.compile(r"\b" + _WORD + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
# Day-first numerals: '12.11.2021', '4. 2. 2022', '28.09.19' (dots are never month-first).
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d\d)(?![\d.]?\d)")
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d\d)-(\d\d)(?![\d-])")
# Slashes are day-first in most of the world and month-first in the US: read only when one
# of the two numbers is above 12 (or both are the same).
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_TIME = re.compile(r"\b([01]?\d|2[0-3])(?::|h)([0-5]\d)(?!\d)\s*([ap])?\.?m?\b", re.IGNORECASE)
# A label that makes the date an update, not the publication ('Updated', 'Aktualisiert am',
# 'mis à jour', 'actualizado', 'aggiornato', 'bijgewerkt', 'last modified'). German outlets'
# 'Stand:' ('as of') is not one: it is their date line.
_UPDATE_LABEL = re.compile(
    r"updated|modified|aktualisiert|mis à jour|mise à jour|actualizad|aggiornat"
    r"|bijgewerkt|geändert",
    re.IGNORECASE,
)
_HEADER_CHARS = 300  # how much of the text after the headline is its header (byline, date)
_ABOVE_CHARS = 100  # how much of the text just above the headline is read (kicker, byline)
_LEAD_CHARS = 30  # a date that dates the article opens its line; later ones are in prose
_TIME_REACH = 30  # how far after the date its time of day may follow
_HEADINGS = ("h1", "h2", "h3")
_HEADLINE_WORDS = 3  # a heading shorter than this ('News', a site name) names no article
_NOT_SHOWN = frozenset({"script", "style", "noscript", "template", "button", "select"})


@dataclass(frozen=True, slots=True)
class WrittenDate:
    """A date written in a text, at the local time written with it (midnight if none)."""

    value: datetime  # naive local time, as UTC (no offset is written)
    start: int  # where the date starts in the text
    end: int  # where it ends
    has_time: bool


def find_written_date(text: str, within: int | None = None) -> WrittenDate | None:
    """The first date written in the text (starting within `within` characters, if given),
    with the time of day written right after it."""
    found: list[tuple[int, int, datetime]] = []
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _DOTTED, _ISO, _SLASHED):
        for match in pattern.finditer(text):
            if within is not None and match.start() > within:
                break
            day = _day(pattern, match.groups())
            if day is not None:
                found.append((match.start(), match.end(), day))
                break
    if not found:
        return None
    start, end, day = min(found, key=lambda item: item[0])
    clock = _TIME.search(text[end : end + _TIME_REACH])
    if clock is None:
        return WrittenDate(day, start, end, False)
    hour, minute = int(clock.group(1)), int(clock.group(2))
    meridiem = (clock.group(3) or "").lower()
    if meridiem and 1 <= hour <= 12:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return WrittenDate(datetime.combine(day.date(), time(hour, minute), UTC), start, end, True)


def _day(pattern: re.Pattern[str], groups: tuple[str, ...]) -> datetime | None:
    try:
        if pattern is _DAY_MONTH_YEAR or pattern is _MONTH_DAY_YEAR:
            day, month, year = groups if pattern is _DAY_MONTH_YEAR else _swap(groups)
            number = MONTHS.get(month.casefold())
            return datetime(int(year), number, int(day), tzinfo=UTC) if number else None
        if pattern is _ISO:
            return datetime(int(groups[0]), int(groups[1]), int(groups[2]), tzinfo=UTC)
        return _numeric_day(*(int(part) for part in groups), slashed=pattern is _SLASHED)
    except ValueError:
        return None


def _numeric_day(first: int, second: int, year: int, *, slashed: bool) -> datetime | None:
    """Day-first numerals; slashed ones only when the order is not in doubt."""
    if slashed and first <= 12 and second <= 12 and first != second:
        return None
    if slashed and first <= 12 < second:
        first, second = second, first
    return datetime(year + 2000 if year < 100 else year, second, first, tzinfo=UTC)


def _swap(groups: tuple[str, ...]) -> tuple[str, ...]:
    month, day, year = groups
    return day, month, year


def header_dates(
    tree: lxml_html.HtmlElement, titles: list[str | None]
) -> list[tuple[datetime, str]]:
    """Dates the page shows under its headline, as (naive local time as UTC, kind): the first
    date opening a line of the header (byline, date line or the text's dateline) is the
    publication ('published'); dates labelled as updates before it are 'modified'.

    The headline is the first <h1> (else <h2>, <h3>) the page's titles (<title>, og:title,
    JSON-LD headline) name, else the first <h1> of an <article> or of the page; a page with none
    shows no header. Dates in the headline itself are part of its words.
    """
    headline = _headline(tree, titles)
    if headline is None:
        return []
    found = _dated_lines(_shown_text(headline.xpath("following::text()"), _HEADER_CHARS))
    if not any(kind == "published" for _value, kind in found):
        # A kicker or byline above the headline, in the block that holds it.
        block = headline.getparent()
        if block is not None and block.getparent() is not None:
            block = block.getparent()
        above = [n for n in headline.xpath("preceding::text()") if _inside(n.getparent(), block)]
        lines = _shown_text(reversed(above), _ABOVE_CHARS)[::-1]
        found += [date for date in _dated_lines(lines) if date[1] == "published"][-1:]
    return found


def _dated_lines(lines: list[str]) -> list[tuple[datetime, str]]:
    """The first date opening one of the lines that no label makes an update ('published'),
    after the ones labelled as updates ('modified')."""
    found: list[tuple[datetime, str]] = []
    for i, line in enumerate(lines):
        written = find_written_date(line, within=_LEAD_CHARS)
        if written is None:
            continue
        if not written.has_time:
            written = find_written_date(" ".join(lines[i : i + 3]), within=_LEAD_CHARS) or written
        # The words before the date, and the line before when it is a bare label.
        label = line[: written.start]
        if i and find_written_date(lines[i - 1]) is None:
            label = f"{lines[i - 1]} {label}"
        if _UPDATE_LABEL.search(label):
            found.append((written.value, "modified"))
            continue
        found.append((written.value, "published"))
        break
    return found


def _headline(
    tree: lxml_html.HtmlElement, titles: list[str | None]
) -> lxml_html.HtmlElement | None:
    named = [_words(title) for title in titles if title]
    for level in _HEADINGS:
        for heading in tree.iter(level):
            words = _words(heading.text_content())
            if len(words.split()) >= _HEADLINE_WORDS and any(words in t for t in named):
                return heading
    headline = next(tree.iterfind(".//article//h1"), None)
    return headline if headline is not None else next(tree.iter("h1"), None)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _inside(element: lxml_html.HtmlElement | None, block: lxml_html.HtmlElement | None) -> bool:
    if element is None or block is None:
        return False
    return element is block or any(a is block for a in element.iterancestors())


def _shown_text(nodes: Iterable[Any], limit: int) -> list[str]:
    """The visible lines (text nodes, whitespace tidied) of these nodes, up to `limit`
    characters."""
    lines: list[str] = []
    total = 0
    for node in nodes:
        parent = node.getparent()
        if parent is None or not isinstance(parent.tag, str):
            continue
        holder = parent if node.is_text else parent.getparent()
        if holder is not None and (
            holder.tag in _NOT_SHOWN or any(a.tag in _NOT_SHOWN for a in holder.iterancestors())
        ):
            continue
        line = " ".join(node.split())
        if line:
            lines.append(line)
            total += len(line)
            if total >= limit:
                break
    return lines
