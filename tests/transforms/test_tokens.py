import re

import pytest

from newslake.transforms import tokens
from newslake.transforms.tokens import lower_like_ignorecase, word_count


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("NEWSLETTER-Box", "newsletter"),
        ("ſubscribe", "subscribe"),  # long s
        ("REGİSTRATION", "registration"),  # dotted capital I
        ("regıstration", "registration"),  # dotless i
        ("\u212aM", "km"),  # Kelvin sign
    ],
)
def test_a_word_an_ignorecase_pattern_finds_is_a_substring_of_the_lowered_text(text, word):
    assert re.search(word, text, re.IGNORECASE)
    assert word in lower_like_ignorecase(text)


@pytest.mark.parametrize(
    "text",
    [
        "The lab's model cost $5.5 million, or 5,500,000 dollars, in 2024: 3.14 per cent.",
        "Crème brûlée, naïve café; São Paulo — 10:30 a.m.",
        "हिन्दी समाचार और विश्लेषण",  # combining marks inside words
        "مرحبا\u200cبالعالم rock'n'roll",
        "snake_case_name, __dunder__ and it_'s_ odd",  # "_" separates tokens
    ],
)
def test_the_no_cjk_tokenizer_finds_the_tokens_the_full_one_does(text):
    assert tokens._find_tokens(text) == tokens._TOKEN_RE.findall(text)


def test_cjk_ideographs_are_one_token_each_next_to_latin_words():
    assert word_count("東京で AI 会議") == 6  # 東 京 で AI 会 議


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("plain ASCII stays as it is", "plain ASCII stays as it is"),
        ("a\ttab", "a tab"),  # the one ASCII character folded
        ("it’s “quoted”\u00a0here\u200b", 'it\'s "quoted" here'),
    ],
)
def test_fold_chars(text, folded):
    assert tokens.fold_chars(text) == folded


@pytest.mark.parametrize(
    ("text", "tidied", "quotes_folded"),
    [
        ("plain ascii", "plain ascii", "plain ascii"),
        ("a\ttab\u00a0and\u202fnarrow", "a tab and narrow", "a\ttab\u00a0and\u202fnarrow"),
        ("zero\u200bwidth\ufeff", "zerowidth", "zero\u200bwidth\ufeff"),
        ("soft\u00adhyphen", "soft\u00adhyphen", "soft\u00adhyphen"),
        (
            "it’s “quoted” \u2013 \u2026",
            "it’s “quoted” \u2013 \u2026",
            'it\'s "quoted" \u2013 \u2026',
        ),
        ("\u201eJa\u201c, 6\u2032 2\u2033", "\u201eJa\u201c, 6\u2032 2\u2033", '"Ja", 6\' 2"'),
    ],
)
def test_tidy_spaces_and_fold_quotes_are_the_two_halves_of_fold_chars(text, tidied, quotes_folded):
    assert tokens.tidy_spaces(text) == tidied
    assert tokens.fold_quotes(text) == quotes_folded
    assert len(tokens.fold_quotes(text)) == len(text)  # offsets agree
    assert tokens.fold_chars(text) == tokens.fold_quotes(tidied).replace("\u00ad", "")
