"""Page-tree rules applied before trafilatura: each removes its widget and keeps the article."""

from lxml import html

from newslake.transforms.domclean import (
    drop_inline_cards,
    drop_promo_boxes,
    drop_ruled_off_footers,
    free_embedded_posts,
    open_article_headers,
    prepare_tree,
    shield_marks,
    unshield_marks,
)

LEDE_TEXT = "The harbour board approved the dredging plan after a four-hour meeting."
LEDE = f"<p>{LEDE_TEXT}</p>"


def tree_of(body: str):
    return html.document_fromstring(f"<html><body><article>{body}</article></body></html>")


def text_of(tree) -> str:
    return " ".join(tree.text_content().split())


# --- article headers --------------------------------------------------------------------------

STANDFIRST = "<p class='dek'>Six votes to two after a four-hour meeting.</p>"


def test_a_header_inside_the_article_with_a_lead_paragraph_becomes_a_block():
    tree = tree_of(f"<header><h1>Dredging approved</h1>{STANDFIRST}</header>{LEDE}")
    open_article_headers(tree)
    assert tree.find(".//header") is None
    assert tree.find(".//article/div/p").text == "Six votes to two after a four-hour meeting."


def test_a_header_of_the_main_content_with_a_paragraph_becomes_a_block():
    tree = html.document_fromstring(
        f"<html><body><main><header>{STANDFIRST}</header>{LEDE}</main></body></html>"
    )
    open_article_headers(tree)
    assert tree.find(".//header") is None


def test_the_page_banner_and_a_headline_only_header_stay_headers():
    tree = html.document_fromstring(
        "<html><body><header><p>Port Avery's paper since 1887</p></header>"
        f"<article><header><h1>Dredging approved</h1></header>{LEDE}</article></body></html>"
    )
    open_article_headers(tree)
    assert len(tree.findall(".//header")) == 2


# --- inline cards ------------------------------------------------------------------------------

CARD = (
    '<p>The motion came from councillor <span class="who"><a href="/people/ana-ruiz">Ana Ruiz'
    '</a><span class="card"><img src="/ruiz.jpg"><a href="/people/ana-ruiz">Ana Ruiz</a>'
    '<a href="/news/1">Ruiz backs ferry fares freeze</a><a href="/news/2">Budget vote '
    "delayed</a></span></span>, who chairs the transport panel.</p>"
)


def test_a_hover_card_inside_a_sentence_is_dropped_but_its_link_stays():
    tree = tree_of(CARD)
    drop_inline_cards(tree)
    assert text_of(tree) == (
        "The motion came from councillor Ana Ruiz, who chairs the transport panel."
    )


def test_an_inline_image_with_one_link_is_not_a_card():
    body = '<p>Tap the <a href="/help"><img src="/icon.png">share icon</a> to send it on.</p>'
    tree = tree_of(body)
    drop_inline_cards(tree)
    assert text_of(tree) == "Tap the share icon to send it on."


def test_a_gallery_outside_paragraphs_is_not_a_card():
    body = (
        LEDE + '<div><img src="/a.jpg"><a href="/a">Photo one</a><a href="/b">Photo two</a></div>'
    )
    tree = tree_of(body)
    drop_inline_cards(tree)
    assert "Photo two" in text_of(tree)


# --- promo boxes -------------------------------------------------------------------------------


def test_a_newsletter_box_is_dropped():
    box = (
        '<section class="Newsletter-container"><h3>Morning Briefing</h3>'
        "<p>The day's top stories before breakfast.</p><form><input type=email></form></section>"
    )
    tree = tree_of(LEDE + box)
    drop_promo_boxes(tree)
    assert (
        text_of(tree) == "The harbour board approved the dredging plan after a four-hour meeting."
    )


def test_boxes_named_in_camel_case_or_with_cta_are_dropped():
    tree = tree_of(
        LEDE + '<div id="newsletterSignUp">Get our briefing</div>'
        '<div class="member-cta-wrap">Join our members today</div>'
    )
    drop_promo_boxes(tree)
    assert "briefing" not in text_of(tree)
    assert "members" not in text_of(tree)


def test_a_class_that_merely_contains_a_promo_word_is_kept():
    tree = tree_of('<div class="octavia-profile"><p>Octavia Lee runs the ferry line.</p></div>')
    drop_promo_boxes(tree)
    assert "Octavia Lee runs the ferry line." in text_of(tree)


