"""Topics named in config: which an article matches, and how often each of its terms occurs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newslake.transforms.tokens import fold_chars


@dataclass(frozen=True, slots=True)
class Topic:
    """A named topic: terms or phrases that signal it, and terms that rule it out."""

    name: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TopicMatcher:
    """Compiled topics, ready to match many articles."""

    patterns: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]


def compile_topics(topics: Sequence[Topic]) -> TopicMatcher:
    """One case-insensitive, word-bounded pattern per topic (and one for its exclusions)."""
    return TopicMatcher(
        tuple(
            (topic.name, _pattern(topic.terms), _pattern(topic.exclude) if topic.exclude else None)
            for topic in topics
            if topic.terms
        )
    )


def match_topics(matcher: TopicMatcher, title: str | None, text: str) -> dict[str, int]:
    """Topic name -> term hits in title and text, for the topics matched and not excluded;
    quotes and spaces are folded on both sides ("Biden’s" matches the term "Biden's")."""
    content = fold_chars(f"{title or ''}\n{text}")
    hits = {}
    for name, terms, exclude in matcher.patterns:
        count = len(terms.findall(content))
        if count and not (exclude and exclude.search(content)):
            hits[name] = count
    return dict(sorted(hits.items()))


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    # Word boundaries that work for terms starting or ending in punctuation ('$5.5m', 'U.S.'),
    # and any run of whitespace inside a phrase.
    alternatives = sorted(
        (r"\s+".join(map(re.escape, fold_chars(t).split())) for t in terms if t.strip()),
        key=len,
        reverse=True,
    )
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)
