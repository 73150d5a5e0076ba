from datetime import date

import pytest

from newslake.transforms.claims import quantities
from newslake.transforms.claims.quantities import Quantity, find_quantities


def days(*ymd):
    return float((date(*ymd) - date(1970, 1, 1)).days)


SINGLE_CASES = [
    # money: symbols, codes, words, scales
    ("It cost $5.5 million to train.", "money", "USD", 5_500_000, "$5.5 million"),
    ("It cost US$5.5 million to train.", "money", "USD", 5_500_000, "US$5.5 million"),
    ("It cost around $6 million.", "money", "USD", 6_000_000, "$6 million"),
    ("It cost $6m to train.", "money", "USD", 6_000_000, "$6m"),
    ("It raised $1.2bn last year.", "money", "USD", 1_200_000_000, "$1.2bn"),
    ("It raised $500K from friends.", "money", "USD", 500_000, "$500K"),
    ("It cost $5,500,000 in total.", "money", "USD", 5_500_000, "$5,500,000"),
    ("It spent 60 million dollars.", "money", "USD", 60_000_000, "60 million dollars"),
    ("It spent 6 million euros.", "money", "EUR", 6_000_000, "6 million euros"),
    ("It spent €6 million.", "money", "EUR", 6_000_000, "€6 million"),
    ("It spent £3.5bn.", "money", "GBP", 3_500_000_000, "£3.5bn"),
    ("It spent ¥800 billion.", "money", "JPY", 800_000_000_000, "¥800 billion"),
    ("It spent 10 billion yuan.", "money", "CNY", 10_000_000_000, "10 billion yuan"),
    ("It spent RMB 10 billion.", "money", "CNY", 10_000_000_000, "RMB 10 billion"),
    ("It spent Rs 500 crore.", "money", "INR", 5_000_000_000, "Rs 500 crore"),
    ("It spent 200 million rupees.", "money", "INR", 200_000_000, "200 million rupees"),
    ("Shares closed at A$4.56.", "money", "AUD", 4.56, "A$4.56"),
    ("Shares closed at HK$12.", "money", "HKD", 12, "HK$12"),
    ("It cost C$40 million.", "money", "CAD", 40_000_000, "C$40 million"),
    ("It cost NZ$9 million.", "money", "NZD", 9_000_000, "NZ$9 million"),
    ("It cost 5 billion Australian dollars.", "money", "AUD", 5e9, "5 billion Australian dollars"),
    ("It cost USD 5 million.", "money", "USD", 5_000_000, "USD 5 million"),
    ("It cost a million dollars.", "money", "USD", 1_000_000, "a million dollars"),
    ("It struck a $6.8-billion deal.", "money", "USD", 6_800_000_000, "$6.8-billion"),
    ("Shares rose 19 cents.", "money", "USD", 0.19, "19 cents"),
    ("It sold for 50 pence.", "money", "GBP", 0.5, "50 pence"),
    # percentages and percentage points
    ("Shares rose 4.4%.", "percent", "%", 4.4, "4.4%"),
    ("Shares rose 12 percent.", "percent", "%", 12, "12 percent"),
    ("Shares rose 12 per cent.", "percent", "%", 12, "12 per cent"),
    ("Accuracy exceeded 85 pct.", "percent", "%", 85, "85 pct"),
    ("Turnout was five percent.", "percent", "%", 5, "five percent"),
    ("Rates rose half a percentage point.", "percent", "pp", 0.5, "half a percentage point"),
    ("Rates rose 2 percentage points.", "percent", "pp", 2, "2 percentage points"),
    ("Rates rose 25 basis points.", "percent", "pp", 0.25, "25 basis points"),
    # ratios: fractions and multiples
    ("It cost 1/18th as much.", "ratio", "fraction", 1 / 18, "1/18th"),
    ("The team is 1/10th the size.", "ratio", "fraction", 0.1, "1/10th"),
    ("It took 1/3 of the budget.", "ratio", "fraction", 1 / 3, "1/3"),
    ("It cost one-tenth as much.", "ratio", "fraction", 0.1, "one-tenth"),
    ("It cost a tenth of the price.", "ratio", "fraction", 0.1, "a tenth"),
    ("A third of the staff left.", "ratio", "fraction", 1 / 3, "A third"),
    ("Two-thirds of voters agreed.", "ratio", "fraction", 2 / 3, "Two-thirds"),
    ("Half of the chips were idle.", "ratio", "fraction", 0.5, "Half"),
    ("It is three times as fast.", "ratio", "times", 3, "three times"),
    ("It is 10 times cheaper.", "ratio", "times", 10, "10 times"),
    ("It runs 2x faster.", "ratio", "times", 2, "2x"),
    ("Sales rose tenfold.", "ratio", "times", 10, "tenfold"),
    ("Sales rose 3-fold.", "ratio", "times", 3, "3-fold"),
    ("It is twice as fast.", "ratio", "times", 2, "twice"),
    # counts, with the counted noun made singular
    ("It used 2,000 chips.", "count", "chip", 2000, "2,000"),
    ("It used approximately 2,000 specialized computer chips.", "count", "chip", 2000, "2,000"),
    ("Rivals need up to 16,000 chips.", "count", "chip", 16000, "16,000"),
    ("The total was 16,000.", "count", "", 16000, "16,000"),
    ("It trained on 2,048 Nvidia H800 GPUs.", "count", "gpu", 2048, "2,048"),
    ("It sold two dozen eggs.", "count", "egg", 24, "two dozen"),
    ("It has a million users.", "count", "user", 1_000_000, "a million"),
    ("It serves 1.5 million people.", "count", "person", 1_500_000, "1.5 million"),
    ("Three firms bid.", "count", "firm", 3, "Three"),
    ("It has 40 companies.", "count", "company", 40, "40"),
    ("It owns 12 boxes.", "count", "box", 12, "12"),
    ("It owns 7 branches.", "count", "branch", 7, "7"),
    ("It sold 1 chip.", "count", "chip", 1, "1"),
    ("It bought a 10-year bond.", "count", "year", 10, "10"),
    ("About 2000 employees quit.", "count", "employee", 2000, "2000"),
    # dates
    ("It launched on January 20, 2025.", "date", "day", days(2025, 1, 20), "January 20, 2025"),
    ("It launched on Jan. 20, 2025.", "date", "day", days(2025, 1, 20), "Jan. 20, 2025"),
    ("It launched on 20 January 2025.", "date", "day", days(2025, 1, 20), "20 January 2025"),
    ("It launched on 2025-01-20.", "date", "day", days(2025, 1, 20), "2025-01-20"),
    ("It launched in March 2023.", "date", "month", days(2023, 3, 1), "March 2023"),
    ("It launched in 2024.", "date", "year", days(2024, 1, 1), "2024"),
    ("It launched in mid-2024.", "date", "year", days(2024, 1, 1), "mid-2024"),
    ("The 2024 election was close.", "date", "year", days(2024, 1, 1), "2024"),
    ("It restated its 2002 financial results.", "date", "year", days(2002, 1, 1), "2002"),
]