def test_a_long_block_with_a_promo_class_is_kept_as_it_is_likely_the_article():
    prose = "<p>" + "The board heard from residents about the dredging plan. " * 30 + "</p>"
    tree = tree_of(f'<div class="promo-story">{prose}</div>')
    drop_promo_boxes(tree)
    assert "residents" in text_of(tree)


def test_a_paywall_wrapper_is_not_a_promo_box():
    tree = tree_of(f'<div class="paywall">{LEDE}</div>')
    drop_promo_boxes(tree)
    assert "dredging plan" in text_of(tree)


# --- ruled-off footers -------------------------------------------------------------------------


def test_a_single_block_after_a_closing_rule_is_dropped():
    about = "<p>Harbourline is a regional ferry operator based in Port Avery.</p>"
    tree = tree_of(f"{LEDE}<hr>{about}")
    drop_ruled_off_footers(tree)
    assert (
        text_of(tree) == "The harbour board approved the dredging plan after a four-hour meeting."
    )


def test_sections_separated_by_a_rule_are_kept():
    more = "<p>Work starts in May.</p><p>It should end by autumn.</p>"
    tree = tree_of(f"{LEDE}<hr>{more}")
    drop_ruled_off_footers(tree)
    assert "Work starts in May." in text_of(tree)
    assert "It should end by autumn." in text_of(tree)


def test_a_rule_followed_by_running_text_is_left_alone():
    tree = tree_of(f"{LEDE}<hr>And then the vote came.<p>Final paragraph.</p>")
    drop_ruled_off_footers(tree)
    assert "Final paragraph." in text_of(tree)


# --- embedded posts ----------------------------------------------------------------------------

TWEET = (
    '<div class="social-media-embed"><blockquote class="twitter-tweet"><p>The ferry is late '
    'again.</p>&mdash; Port Avery Commuter (@avery_commuter)</blockquote><script src="https://'
    'platform.twitter.com/widgets.js"></script></div>'
)


def test_an_embedded_post_is_freed_from_its_social_widget_box():
    tree = tree_of(LEDE + TWEET)
    free_embedded_posts(tree)
    quote = tree.find(".//blockquote")
    assert quote.get("class") is None
    assert quote.getparent().tag == "article"
    assert "The ferry is late again." in text_of(tree)


def test_a_box_holding_more_than_the_post_is_left_in_place():
    box = (
        '<div class="social-share"><blockquote class="twitter-tweet">Late again.</blockquote>'
        "<p>Share this story</p></div>"
    )
    tree = tree_of(LEDE + box)
    free_embedded_posts(tree)
    assert tree.find(".//blockquote").getparent().get("class") == "social-share"


def test_a_plain_blockquote_is_not_touched():
    tree = tree_of(
        '<div class="pullquote"><blockquote class="quote">We will dredge.</blockquote></div>'
    )
    free_embedded_posts(tree)
    assert tree.find(".//blockquote").get("class") == "quote"


def test_prepare_tree_applies_every_rule():
    tree = tree_of(CARD + TWEET + '<div class="newsletter">Sign up</div><hr><p>About us.</p>')
    text = text_of(prepare_tree(tree))
    assert "Ruiz backs" not in text
    assert "Sign up" not in text
    assert "About us." not in text
    assert "The ferry is late again." in text


# --- joiners and bidi marks --------------------------------------------------------------------

PERSIAN = "\u0633\u0647\u200c\u0634\u0646\u0628\u0647"  # 'Tuesday', joined by a ZWNJ
RTL_NAME = "\u0634\u0631\u0643\u0629 \u200fHarbourline\u200f"


def test_marks_become_printable_stand_ins_and_come_back_exactly():
    tree = tree_of(f"<p>{PERSIAN}</p><p>{RTL_NAME}</p>")
    shield_marks(tree)
    shielded = tree.text_content()
    assert "\u200c" not in shielded and "\u200f" not in shielded
    assert shielded.isprintable()
    assert unshield_marks(shielded) == PERSIAN + RTL_NAME


def test_a_page_without_marks_is_untouched():
    tree = tree_of(LEDE)
    shield_marks(tree)
    assert (
        text_of(tree) == "The harbour board approved the dredging plan after a four-hour meeting."
    )


def test_a_page_already_using_a_stand_in_character_is_not_shielded():
    stand_in = "\U0001d000"
    tree = tree_of(f"<p>{PERSIAN} {stand_in}</p>")
    shield_marks(tree)
    assert tree.text_content() == f"{PERSIAN} {stand_in}"
