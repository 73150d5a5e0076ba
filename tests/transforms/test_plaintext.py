import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newslake.flows.sources.files import CONTENT_TYPES
from newslake.transforms.extract import extract_page
from newslake.transforms.normalise import is_boilerplate_line, word_count
from newslake.transforms.plaintext import article_paragraphs, looks_like_headline, parse_plain_text
from newslake.transforms.records import Page, RunInfo

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


# --- bylines, datelines and furniture are cut from a line, never the article with them -------

RUN = RunInfo("test", datetime(2026, 3, 10, tzinfo=UTC))
STORY = (
    "The city council voted on Tuesday to approve a new budget for the coming year, raising "
    "spending on schools and roads while holding property taxes at last year's level. "
    "Council members said the plan would be reviewed again in the autumn."
)


def extract_plain(text: str | bytes, name: str = "story.txt"):
    page = Page.create(
        source="test",
        url=f"file:///news/{name}",
        body=text.encode("utf-8") if isinstance(text, str) else text,
        run=RUN,
        content_type=CONTENT_TYPES.get(Path(name).suffix),
    )
    return extract_page(page)


def test_a_one_line_article_opening_with_a_byline_keeps_its_text():
    extracted = extract_plain(f"By Staff Reporter | {STORY} {BODY}")
    assert extracted.text == f"{STORY} {BODY}"
    assert extracted.word_count >= 60


def test_a_byline_line_of_its_own_still_becomes_metadata():  # the near miss: no text after it
    doc = parse_plain_text(f"By Staff Reporter | Business Desk\n{STORY}\n{BODY}")
    assert doc.paragraphs == [STORY, BODY]


def test_the_byline_date_and_label_are_cut_and_the_rest_of_the_line_stays():
    doc = parse_plain_text(f"By Jane Doe · March 5, 2026 | Staff Writer | {STORY}")
    assert doc.authors == ("Jane Doe",)
    assert doc.published_at == datetime(2026, 3, 5, tzinfo=UTC)
    assert doc.paragraphs == [STORY]


def test_a_sentence_opening_with_by_is_not_a_byline():
    sentence = "By Tuesday evening the council had approved the budget, officials said."
    doc = parse_plain_text(f"{sentence}\n{STORY}")
    assert doc.authors == ()
    assert doc.paragraphs == [sentence, STORY]


def test_a_line_of_text_after_a_byline_segment_stays_whole_when_it_is_not_text():
    # 'Staff Writer | Photo desk' is all label: the whole line goes, as a byline line would.
    doc = parse_plain_text(f"By Jane Doe | Staff Writer | Photo desk\n{STORY}")
    assert doc.authors == ("Jane Doe",)
    assert doc.paragraphs == [STORY]


def test_a_dateline_line_is_metadata_and_a_line_merely_starting_with_a_date_is_text():
    doc = parse_plain_text(f"Published: 2026-03-04\n{STORY}")
    assert doc.published_at == datetime(2026, 3, 4, tzinfo=UTC)
    assert doc.paragraphs == [STORY]
    dated = f"2026-03-04 was the day the council met. {STORY}"
    assert parse_plain_text(f"{dated}\n{BODY}").paragraphs == [dated, BODY]


SHORT_LINK_LINE = (
    "Read more: The council voted on Tuesday to approve the new budget, raising spending on "
    "schools and roads by ten percent."
)


def test_a_furniture_line_holding_most_of_the_words_stays():
    # Alone, the line reads as a cross-link; here it is most of what the file says.
    doc = parse_plain_text(f"Council budget passes\n\n{SHORT_LINK_LINE}\n\nMore soon.")
    assert article_paragraphs(doc) == [SHORT_LINK_LINE]  # 'More soon.' is a trailing stub


def test_the_same_furniture_line_in_a_long_article_goes():
    doc = parse_plain_text(f"Council budget passes\n\n{STORY}\n\n{SHORT_LINK_LINE}\n\n{BODY}")
    assert article_paragraphs(doc) == [STORY, BODY]


def test_a_headline_shaped_line_holding_most_of_the_words_stays_in_the_body():
    doc = parse_plain_text("Council approves budget for schools and roads\n\nMore soon.")
    assert doc.title == "Council approves budget for schools and roads"
    assert doc.paragraphs == ["Council approves budget for schools and roads", "More soon."]


CALLS = [
    "Sign up for our newsletter to get the latest council news in your inbox",
    "Follow us on Twitter and Facebook for updates on the council budget",
    "Share this article with your friends and family on social media",
    "Download our app to read more stories about the city council",
]


def test_when_the_rules_together_would_remove_most_of_a_file_the_whole_text_stays():
    text = "\n\n".join(["Budget news", "Council passes the budget.", *CALLS])
    doc = parse_plain_text(text)
    assert doc.title == "Budget news"
    assert article_paragraphs(doc) == ["Council passes the budget.", *CALLS]


def test_a_few_furniture_lines_in_an_article_still_go():
    text = "\n\n".join([STORY, CALLS[0], BODY, CALLS[1], STORY.replace("Tuesday", "Monday")])
    doc = parse_plain_text(text)
    assert CALLS[0] not in article_paragraphs(doc)
    assert CALLS[1] not in article_paragraphs(doc)
    assert article_paragraphs(doc)[:2] == [STORY, BODY]


# --- the sample corpus's and the seed articles' plain files still come out clean --------------

SAMPLE = Path(__file__).parents[2] / "flows" / "sample"
EXPECTED = json.loads((Path(__file__).parents[1] / "sample_expected.json").read_text())["pages"]
PLAIN_SAMPLES = sorted(p for p in EXPECTED if p.endswith((".txt", ".md")))
SEEDS = Path(os.environ.get("NEWSLAKE_SHARED", Path(__file__).parents[3] / "shared")) / "seeds"


def test_the_sample_corpus_has_plain_and_markdown_articles():
    assert {Path(p).suffix for p in PLAIN_SAMPLES} == {".txt", ".md"}


@pytest.mark.parametrize("path", PLAIN_SAMPLES)
def test_plain_sample_files_keep_their_text_and_lose_their_furniture(path: str):
    entry = EXPECTED[path]
    extracted = extract_plain((SAMPLE / path).read_bytes(), Path(path).name)
    assert extracted.title == entry["title"]
    assert list(extracted.authors) == entry["authors"]
    for sentence in entry["must_contain"]:
        assert sentence in extracted.text
    for furniture in entry["must_not_contain"]:
        assert furniture not in extracted.text
    assert not extracted.text.startswith("By ")


def _seed_files() -> list[Path]:
    return sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


@pytest.mark.skipif(not _seed_files(), reason="seed articles not found (set NEWSLAKE_SHARED)")
@pytest.mark.parametrize("index", range(5))
def test_seed_articles_come_out_whole_and_clean(index: int):
    seed = _seed_files()[index]
    raw = seed.read_text(encoding="utf-8")
    lines = [" ".join(line.split()) for line in raw.splitlines() if line.strip()]
    extracted = extract_plain(raw, seed.name)
    paragraphs = extracted.text.split("\n\n")
    # Every stored paragraph is a line of the file as written (the page's characters), none
    # of them furniture, and together they hold most of the file: the body, without chrome.
    assert all(p in lines for p in paragraphs)
    assert not any(is_boilerplate_line(p) for p in paragraphs)
    assert extracted.word_count >= 0.75 * word_count(raw) - word_count(extracted.title or "")
    assert max(lines, key=len) in paragraphs
