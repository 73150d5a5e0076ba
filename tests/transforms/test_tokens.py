import re

import pytest

from newslake.transforms.tokens import lower_like_ignorecase


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
