"""Access status: is an article's text the whole story, a teaser, or was the page refused?

Read from what publishers state (schema.org `isAccessibleForFree`, content-tier meta tags,
paywall containers in the markup) and from length: a text hardly longer than its own
summary is a teaser. Nothing here tries to get past a paywall; it only says one is there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import html as lxml_html

FULL, TEASER, BLOCKED = "full", "teaser", "blocked"
# A text this short, when the page also shows paywall furniture, is what the wall lets through.
SHORT_BEHIND_WALL = 250
# A text at most this many times as long as its summary (and short) is the summary padded out.
SUMMARY_RATIO = 2.0
SHORT_TEXT = 150

_WALL_CLASS = re.compile(
    r"(?:^|[\s_-])(?:pay-?wall|reg-?wall|subscriber[-_]?only|subscribers?[-_]?content|"
    r"premium[-_](?:content|article|only)|(?:article|content)[-_]?locked|locked[-_]content|"
    r"metered[-_]?content|piano[-_]?(?:offer|template))(?:$|[\s_-])",
    re.IGNORECASE,
)
_LOCKED_TIERS = {"locked", "metered", "premium", "subscriber", "subscription"}


@dataclass(frozen=True, slots=True)
class PaywallSigns:
    """What a page's markup says about access, read before extraction prunes it."""

    declared_locked: bool  # schema.org or meta tags say the content is not free
    wall_in_markup: bool  # containers named for a paywall or subscriber-only content


def paywall_signs(
    tree: lxml_html.HtmlElement, ld_objects: Sequence[dict[str, Any]], content_tiers: Sequence[str]
) -> PaywallSigns:
    """Paywall signs in a parsed page, its JSON-LD article objects and content-tier meta tags."""
    declared = any(map(_not_free, ld_objects)) or any(
        tier.strip().casefold() in _LOCKED_TIERS for tier in content_tiers
    )
    wall = any(
        _WALL_CLASS.search(node.get("class") or "") or _WALL_CLASS.search(node.get("id") or "")
        for node in tree.iter("div", "section", "aside", "article", "p", "form")
    )
    return PaywallSigns(declared, wall)


def judge_access(word_count: int, signs: PaywallSigns | None = None, summary_words: int = 0) -> str:
    """`full` or `teaser`, from the paywall signs and the text's length against its summary."""
    if signs is not None and signs.declared_locked:
        return TEASER
    if signs is not None and signs.wall_in_markup and word_count < SHORT_BEHIND_WALL:
        return TEASER
    if summary_words and word_count < SHORT_TEXT and word_count <= SUMMARY_RATIO * summary_words:
        return TEASER
    return FULL


def _not_free(obj: dict[str, Any]) -> bool:
    parts = obj.get("hasPart")
    parts = parts if isinstance(parts, list) else [parts]
    return _is_false(obj.get("isAccessibleForFree")) or any(
        isinstance(part, dict) and _is_false(part.get("isAccessibleForFree")) for part in parts
    )


def _is_false(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().casefold() == "false")
