"""stated_body: the article text a page states in its JSON-LD `articleBody`."""

import json

from lxml import html

from newslake.transforms.stated_body import stated_body


def page_with(*objects: object, raw: str = "") -> html.HtmlElement:
    scripts = "".join(
        f'<script type="application/ld+json">{json.dumps(o)}</script>' for o in objects
    )
    return html.document_fromstring(f"<html><head>{scripts}{raw}</head><body></body></html>")


def test_the_body_comes_out_one_paragraph_per_line():
    article = {"@type": "NewsArticle", "articleBody": "First paragraph.\n\nSecond one.\n"}
    assert stated_body(page_with(article)) == ["First paragraph.", "Second one."]


def test_a_body_inside_a_graph_and_the_longest_of_several_is_taken():
    teaser = {"@type": "NewsArticle", "articleBody": "Short."}
    graph = {
        "@graph": [{"@type": "WebPage"}, {"@type": "Article", "articleBody": "A longer body."}]
    }
    assert stated_body(page_with(teaser, graph)) == ["A longer body."]


def test_a_body_written_as_html_gives_its_text_one_block_per_line():
    article = {
        "@type": "Article",
        "articleBody": "<p>One <a href='/x'>linked</a> line.</p><p>Two.</p>",
    }
    assert stated_body(page_with(article)) == ["One linked line.", "Two."]


def test_no_body_and_broken_json_state_nothing():
    broken = '<script type="application/ld+json">{"articleBody": </script>'
    assert stated_body(page_with({"@type": "NewsArticle", "headline": "H"}, raw=broken)) == []
