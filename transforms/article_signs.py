"""What a page's own markup says about being one article (not a list, a front or an error).

A short text is kept as an article only when the page says it is one: a short brief on a
news site is marked up like any other story, a section front or an error page is not.
"""

from __future__ import annotations

from lxml import html as lxml_html

from newslake.transforms.jsonld import is_article, ld_objects

_BODY_MARKUP = "//*[@itemprop='articleBody' or @property='articleBody']"


def article_sign(tree: lxml_html.HtmlElement) -> str | None:
    """How the page marks itself as one article, or None when it does not.

    'json-ld' (an Article-type object), 'og:type' (og:type article), 'articleBody' (microdata
    or RDFa) or '<article>' (exactly one outer <article>: a front holds one per teaser).
    """
    if any(map(is_article, ld_objects(tree))):
        return "json-ld"
    for node in tree.iter("meta"):
        key = (node.get("property") or node.get("name") or "").strip().lower()
        if key == "og:type" and (node.get("content") or "").strip().lower() == "article":
            return "og:type"
    if tree.xpath(_BODY_MARKUP):
        return "articleBody"
    outer = [a for a in tree.iter("article") if next(a.iterancestors("article"), None) is None]
    return "<article>" if len(outer) == 1 else None
