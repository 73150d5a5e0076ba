"""Page-tree fixes applied before trafilatura reads an article: widgets out, quoted posts and
the article's own header in.

Each rule changes the parsed page in place and reads nothing but the page.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from newslake.transforms.tokens import lower_like_ignorecase

# A card that pops up over a name or link (a 'hovercard'): an element inside a paragraph
# holding an image and several links. Only the innermost such element goes, so the link
# that opens the card, which is part of the sentence, stays.
_INLINE_CARDS = "//p//*[.//img][count(.//a) >= 2][not(.//*[.//img][count(.//a) >= 2])]"

# Sign-up and sales boxes, named for what they sell ('paywall' is not here: it wraps bodies).
_PROMO_WORDS = (
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "optin",
    "cta",
    "promo",
    "donate",
    "donation",
    "membership",
    "registration",
)
_PROMO_NAME = re.compile(rf"(?:^|[^a-z0-9])(?:{'|'.join(_PROMO_WORDS)})s?(?:[^a-z0-9]|$)")
_CAMEL_HUMP = re.compile(r"(?<=[a-z])(?=[A-Z])")
# A pre-filter over class and id in lower case: five times faster than IGNORECASE.
_PROMO_HINT = re.compile("|".join(_PROMO_WORDS))
_NAMED = etree.XPath("//body//*[@class or @id]")
_MAX_PROMO_CHARS = 1000  # a box this long is more likely an article with an odd class name

_MAX_FOOTER_CHARS = 1500

# A <header> inside <article> or <main> heads that content (HTML: only a header outside them is
# the page's banner). trafilatura's precise pass deletes every <header>, and with it the
# standfirst or lead paragraph an article header often holds; as a <div> it is read as body.
_ARTICLE_HEADERS = etree.XPath("//header[ancestor::article or ancestor::main][.//p]")

# Embedded social posts: the platforms' embed markup names them in the class.
_EMBEDDED_POST = re.compile(
    r"twitter-tweet|twitter-video|instagram-media|tiktok-embed|bluesky-embed|threads-post"
    r"|mastodon-embed|fb-xfbml|reddit-embed",
    re.IGNORECASE,
)
_MAX_WRAPPERS = 3
_STOP_UNWRAPPING = frozenset({"body", "html", "article", "main"})
_TEXT_OUTSIDE_SCRIPTS = ".//text()[not(ancestor::script)][not(ancestor::style)]"

# Elements that trafilatura's precise pass deletes when empty, together with the text that
# follows them (their tail): an empty <b></b> or <span></span> inside a paragraph cut it short.
_EMPTIABLE = (
    *("article", "b", "blockquote", "dd", "div", "dt", "em", "i", "li", "main", "p", "pre"),
    *("q", "section", "span", "strong", "h1", "h2", "h3", "h4", "h5", "h6"),
)

# Format characters that belong to words and sentences: zero-width non-joiner and joiner
# (Persian, Indic scripts, emoji) and the bidi marks of right-to-left text. trafilatura deletes
# every non-printable character, so they travel through it as printable stand-ins from a
# block news text never uses (Byzantine musical symbols).
_MARKS = "\u200c\u200d\u200e\u200f\u061c"
_STAND_INS = "".join(chr(0x1D000 + i) for i in range(len(_MARKS)))
_SHIELD = str.maketrans(_MARKS, _STAND_INS)
_UNSHIELD = str.maketrans(_STAND_INS, _MARKS)


def prepare_tree(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """The page without inline cards, promo boxes, ruled-off footers, empty tags; posts and
    article headers freed."""
    open_article_headers(tree)
    drop_inline_cards(tree)
    drop_promo_boxes(tree)
    drop_ruled_off_footers(tree)
    free_embedded_posts(tree)
    drop_empty_elements(tree)
    return tree


def open_article_headers(tree: lxml_html.HtmlElement) -> None:
    """Turn headers of an article or main content that hold a paragraph into plain blocks, so
    the lead paragraph in them is read with the body (the headline is dropped later as a
    repeat of the title)."""
    for header in _ARTICLE_HEADERS(tree):
        header.tag = "div"


def drop_inline_cards(tree: lxml_html.HtmlElement) -> None:
    """Remove pop-up cards nested in paragraphs; their text is not part of the sentence."""
    for card in tree.xpath(_INLINE_CARDS):
        card.drop_tree()


def drop_promo_boxes(tree: lxml_html.HtmlElement) -> None:
    """Remove newsletter, subscription and donation boxes, which publishers put inside bodies."""
    named = (el for el in _NAMED(tree) if _PROMO_HINT.search(_lower_names(el)))
    for box in [el for el in named if _is_promo_box(el)]:
        box.drop_tree()


def _lower_names(element: lxml_html.HtmlElement) -> str:
    return lower_like_ignorecase(f"{element.get('class') or ''} {element.get('id') or ''}")


def _is_promo_box(element: lxml_html.HtmlElement) -> bool:
    # A promo word must be a word of the name: 'nrplus-cta' and 'ctaBox' are boxes, 'octavia'
    # is not.
    names = _CAMEL_HUMP.sub(" ", f"{element.get('class') or ''} {element.get('id') or ''}")
    return bool(_PROMO_NAME.search(names.lower())) and (
        len(element.text_content()) <= _MAX_PROMO_CHARS
    )


def drop_ruled_off_footers(tree: lxml_html.HtmlElement) -> None:
    """Remove a last block set off by a horizontal rule: copyright and about-the-company notes.

    Only a single block closing its container counts; a rule between sections of an article
    has more than one block after it.
    """
    for rule in list(tree.iter("hr")):
        if (rule.tail or "").strip():
            continue
        after = [el for el in rule.itersiblings() if el.text_content().strip()]
        if len(after) == 1 and len(after[0].text_content()) <= _MAX_FOOTER_CHARS:
            after[0].drop_tree()


def free_embedded_posts(tree: lxml_html.HtmlElement) -> None:
    """Unwrap the boxes around quoted social posts so extractors do not discard them as widgets.

    A post the article quotes is part of the story, but its box is usually classed 'embed' or
    'social', which extractors read as a share bar.
    """
    for quote in list(tree.iter("blockquote")):
        if _EMBEDDED_POST.search(quote.get("class") or ""):
            del quote.attrib["class"]
            for wrapper in _wrappers(quote):
                wrapper.drop_tag()


def drop_empty_elements(tree: lxml_html.HtmlElement) -> None:
    """Remove empty elements followed by text, keeping that text where it stood."""
    empty = [el for el in tree.iter(*_EMPTIABLE) if _is_empty(el) and (el.tail or "").strip()]
    for element in empty:
        element.drop_tag()


def _is_empty(element: lxml_html.HtmlElement) -> bool:
    return element.text is None and len(element) == 0


def _wrappers(element: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """Ancestors (innermost first) that hold nothing but `element` and scripts."""
    found: list[lxml_html.HtmlElement] = []
    text = _text(element)
    for parent in element.iterancestors():
        if len(found) == _MAX_WRAPPERS or parent.tag in _STOP_UNWRAPPING:
            break
        if _text(parent) != text:
            break
        found.append(parent)
    return found


def _text(element: lxml_html.HtmlElement) -> str:
    """The element's text without whitespace or script source."""
    return "".join("".join(element.xpath(_TEXT_OUTSIDE_SCRIPTS)).split())


def shield_marks(tree: lxml_html.HtmlElement) -> None:
    """Swap joiners and bidi marks in the page's text for printable stand-ins.

    Pages that already hold a stand-in character are left alone, so unshielding is exact.
    """
    text = tree.text_content()
    if not any(mark in text for mark in _MARKS) or any(s in text for s in _STAND_INS):
        return
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text:
            el.text = el.text.translate(_SHIELD)
        if el.tail:
            el.tail = el.tail.translate(_SHIELD)


def unshield_marks(text: str) -> str:
    """Text with the stand-ins of `shield_marks` turned back into the marks they replaced."""
    return text.translate(_UNSHIELD)
