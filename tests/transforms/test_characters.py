"""The stored text keeps the page's characters; identity and matching read them folded.

Each case pairs a page written with typographic characters (curly quotes, dashes, ellipses,
no-break spaces, decomposed accents) with the same page in plain ASCII punctuation: the stored
texts differ, every key derived from them (hash, near-duplicate signature, sentences, claims,
figures, sources, topics, teaser links) is the same.
"""

from datetime import UTC, datetime

from newslake.transforms.blocks import drop_teasers
from newslake.transforms.claims.finding import find_claims
from newslake.transforms.claims.pairs import same_claim
from newslake.transforms.claims.sentences import split_sentences
from newslake.transforms.extract import extract_page
from newslake.transforms.normalise import clean_title
from newslake.transforms.records import Page, RunInfo
from newslake.transforms.topics import Topic, compile_topics, match_topics

RUN = RunInfo("test", datetime(2026, 3, 10, tzinfo=UTC))
URL = "https://www.portavery.example/news/2026/03/04/harbour-budget"
LSQUO, RSQUO, LDQUO, RDQUO, LOW9 = "\u2018", "\u2019", "\u201c", "\u201d", "\u201e"
NDASH, MDASH, ELLIPSIS, NBSP = "\u2013", "\u2014", "\u2026", "\u00a0"
CAFE_DECOMPOSED, CAFE = "Cafe\u0301", "Caf\u00e9"

TYPOGRAPHIC = [
    f"The harbour board{RSQUO}s budget sets aside $6{NBSP}million for dredging the eastern "
    f"channel, according to the board{RSQUO}s finance chief.",
    f"{LDQUO}We have waited long enough,{RDQUO} said Mara Quist, who runs the {CAFE_DECOMPOSED} "
    f"Anchor on the quay {MDASH} the oldest business there.",
    f"Work runs from May {NDASH} September{ELLIPSIS} if the weather holds, the board said in "
    f"a statement on Tuesday.",
    f"Fishing crews said they would ask for an independent survey of the water if the catch "
    f"falls during the summer season, and the board{RSQUO}s chair agreed to fund one.",
]
STRAIGHT = [
    p.replace(RSQUO, "'").replace(LDQUO, '"').replace(RDQUO, '"').replace(NBSP, " ")
    for p in TYPOGRAPHIC
]
TITLE = f"Harbour board{RSQUO}s budget: {LDQUO}waited long enough{RDQUO}"


def page(paragraphs: list[str], title: str = TITLE) -> Page:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (
        f"<!doctype html><html lang='en'><head><title>{title} | Port Avery Post</title>"
        "<meta property='article:published_time' content='2026-03-04T08:30:00+01:00'></head>"
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    return Page.create(
        source="test", url=URL, body=html.encode("utf-8"), run=RUN, content_type="text/html"
    )


def test_the_stored_text_and_title_keep_the_pages_characters_in_nfc_with_spaces_tidied():
    extracted = extract_page(page(TYPOGRAPHIC))
    for char in (RSQUO, LDQUO, RDQUO, NDASH, MDASH, ELLIPSIS):
        assert char in extracted.text
    assert "$6 million" in extracted.text and NBSP not in extracted.text
    assert CAFE in extracted.text and CAFE_DECOMPOSED not in extracted.text
    assert extracted.title == TITLE


def test_curly_and_straight_versions_of_an_article_share_every_identity_key():
    curly, straight = extract_page(page(TYPOGRAPHIC)), extract_page(page(STRAIGHT))
    assert curly.text != straight.text
    assert curly.content_hash == straight.content_hash
    assert curly.signature == straight.signature


def test_a_changed_word_still_changes_the_identity_keys():  # the near miss
    changed = [TYPOGRAPHIC[0].replace("eastern", "western"), *TYPOGRAPHIC[1:]]
    original, edited = extract_page(page(TYPOGRAPHIC)), extract_page(page(changed))
    assert original.content_hash != edited.content_hash


def _claim_keys(text: str) -> list[tuple]:
    return [
        (
            c.sentence_index,
            c.normalised,
            [(q.kind, q.unit, q.value) for q in c.quantities],
            c.attributed_to,
            c.rule,
        )
        for c in find_claims(text, 2026)
    ]


def test_claims_figures_and_sources_are_found_alike_and_keep_the_pages_text():
    curly, straight = extract_page(page(TYPOGRAPHIC)), extract_page(page(STRAIGHT))
    keys = _claim_keys(curly.text)
    assert keys == _claim_keys(straight.text)
    assert ("money", "USD", 6e6) in keys[0][2]
    assert keys[1][3] == "Mara Quist"
    texts = [c.text for c in find_claims(curly.text, 2026)]
    assert texts[0].startswith(f"The harbour board{RSQUO}s budget")


def test_a_wire_dateline_is_cut_from_a_claim_whatever_its_dash():
    for dash in ("-", NDASH):
        (claim,) = find_claims(f"LONDON, March 5 (Reuters) {dash} {TYPOGRAPHIC[0]}", 2026)
        assert claim.text == TYPOGRAPHIC[0]


def test_claim_matching_reads_quotes_folded():
    assert same_claim(TYPOGRAPHIC[0], STRAIGHT[0], semantic=False)
    assert not same_claim(TYPOGRAPHIC[0], TYPOGRAPHIC[3], semantic=False)


def test_sentences_end_at_the_same_places_with_any_quote_style():
    for opening, closing in ((LDQUO, RDQUO), (LOW9, LDQUO), ('"', '"')):
        text = (
            f"{opening}It is over.{closing} The crews went home. {opening}Why?{closing} he asked."
        )
        assert len(split_sentences(text)) == 3, (opening, closing)
    # A closing quote before a lower-case word does not end a sentence.
    assert len(split_sentences(f"{LDQUO}It is over.{RDQUO} said the chair.")) == 1


def test_topic_terms_match_whatever_the_quote_style():
    matcher = compile_topics([Topic("board", ("harbour board's",))])
    assert match_topics(matcher, None, TYPOGRAPHIC[0]) == {"board": 1}
    assert match_topics(matcher, None, "The harbour boards met.") == {}


def test_a_teaser_links_text_matches_its_paragraph_whatever_the_quote_style():
    teaser = f"Harbour board{RSQUO}s last budget left the channel half dredged"
    links = {"harbour board's last budget left the channel half dredged": "/news/old-budget"}
    assert drop_teasers([TYPOGRAPHIC[0], teaser], links, URL) == [TYPOGRAPHIC[0]]
    elsewhere = {"harbour board's last budget left the channel half dredged": "https://x.example/"}
    assert drop_teasers([TYPOGRAPHIC[0], teaser], elsewhere, URL) == [TYPOGRAPHIC[0], teaser]


def test_a_site_suffix_is_cut_from_a_title_with_curly_quotes():
    assert clean_title(f"{TITLE} | Port Avery Post", "Port Avery Post") == TITLE
    assert clean_title(f"{LDQUO}Port Avery{RDQUO} | Harbour news", None) == (
        f"{LDQUO}Port Avery{RDQUO} | Harbour news"
    )