@pytest.mark.parametrize(("sentence", "kind", "unit", "value", "text"), SINGLE_CASES)
def test_a_single_quantity_is_read_and_normalised(sentence, kind, unit, value, text):
    (quantity,) = find_quantities(sentence)
    assert (quantity.kind, quantity.unit, quantity.text) == (kind, unit, text)
    assert quantity.value == pytest.approx(value)


NO_QUANTITY_CASES = [
    "GPT-4 is a model.",
    "DeepSeek released V3 and R1.",
    "It rivals OpenAI's o1 model.",
    "Covid-19 spread quickly.",
    "It trained on H800 chips.",
    "xAI is building Grok 3, a chatbot.",
    "It runs on Windows 11 and Llama 3.1.",
    "The talks start at 3 p.m. on the dot.",
    "The talks start at 10:30 on the dot.",
    "Call 202-555-0143 for details.",
    "Call +44 20 7946 0958 for details.",
    "One of the companies balked.",
    "A number of firms balked.",
    "It was popular in the 1990s.",
    "It was popular in the '90s.",
    "It was ranked No. 5 overall.",
    "See page 12 for details.",
    "It shipped version 2.1.3 today.",
    "Support is available 24/7.",
    "It happened after 9/11.",
    "It finished in 20th place.",
    "It supports 5G and 3D.",
    "The team had a 2-1 win.",
    "A third party was hired.",
    "The second half of the year was slow.",
    "The firm, one of many, said little.",
    "The meeting is on Jan. 20.",  # no year and no year_hint
    "The two met again.",
    "1. Open the app and sign in.",  # a list item's number
]


