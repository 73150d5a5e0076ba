from datetime import UTC, datetime

from newslake.transforms.plaintext import looks_like_headline, parse_plain_text

BODY = (
    "The harbour authority said on Monday that talks with the union would resume, "
    "after a weekend in which no ships were unloaded at the eastern terminal."
)


def test_first_line_headline_becomes_the_title_and_leaves_the_body():
    doc = parse_plain_text(f"Dock talks to resume on Monday\n\n{BODY}\n")
    assert doc.title == "Dock talks to resume on Monday"
    assert doc.paragraphs == [BODY]


def test_paragraph_first_line_is_not_a_title_but_a_headline_line_later_is():
    text = f"{BODY}\n{BODY}\nHarbour strike talks stall over pay offer\n{BODY}"
    doc = parse_plain_text(text)
    assert doc.title == "Harbour strike talks stall over pay offer"
    assert "Harbour strike talks stall over pay offer" not in doc.paragraphs


def test_without_any_headline_the_title_is_the_start_of_the_first_sentence():
    doc = parse_plain_text(f"{BODY}\n{BODY}")
    assert doc.title is not None
    assert doc.title.startswith("The harbour authority said on Monday")
    assert doc.title.endswith("…")
    assert len(doc.title.split()) <= 12
    assert doc.paragraphs == [BODY, BODY]


def test_lowercase_junk_before_the_headline_is_skipped():
    doc = parse_plain_text(f"avatar image\nStrike ends after nine days\n{BODY}")
    assert doc.title == "Strike ends after nine days"


def test_byline_and_dateline_become_metadata():
    text = f"Strike ends\nBy Jane Doe and John Roe\nPublished: 2026-03-04T10:00:00Z\n{BODY}"
    doc = parse_plain_text(text)
    assert doc.authors == ("Jane Doe", "John Roe")
    assert doc.published_at == datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert doc.paragraphs == [BODY]


def test_markdown_heading_front_matter_and_markup():
    text = (
        "---\ndate: 2026-03-02\nauthor: Ana Ruiz\n---\n"
        "# Water alert lifted\n\n"
        "Officials **lifted** the [boil-water notice](https://x.example/n) on Friday.\n\n"
        "![pipe](pipe.jpg)\n"
    )
    doc = parse_plain_text(text, markdown=True)
    assert doc.title == "Water alert lifted"
    assert doc.authors == ("Ana Ruiz",)
    assert doc.published_at == datetime(2026, 3, 2, tzinfo=UTC)
    assert doc.paragraphs == ["Officials lifted the boil-water notice on Friday."]


def test_hard_wrapped_text_is_joined_into_paragraphs():
    wrapped = (
        "The harbour authority said on Monday that talks with the union would\n"
        "resume after a weekend in which no ships were unloaded at the eastern\n"
        "terminal, leaving containers stacked along the quay for a third day.\n"
        "\n"
        "Union leaders said they had not yet received a written offer from the\n"
        "employers and would consult members before any vote on the proposals.\n"
    )
    doc = parse_plain_text("Talks resume\n\n" + wrapped)
    assert len(doc.paragraphs) == 2
    assert doc.paragraphs[0].startswith("The harbour authority")
    assert doc.paragraphs[0].endswith("for a third day.")


def test_looks_like_headline():
    assert looks_like_headline("Port strike enters day three")
    assert looks_like_headline(
        "DeepSeek shows how innovation can outpace raw computing power: expert"
    )
    assert not looks_like_headline("Officials said the water was safe.")
    assert not looks_like_headline("avatar image")
    assert not looks_like_headline("18")
