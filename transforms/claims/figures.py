"""Figure anchors: two sentences that state a figure of the same kind, in clauses saying the
same thing about the same subject, state one claim, whatever else each adds.

"The cost to train DeepSeek's V3 model is reportedly around $6 million, a fraction of what
Meta spends" and "DeepSeek said its model, V3, cost only US$5.5 million to train" share
money in USD in clauses about cost and training, and the rare names DeepSeek and V3: one
claim with two figures. A paraphrase model trained on whole-sentence pairs calls them
different, because each sentence carries material the other lacks.

A calendar day is an anchor too: "The breakthrough came on January 20, when DeepSeek released
its model" and "Released on January 20, the model showed ..." state one release. A date is an
adverbial, so its clause takes in the clauses either side; the day must be the same (and the
year, where both state one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from newslake.transforms.claims.quantities import DATE, Quantity, find_quantities

_SCALE_WORDS = frozenset(
    "thousand million billion trillion percent cent per part parts dollar dollars".split()
)
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:()]|\s[-–—]\s)\s*")
MIN_CLAUSE_WORDS = 3  # a shorter clause around a figure takes in its neighbours
MIN_SHARED_IN_CLAUSE = 2  # content words the two figures' clauses must share
MIN_SHARED_BARE = 3  # the same, for counts of nothing named ("16,000") or small ones
SMALL_COUNT = 100
ANCHOR_KINDS = frozenset({"money", "percent", "count", "ratio"})
# Outlets round and revise one figure ($5.5 million, about $6 million; 19 ships, then 23);
# figures further apart than this are about different things.
MAX_RATIO = 1.5
# Dates without a year are read in this one (a leap year, so "February 29" reads), and only
# their month and day are kept: the article's year may be unknown.
_ANY_YEAR = 2000
_EPOCH = date(1970, 1, 1)
_STATED_YEAR = re.compile(r"\d{4}")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
# A month name next to a number, or an ISO date: a cheap test before dates are read.
_MAYBE_DAY = re.compile(
    rf"\b{_MONTH}\.?\s+\d|\d(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b|\d{{4}}-\d\d-\d\d",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A figure's kind, unit and value, and the content words of the clause stating it
    (`names`: those written with a capital)."""

    kind: str
    unit: str
    value: float  # a date's: month x 100 + day
    words: frozenset[str]
    names: frozenset[str] = frozenset()
    year: int | None = None  # a date's, where the sentence states it


def find_anchors(
    sentence: str,
    content: Callable[[str], Iterable[str]],
    quantities: Iterable[Quantity] | None = None,
) -> tuple[Anchor, ...]:
    """The figures of a sentence with their clauses' content words (`content` gives them);
    `quantities` are the sentence's, if they were found already."""
    anchors = []
    clauses = _clauses(sentence)
    for quantity in find_quantities(sentence) if quantities is None else quantities:
        if quantity.kind not in ANCHOR_KINDS:
            continue
        at = sentence.find(quantity.text)
        if at < 0:
            continue
        clause = _clause_around(sentence, clauses, at).replace(quantity.text, " ")
        capitalised = " ".join(word for word in clause.split() if word[:1].isupper())
        # The figure's own words (its unit, scale words) say nothing about what it counts.
        own = set(content(f"{quantity.unit} {quantity.text}")) | _SCALE_WORDS
        anchors.append(
            Anchor(
                quantity.kind,
                quantity.unit,
                quantity.value,
                frozenset(content(clause)) - own,
                frozenset(content(capitalised)),
            )
        )
    return tuple(anchors) + _day_anchors(sentence, clauses, content)


def _day_anchors(
    sentence: str, clauses: list[tuple[int, int]], content: Callable[[str], Iterable[str]]
) -> tuple[Anchor, ...]:
    """The calendar days a sentence states, each with the words of its clause and the clauses
    either side (what happened on that day)."""
    if not _MAYBE_DAY.search(sentence):
        return ()
    anchors = []
    for quantity in find_quantities(sentence, _ANY_YEAR):
        at = sentence.find(quantity.text)
        if quantity.kind != DATE or quantity.unit != "day" or at < 0:
            continue
        day = _EPOCH + timedelta(days=quantity.value)
        index = next((i for i, (s, e) in enumerate(clauses) if s <= at < e), len(clauses) - 1)
        spans = clauses[max(index - 1, 0) : index + 2]
        around = " ".join(sentence[s:e] for s, e in spans).replace(quantity.text, " ")
        capitalised = " ".join(word for word in around.split() if word[:1].isupper())
        stated = _STATED_YEAR.search(quantity.text)
        anchors.append(
            Anchor(
                DATE,
                "day",
                float(day.month * 100 + day.day),
                frozenset(content(around)),
                frozenset(content(capitalised)),
                day.year if stated else None,
            )
        )
    return tuple(anchors)


def anchored(a: Iterable[Anchor], b: Iterable[Anchor]) -> tuple[Anchor, Anchor] | None:
    """A figure of a and one of b that are the same quantity stated twice, if any:
    same kind and unit, values within MAX_RATIO of each other (a date: the same day), and
    clauses sharing enough
    words, one of them at least not a name (what is said, not only who or where)."""
    for first in a:
        for second in b:
            if (first.kind, first.unit) != (second.kind, second.unit):
                continue
            if first.kind == DATE:
                if first.value != second.value or (
                    None not in (first.year, second.year) and (first.year != second.year)
                ):
                    continue
            elif not _close(first.value, second.value):
                continue
            shared = first.words & second.words
            if len(shared) >= _needed(first, second) and shared - (first.names | second.names):
                return first, second
    return None


def _needed(first: Anchor, second: Anchor) -> int:
    """Shared clause words that make two figures one: more for a figure that says little by
    itself (a count of nothing named, or a small count such as "three schools")."""
    if first.kind == "count" and (not first.unit or max(first.value, second.value) < SMALL_COUNT):
        return MIN_SHARED_BARE
    return MIN_SHARED_IN_CLAUSE


def _close(x: float, y: float) -> bool:
    low, high = sorted((abs(x), abs(y)))
    return low > 0 and high <= MAX_RATIO * low


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of the sentence's clauses, split at commas, semicolons, brackets, dashes."""
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        if _looks_numeric(sentence, match.start()):
            continue  # "5,000" is one number
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(sentence)))
    return [span for span in spans if span[1] > span[0]]


def _looks_numeric(sentence: str, at: int) -> bool:
    return (
        sentence[at : at + 1] == ","
        and at > 0
        and sentence[at - 1].isdigit()
        and sentence[at + 1 : at + 2].isdigit()
    )


def _clause_around(sentence: str, clauses: list[tuple[int, int]], at: int) -> str:
    """The clause holding position `at`, widened by its neighbours while it is too short."""
    index = next((i for i, (s, e) in enumerate(clauses) if s <= at < e), len(clauses) - 1)
    first = last = index

    def text() -> str:
        return " ".join(sentence[s:e] for s, e in clauses[first : last + 1])

    while len(text().split()) < MIN_CLAUSE_WORDS and (first > 0 or last < len(clauses) - 1):
        first, last = max(first - 1, 0), min(last + 1, len(clauses) - 1)
    return text()
