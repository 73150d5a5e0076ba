from newslake.transforms.edges import is_prose, trim_edges

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
