"""article_sign on small hand-written pages: how a page marks itself as one article."""

import pytest
from lxml import html

from newslake.transforms.article_signs import article_sign


def sign(head: str = "", body: str = "<p>Text.</p>") -> str | None:
    return article_sign(html.document_fromstring(f"<html><head>{head}</head><body>{body}</body>"))


def ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (ld('{"@type": "NewsArticle", "headline": "Bridge shut"}'), "", "json-ld"),
        (ld('{"@graph": [{"@type": "WebSite"}, {"@type": "BlogPosting"}]}'), "", "json-ld"),
        (ld('[{"@type": ["Thing", "http://schema.org/Report"]}]'), "", "json-ld"),
        ('<meta property="og:type" content="article">', "", "og:type"),
        ("", '<div itemprop="articleBody"><p>Text.</p></div>', "articleBody"),
        ("", "<article><p>Text.</p><article><p>A comment.</p></article></article>", "<article>"),
        # near misses: pages that are not one article
        (ld('{"@type": "CollectionPage", "name": "Local news"}'), "", None),
        (ld('{"@type": "WebPage", "mainEntity": {"@type": "ItemList"}}'), "", None),
        (ld("{not json"), "", None),
        ('<meta property="og:type" content="website">', "", None),
        ("", "<article><p>One.</p></article><article><p>Two.</p></article>", None),
        ("", "<p>Text.</p>", None),
    ],
)
def test_how_a_page_marks_itself_as_one_article(head: str, body: str, expected: str | None):
    assert sign(head, body or "<p>Text.</p>") == expected
