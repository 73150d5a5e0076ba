"""What a page's own markup says about being one article (not a list, a front or an error).

A short text is kept as an article only when the page says it is one: a short brief on a
news site is marked up like any other story, a section front or an error page is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lxml import html as lxml_html

# schema.org types of one written piece (Article and the subtypes news and blog pages use).
_ARTICLE_TYPES = frozenset(
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
_BODY_MARKUP = "//*[@itemprop='articleBody' or @property='articleBody']"


def article_sign(tree: lxml_html.HtmlElement) -> str | None:
    """How the page marks itself as one article, or None when it does not.

    'json-ld' (an Article-type object), 'og:type' (og:type article), 'articleBody' (microdata
    or RDFa) or '<article>' (exactly one outer <article>: a front holds one per teaser).
    """
    if any(_is_article_type(obj.get("@type")) for obj in _ld_objects(tree)):
        return "json-ld"
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or "").strip().lower()
        if key == "og:type" and (node.get("content") or "").strip().lower() == "article":
            return "og:type"
    if tree.xpath(_BODY_MARKUP):
        return "articleBody"
    outer = [a for a in tree.iter("article") if next(a.iterancestors("article"), None) is None]
    return "<article>" if len(outer) == 1 else None


def _is_article_type(kind: object) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].lower() in _ARTICLE_TYPES for k in kinds)


def _ld_objects(tree: lxml_html.HtmlElement) -> Iterator[dict[str, Any]]:
    """The page's top-level JSON-LD objects and the members of their @graph."""
    for script in tree.xpath(_LD_SCRIPTS):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        yield from _objects(data)


def _objects(data: object) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _objects(data.get("@graph"))
