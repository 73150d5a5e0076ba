import pytest
from lxml import html as lxml_html

from newslake.transforms.access import FULL, TEASER, PaywallSigns, judge_access
from newslake.transforms.discovery import Entry, fill_gaps
from newslake.transforms.metadata import read_page_meta
from newslake.transforms.records import Extracted

LD = '<script type="application/ld+json">{}</script>'


def signs(head: str = "", body: str = "<p>Text.</p>") -> PaywallSigns:
    page = f"<html><head>{head}</head><body><article>{body}</article></body></html>"
    return read_page_meta(lxml_html.document_fromstring(page)).paywall


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        (LD.format('{"@type": "NewsArticle", "isAccessibleForFree": false}'), "", (True, False)),
        (LD.format('{"@type": "NewsArticle", "isAccessibleForFree": "False"}'), "", (True, False)),
        (
            LD.format(
                '{"@type": "Article", "hasPart": [{"@type": "WebPageElement", '
                '"isAccessibleForFree": "false", "cssSelector": ".locked"}]}'
            ),
            "",
            (True, False),
        ),
        (LD.format('{"@type": "NewsArticle", "isAccessibleForFree": true}'), "", (False, False)),
        ('<meta property="article:content_tier" content="locked">', "", (True, False)),
        ('<meta property="article:content_tier" content="free">', "", (False, False)),
        ("", '<div class="article-paywall">Subscribe</div>', (False, True)),
        ("", '<section id="regwall">Register</section>', (False, True)),
        ("", '<div class="premium-content locked">…</div>', (False, True)),
        ("", '<div class="subscriber-only">…</div>', (False, True)),
        ("", '<div class="paywalled-nothing wallpaper">…</div>', (False, False)),
        ("", '<div class="premium">A premium car review</div>', (False, False)),
    ],
)
def test_paywall_signs_come_from_what_the_page_states(head, body, expected):
    found = signs(head, body)
    assert (found.declared_locked, found.wall_in_markup) == expected


@pytest.mark.parametrize(
    ("words", "declared", "wall", "summary", "expected"),
    [
        (900, True, False, 0, TEASER),  # declared not free: a teaser whatever its length
        (120, False, True, 0, TEASER),  # a short text behind a paywall box
        (800, False, True, 0, FULL),  # a paywall box on a page whose text is all there
        (60, False, False, 40, TEASER),  # hardly longer than its own summary
        (140, False, False, 25, FULL),
        (60, False, False, 0, FULL),  # short, but nothing says it was cut
        (400, False, False, 300, FULL),  # a long summary of a long text
    ],
)
def test_judge_access(words, declared, wall, summary, expected):
    assert judge_access(words, PaywallSigns(declared, wall), summary) == expected


def test_a_page_no_longer_than_its_feed_summary_is_a_teaser():
    short = Extracted(
        page_id="p",
        url="https://n.example/a",
        source="s",
        canonical_url=None,
        title=None,
        authors=(),
        published_at=None,
        language="en",
        site_name=None,
        text=" ".join(["word"] * 45),
        word_count=45,
        content_hash="h",
    )
    summary = " ".join(["lede"] * 30)
    assert fill_gaps(short, Entry(short.url, "T", summary=summary)).access == TEASER
    assert fill_gaps(short, Entry(short.url, "T")).access == FULL
