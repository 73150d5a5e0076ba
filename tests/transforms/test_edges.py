from newslake.transforms.edges import drop_title_repeat, has_running_text, is_prose, trim_edges

P1 = "The council voted on Tuesday to extend the emergency water programme by six weeks."
P2 = "Residents in the northern districts will keep receiving bottled water until April."
DEK = "Council extends the emergency programme as tests continue in the northern districts"


def test_short_lines_before_the_first_paragraph_are_dropped_but_a_standfirst_stays():
    paragraphs = ["Reading Time: 3 minutes", "18", "Jane Doein Lisbon", DEK, P1, P2]
    assert trim_edges(paragraphs) == [DEK, P1, P2]


def test_short_lines_after_the_last_paragraph_are_dropped():
    assert trim_edges([P1, P2, "water, council, health", "Advertisement"]) == [P1, P2]


def test_subheads_between_paragraphs_are_kept():
    assert trim_edges([P1, "What happens next", P2]) == [P1, "What happens next", P2]


def test_a_trailing_author_bio_is_dropped():
    bio = "Jane Doe joined the paper in 2019 and covers city hall, health and housing."
    assert trim_edges([P1, P2, "Jane Doe", bio]) == [P1, P2]


def test_a_last_paragraph_that_merely_mentions_a_name_is_kept():
    closing = "Jane Doe, a resident, said she would keep boiling water anyway."
    assert trim_edges([P1, P2, closing]) == [P1, P2, closing]


def test_text_without_prose_is_left_alone():
    assert trim_edges(["One", "Two"]) == ["One", "Two"]


def test_is_prose():
    assert is_prose(P1)
    assert is_prose("“We will not back down,” the union leader told reporters.")
    assert not is_prose("What happens next")
    assert not is_prose("Photo: Reuters.")


TITLE = "Council extends water programme"


def test_a_leading_repeat_of_the_headline_is_dropped():
    assert drop_title_repeat([TITLE, P1, P2], TITLE) == [P1, P2]


def test_a_headline_repeat_under_a_lead_photo_caption_is_dropped():
    caption = "Residents queue for bottled water in the northern districts on Monday."
    assert drop_title_repeat([caption, f"{TITLE}.", P1], TITLE) == [caption, P1]


def test_any_of_several_headlines_counts_and_quotes_or_case_do_not_matter():
    shown = "Council \u2018extends\u2019 the water programme"
    assert drop_title_repeat(["COUNCIL 'EXTENDS' THE WATER PROGRAMME", P1], TITLE, shown) == [P1]


def test_the_headline_words_deep_in_the_body_are_kept():
    paragraphs = [P1, P2, DEK, TITLE]
    assert drop_title_repeat(paragraphs, TITLE) == paragraphs


def test_no_title_keeps_everything():
    assert drop_title_repeat([P1, P2], None) == [P1, P2]


LONG = "the board voted six to two in favour of the plan after a long night of talks"


def test_running_text_without_any_punctuation_is_judged_by_its_lines():
    assert has_running_text([LONG, LONG, LONG, "what happens next"])
    menu = ["local news and sport", "weather for the coast", "letters to the editor"] * 3
    assert not has_running_text([LONG, *menu] * 3)
    assert not has_running_text([LONG, LONG])  # too few long lines to tell


def test_punctuated_text_is_judged_by_its_paragraphs_alone():
    assert has_running_text([P1, "One"])
    assert not has_running_text([LONG, LONG, LONG, "Photo: Reuters."])