@pytest.mark.parametrize("sentence", NO_QUANTITY_CASES)
def test_no_quantity(sentence):
    assert find_quantities(sentence) == []


def test_frequency_is_a_count_of_times_not_a_multiple():
    assert find_quantities("They met three times last year.") == [
        Quantity(3.0, "time", "count", "three")
    ]


def test_a_range_is_one_quantity_at_its_low_end_with_its_top_as_high():
    assert find_quantities("It cost $5-6 million.") == [
        Quantity(5_000_000.0, "USD", "money", "$5-6 million", high=6_000_000.0)
    ]
    assert find_quantities("Margins were 3–4%.") == [
        Quantity(3.0, "%", "percent", "3–4%", high=4.0)
    ]
    assert find_quantities("Seasons 2023-24 were hard.")[0].high == days(2024, 1, 1)


def test_a_hedge_is_not_part_of_the_quantity():
    (hedged,) = find_quantities("It cost around $6 million.")
    (plain,) = find_quantities("It cost $6 million.")
    assert hedged == plain


def test_a_year_hint_dates_a_day_without_a_year():
    (quantity,) = find_quantities("It launched on Jan. 20, a Monday.", year_hint=2025)
    assert (quantity.kind, quantity.unit, quantity.value) == ("date", "day", days(2025, 1, 20))
    (explicit,) = find_quantities("It launched on Jan. 20, 2024.", year_hint=2025)
    assert explicit.value == days(2024, 1, 20)


def test_an_impossible_date_is_no_quantity():
    assert find_quantities("It launched on February 30, 2025.") == []


def test_quantities_come_in_order_and_do_not_overlap():
    sentence = (
        "Around 0335 GMT, Tab shares were up 19 cents, or 4.4%, at A$4.56, having earlier set "
        "a record high of A$4.57."
    )
    assert [(q.kind, q.unit, q.value) for q in find_quantities(sentence)] == [
        ("money", "USD", 0.19),
        ("percent", "%", 4.4),
        ("money", "AUD", 4.56),
        ("money", "AUD", 4.57),
    ]


def test_the_deepseek_training_cost_claims_compare():
    first = find_quantities(
        "The cost to train DeepSeek's V3 model is reportedly around $6 million, a mere "
        "fraction of the $60 million Meta spends on comparable models."
    )
    second = find_quantities("DeepSeek said V3 cost only US$5.5 million to train.")
    assert [(q.unit, q.value) for q in first] == [("USD", 6e6), ("USD", 6e7)]
    assert [(q.unit, q.value) for q in second] == [("USD", 5.5e6)]


def test_each_readers_word_test_only_skips_sentences_its_pattern_cannot_match(monkeypatch):
    # Every sentence of the cases above, in upper and lower case too: with each reader's
    # cheap test dropped (every pattern scanned), the quantities found are the same.
    sentences = [case[0] for case in SINGLE_CASES + [(s,) for s in NO_QUANTITY_CASES]]
    sentences += [s.upper() for s in sentences] + [s.lower() for s in sentences]
    gated = [find_quantities(s, year_hint=2025) for s in sentences]
    ungated = [(pattern, read, None) for pattern, read, _ in quantities._READERS]
    monkeypatch.setattr(quantities, "_READERS", ungated)
    assert [find_quantities(s, year_hint=2025) for s in sentences] == gated
    assert any(gated)


@pytest.mark.parametrize(
    ("sentence", "holds"),
    [
        ("It rose 4 points.", True),
        ("Sales rose tenfold.", True),
        ("A THIRD of voters stayed home.", True),
        ("Twenty-five people came.", True),
        ("Someone often wrote about it.", False),  # number words inside other words
        ("The one_time fee was waived.", False),  # "_" joins words
    ],
)
def test_only_a_digit_or_a_whole_number_word_lets_the_readers_run(sentence, holds):
    folded = quantities.lower_like_ignorecase(sentence)
    assert quantities._may_hold_quantity(sentence, folded) is holds
