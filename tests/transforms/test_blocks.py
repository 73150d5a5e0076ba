"""Whole-paragraph rules: teasers for other articles and the reporter's sign-off."""

from newslake.transforms.blocks import drop_author_notes, drop_teasers, link_key

URL = "https://www.portavery.example/news/2026/03/dredging-plan-approved"
P1 = "The harbour board approved the dredging plan after a four-hour meeting on Tuesday."
P2 = "Work on the eastern channel is due to start in May and end before the autumn storms."
P3 = "Fishing crews said they would watch the silt levels closely through the summer."


def links(**targets: str) -> dict[str, str]:
    return {link_key(text): href for text, href in targets.items()}


# --- teasers -----------------------------------------------------------------------------------

RELATED = {
    "Ferry fares frozen for another year": "/news/2026/02/ferry-fares-frozen",
    "Storm closes the north pier for a week": "https://www.portavery.example/news/storm-pier",
}


def test_headline_links_to_the_same_site_are_dropped():
    teasers = ["- Ferry fares frozen for another year", "Storm closes the north pier for a week"]
    assert drop_teasers([P1, *teasers, P2], links(**RELATED), URL) == [P1, P2]


def test_a_teaser_with_a_label_after_its_link_is_dropped():
    page_links = links(**RELATED)
    assert drop_teasers([P1, "Ferry fares frozen for another year [VIDEO] |"], page_links, URL) == [
        P1
    ]


def test_links_to_other_sites_are_kept():
    shop = {"Harbourline Deluxe Dry Bag 20L": "https://shop.harbourline.example/dry-bag"}
    assert drop_teasers([P1, "Harbourline Deluxe Dry Bag 20L"], links(**shop), URL) == [
        P1,
        "Harbourline Deluxe Dry Bag 20L",
    ]


def test_short_link_texts_are_names_not_teasers():
    author = {"Staff Reports": "/author/staff"}
    assert drop_teasers(["Staff Reports", P1], links(**author), URL) == ["Staff Reports", P1]


def test_a_link_to_the_page_itself_is_kept():
    own = {"Dredging plan approved after long meeting": "/news/2026/03/dredging-plan-approved/"}
    paragraphs = ["Dredging plan approved after long meeting", P1]
    assert drop_teasers(paragraphs, links(**own), URL) == paragraphs


def test_prose_that_is_not_a_link_text_is_kept():
    assert drop_teasers([P1, P2], links(**RELATED), URL) == [P1, P2]


def test_cjk_headline_links_count_characters_as_words():
    teaser = "港湾委員会が浚渫計画を承認"
    page_links = {link_key(teaser): "/news/2026/03/other"}
    assert drop_teasers([P1, teaser], page_links, URL) == [P1]


def test_link_key_ignores_case_spacing_bullets_and_labels():
    assert link_key("  • Ferry  Fares (PHOTOS)") == "ferry fares"
    assert link_key("3. The plan") == "the plan"
    assert link_key("He said (quietly) no.") == "he said (quietly) no."


# --- author notes ------------------------------------------------------------------------------


def test_a_closing_contact_note_is_dropped():
    note = "Have a tip? Jo Marsh can be reached at jmarsh@portavery.example."
    assert drop_author_notes([P1, P2, note]) == [P1, P2]


def test_a_closing_follow_prompt_is_dropped_even_after_a_book_plug():
    note = "Jo Marsh's book on tides is out now. Follow her on Twitter @jomarsh."
    assert drop_author_notes([P1, P2, P3, note]) == [P1, P2, P3]


def test_the_same_words_early_in_the_article_are_kept():
    quote = "Residents were told to contact him with complaints, the mayor said."
    paragraphs = [P1, quote, P2, P3, "More dredging is planned.", "The board meets again soon."]
    assert drop_author_notes(paragraphs) == paragraphs


def test_a_one_paragraph_article_is_left_whole():
    only = "Contact her at the harbour office, the notice says, for the new timetable."
    assert drop_author_notes([only]) == [only]


def test_a_closing_paragraph_without_a_prompt_is_kept():
    assert drop_author_notes([P1, P2, P3]) == [P1, P2, P3]
