"""The article text a page states in its structured data: schema.org `articleBody` in JSON-LD.

Pages built by script often show no body in their markup (a caption, an app shell) while their
JSON-LD carries the whole article; it is the publisher's own statement of the text.
"""

from __future__ import annotations

import json
import re

from lxml import etree
from lxml import html as lxml_html

_LD_TEXTS = etree.XPath("//script[@type='application/ld+json']/text()")
_MARKUP = re.compile(r"<[a-zA-Z/!]")
_BLOCKS = ("p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")


def stated_body(tree: lxml_html.HtmlElement) -> list[str]:
    """Lines of the longest JSON-LD `articleBody` on the page; [] when it states none."""
    bodies: list[str] = []
    for script in _LD_TEXTS(tree):
        try:
            _collect(json.loads(script), bodies)
        except ValueError:
            continue
    if not bodies:
        return []
    body = max(bodies, key=len)
    if _MARKUP.search(body):
        body = _markup_text(body)
    return [line.strip() for line in body.splitlines() if line.strip()]


def _collect(data: object, bodies: list[str]) -> None:
    if isinstance(data, list):
        for item in data:
            _collect(item, bodies)
    elif isinstance(data, dict):
        if isinstance(body := data.get("articleBody"), str):
            bodies.append(body)
        for value in data.values():
            if isinstance(value, (dict, list)):
                _collect(value, bodies)


def _markup_text(body: str) -> str:
    """The text of an `articleBody` written as HTML, one block per line."""
    try:
        fragment = lxml_html.fragment_fromstring(body, create_parent="div")
    except (etree.ParserError, ValueError):
        return body
    for element in fragment.iter(_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(fragment.text_content())
