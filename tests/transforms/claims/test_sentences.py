import pytest

from newslake.transforms.claims.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Prices rose. Sales fell.", ["Prices rose.", "Sales fell."]),
        # Titles and abbreviations that never end a sentence
        (
            "Mr. Smith met Dr. Jones and Gov. Lee. They spoke.",
            ["Mr. Smith met Dr. Jones and Gov. Lee.", "They spoke."],
        ),
        (
            "Sen. Warren and Rep. Ocasio-Cortez voted no.",
            ["Sen. Warren and Rep. Ocasio-Cortez voted no."],
        ),
        ("Prof. Xue spoke with Gen. Milley.", ["Prof. Xue spoke with Gen. Milley."]),
        ("It was Apple vs. Google in court.", ["It was Apple vs. Google in court."]),
        ("Chips, memory, etc. are scarce.", ["Chips, memory, etc. are scarce."]),
        (
            "Some firms, e.g. Nvidia, i.e. the leader, grew.",
            ["Some firms, e.g. Nvidia, i.e. the leader, grew."],
        ),
        (
            "The rule was passed by then-Gov. Hickel in 1992.",
            ["The rule was passed by then-Gov. Hickel in 1992."],
        ),
        # Abbreviations before numbers
        (
            "It ships on Jan. 20 and Sept. 3 this year.",
            ["It ships on Jan. 20 and Sept. 3 this year."],
        ),
        ("He is ranked No. 5 in the world.", ["He is ranked No. 5 in the world."]),
        ("He said no. Then he left.", ["He said no.", "Then he left."]),
        # Initials
        ("J. K. Rowling wrote it. It sold well.", ["J. K. Rowling wrote it.", "It sold well."]),
        ("George W. Bush spoke in St. Louis today.", ["George W. Bush spoke in St. Louis today."]),
        (
            "U.S. and U.K. officials met at the U.N. on Monday.",
            ["U.S. and U.K. officials met at the U.N. on Monday."],
        ),
        # Decimals and versions
        (
            "It cost $5.5 million, or 3.14 times more. It runs v2.1 now.",
            ["It cost $5.5 million, or 3.14 times more.", "It runs v2.1 now."],
        ),
        # Quotes and brackets after the terminal punctuation
        ('He said "no." Then he left.', ['He said "no."', "Then he left."]),
        ("He said “no.” Then he left.", ["He said “no.”", "Then he left."]),
        ("(It was late.) Then silence.", ["(It was late.)", "Then silence."]),
        ('"Why?" she asked. He shrugged.', ['"Why?" she asked.', "He shrugged."]),
        # ?!, ellipses
        ("Really?! Yes. Wait... What now?", ["Really?!", "Yes.", "Wait...", "What now?"]),
        ("He paused… Then he went on.", ["He paused…", "Then he went on."]),
        ("Well... maybe not.", ["Well... maybe not."]),
        (
            "The AFI's 100 Years . . . 100 Heroes list aired.",
            ["The AFI's 100 Years . . . 100 Heroes list aired."],
        ),
        # a.m. and p.m.: inside a sentence, and ending one
        ("Talks began at 9 a.m. Eastern time.", ["Talks began at 9 a.m. Eastern time."]),
        (
            "Talks began at 9 a.m. They ended at 5 p.m.",
            ["Talks began at 9 a.m.", "They ended at 5 p.m."],
        ),
        # Company suffixes end a sentence only before a common sentence opener
        ("Acme Inc. said profits rose.", ["Acme Inc. said profits rose."]),
        ("He joined Acme Inc. The firm grew.", ["He joined Acme Inc.", "The firm grew."]),
        (
            "Shares of Acme Corp. Chief Executive Jane Doe sold.",
            ["Shares of Acme Corp. Chief Executive Jane Doe sold."],
        ),
        # No space after the full stop: no split
        ("See example.com.It is down.", ["See example.com.It is down."]),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "U.S." then a common sentence opener: a new sentence
        ("The chips are made in the U.S. The plant opened in May.", 2),
        ("Sales fell in the U.S. But they rose in China.", 2),
        ("It was approved in the U.S. It ships soon.", 2),
        ("Sales fell in the U.K. In Europe they rose.", 2),
        # "U.S." then a name or noun: the same sentence
        ("The U.S. Treasury sold bonds.", 1),
        ("He met U.S. President Joe Biden.", 1),
        ("Exports to the U.S. Midwest rose.", 1),
    ],
)
def test_initialisms_at_the_end_of_a_sentence(text, expected):
    assert len(split_sentences(text)) == expected


def test_each_line_is_a_paragraph_and_blank_lines_are_skipped():
    text = "DeepSeek stuns Silicon Valley\n\n  It cost little. Rivals took note.  \nPhoto: AFP\n"
    assert split_sentences(text) == [
        "DeepSeek stuns Silicon Valley",
        "It cost little.",
        "Rivals took note.",
        "Photo: AFP",
    ]


def test_a_paragraph_ending_without_punctuation_is_still_a_sentence():
    assert split_sentences("One thing happened. Then another") == [
        "One thing happened.",
        "Then another",
    ]


def test_numbered_list_markers_do_not_end_sentences():
    text = "Three findings:\n1. Costs fell.\n2. Chips were scarce. Rivals noticed.\na. Minor point"
    assert split_sentences(text) == [
        "Three findings:",
        "1. Costs fell.",
        "2. Chips were scarce.",
        "Rivals noticed.",
        "a. Minor point",
    ]


def test_a_number_ending_a_sentence_mid_paragraph_still_splits():
    assert split_sentences("The score was 5. Then it rained.") == [
        "The score was 5.",
        "Then it rained.",
    ]


def test_empty_and_whitespace_text_has_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n") == []
