"""A page's JSON-LD: every object its ld+json scripts state, and the schema.org types they name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

# schema.org types of one written piece (Article and the subtypes news and blog pages use).
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "blogposting",
        "liveblogposting",
        "report",
    }
)
_LD_SCRIPTS = "//script[@type='application/ld+json']"


def ld_objects(tree: lxml_html.HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object the page states at the top of a script or in an @graph, in page
    order (a script that is not valid JSON states nothing)."""
    for script in tree.xpath(_LD_SCRIPTS):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _objects(data)


def ld_types(obj: dict[str, Any]) -> frozenset[str]:
    """The object's @type names, lower case, without a vocabulary prefix
    ('http://schema.org/NewsArticle' is 'newsarticle')."""
    kinds = obj.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return frozenset(k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str))


def is_article(obj: dict[str, Any]) -> bool:
    """Whether the object describes one written piece (an Article type)."""
    return not ARTICLE_TYPES.isdisjoint(ld_types(obj))


def _objects(data: object) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))
