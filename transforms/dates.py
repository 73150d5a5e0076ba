"""Publication dates with provenance: every candidate a page offers, the one chosen, and how sure.

Users of news tools most often get the modified date or a URL date taken for the publication
date; newslake keeps every candidate with its source so coverage-by-day queries can exclude
shaky dates, and says when a page states it was updated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from newslake.transforms.pickling import pickled_by_fields

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Strongest first. Families: sources in one family can repeat one CMS field, so agreement
# within a family is no corroboration. Generic meta names ('date', 'dc.date') come after the
# dates the page shows readers: CMSs fill them with the page's build or review date.
SOURCES = {
    "jsonld": "structured",
    "meta:published": "structured",
    "time": "markup",
    "text": "markup",
    "meta:generic": "structured",
    "feed": "listing",
    "url": "url",
    "htmldate": "guess",
}
_PRIORITY = list(SOURCES)
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]([01]?\d)[/-]([0-3]?\d)(?:/|[-_.]|$)")
_UPDATE_MARGIN = timedelta(hours=1)
_MAX_OFFSET = 14 * 60  # minutes: UTC offsets in use run from -12:00 to +14:00
_MIN_OFFSET = 12 * 60
_DAY = 24 * 60
_DAY_SOURCES = ("text", "url")  # sources that state the outlet's own calendar day


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class DateCandidate:
    """One date a page, its URL or its listing states, and where it came from."""

    source: str  # a key of SOURCES
    value: datetime  # the instant, in UTC
    kind: str = "published"  # or "modified"
    offset: int | None = None  # the UTC offset the source states, in minutes; None if none

    @property
    def day(self) -> date:
        """The calendar day as the source states it: in its own offset, else as written."""
        return local_day(self.value, self.offset)


@dataclass(frozen=True, slots=True)
class DateChoice:
    """The publication date chosen from the candidates, with provenance."""

    published_at: datetime | None
    source: str | None
    offset: int | None  # the chosen date's stated UTC offset in minutes
    day: date | None  # the chosen date's calendar day as the outlet states it
    confidence: str  # high: two source families agree on the day; medium: one structured
    # or markup source; low: only the URL, a listing or a guess; none: no date
    is_updated: bool
    candidates: tuple[DateCandidate, ...]


def local_day(instant: datetime, offset: int | None) -> date:
    """The calendar day of a UTC instant at a stated offset (at UTC when none is stated)."""
    return (instant + timedelta(minutes=offset or 0)).astimezone(UTC).date()


def url_date(url: str) -> datetime | None:
    """The date a URL path spells (/2026/03/05/ or /2026-03-05-), as UTC midnight."""
    match = _URL_DATE.search(url)
    if not match:
        return None
    try:
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def choose_date(candidates: Iterable[DateCandidate], now: datetime) -> DateChoice:
    """The strongest publication date in [1990, now], its confidence, and whether the page
    says it was modified after it; dates outside that range are kept but never chosen."""
    found = tuple(dict.fromkeys(candidates))
    usable = [c for c in found if c.kind == "published" and EARLIEST <= c.value <= now]
    if not usable:
        return DateChoice(None, None, None, None, "none", False, found)
    chosen = min(usable, key=lambda c: _PRIORITY.index(c.source))
    family = SOURCES[chosen.source]
    agreeing = {SOURCES[c.source] for c in usable if c.day == chosen.day}
    if len(agreeing) > 1:
        confidence = "high"
    elif family in ("structured", "markup"):
        confidence = "medium"
    else:
        confidence = "low"
    updated = any(
        c.kind == "modified" and c.value > chosen.value + _UPDATE_MARGIN and c.value <= now
        for c in found
    )
    offset: int | None = _outlet_offset(chosen, found)
    day = local_day(chosen.value, offset)
    if offset == 0 and (stated_day := _local_day_stated(chosen, found)) is not None:
        day, offset = stated_day, None  # the outlet's day is known, its offset is not
    return DateChoice(chosen.value, chosen.source, offset, day, confidence, updated, found)


def _local_day_stated(chosen: DateCandidate, found: tuple[DateCandidate, ...]) -> date | None:
    """The outlet's day for a date stated in UTC, from the day the page states for readers
    (the date under its headline, else its URL path) when that is a neighbouring day the
    instant falls on at some offset in use (-12:00 to +14:00). None when the page also
    states the UTC day, or states two others."""
    stated = [
        other
        for other in found
        if other.source in _DAY_SOURCES and other.kind == "published" and other.offset is None
    ]
    if any(other.day == chosen.value.date() for other in stated):
        return None
    days = {
        other.day
        for other in stated
        if other.value.time() == time()
        and -_MAX_OFFSET <= (chosen.value - other.value).total_seconds() / 60 < _DAY + _MIN_OFFSET
    }
    return days.pop() if len(days) == 1 else None


def _outlet_offset(chosen: DateCandidate, found: tuple[DateCandidate, ...]) -> int | None:
    """The outlet's UTC offset for the chosen date. A date stated in UTC ('Z', +00:00) takes
    the offset of another statement of the same instant on the page: one with its own offset,
    or a published local time without one that differs from it by a whole offset (CMSs write
    UTC in structured data and the outlet's clock in the markup readers see)."""
    if chosen.offset != 0:
        return chosen.offset
    for other in found:
        if other.offset and other.value == chosen.value:
            return other.offset
    for other in found:
        if other.offset is None and other.kind == "published" and other.value.time() != time():
            # To the minute: a time written for readers ('4:38 PM') states no seconds.
            minutes, rest = divmod(
                (_minute(other.value) - _minute(chosen.value)).total_seconds(), 60
            )
            if not rest and minutes and not minutes % 15 and abs(minutes) <= _MAX_OFFSET:
                return int(minutes)
    return 0


def _minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)
