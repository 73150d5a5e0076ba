import pytest

from newslake.transforms.claims.rules import (
    DROP_RULES,
    KEEP_RULES,
    Verdict,
    claim_sentences,
    judge_sentence,
    kept_claims,
    normalise_claim,
)


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        # kept, by the first rule that fits: figure, attribution, comparison, date, statement
        ("The cost to train the V3 model is reportedly around $6 million.", "figure"),
        ("DeepSeek said its V3 model cost only US$5.5 million to train.", "figure"),
        ("The model was trained using approximately 2,000 chips.", "figure"),
        ("Its training cost is only 1/18th of similar models.", "figure"),
        ("Xue said these challenges have driven Chinese companies to innovate.", "attribution"),
        ("But that ecosystem is critically important for the field, he said.", "attribution"),
        (
            "The report highlighted that the models are outperforming those of rivals.",
            "attribution",
        ),
        ("The new chips are far cheaper than those sold by Nvidia.", "comparison"),
        ("The model performs on par with the best systems from OpenAI.", "comparison"),
        ("The breakthrough came on January 20, when DeepSeek released its model.", "date"),
        ("Shares of the chip supplier fell sharply on Monday.", "date"),
        ("DeepSeek embraces the open-source software model.", "statement"),
        ("The emergence of the startup really shows another way.", "statement"),
        ("Andrew Cuomo and Kerry Kennedy Cuomo plan to divorce.", "statement"),
        ("He'll present his proposals to the state legislature.", "statement"),
        ("1. The company trained the model on rented chips.", "statement"),
        # dropped
        ("Subscribe to our newsletter for the latest news on AI.", "boilerplate"),
        ("Sign up for our daily briefing and never miss a story.", "boilerplate"),
        ("We use cookies to improve your experience on this site.", "boilerplate"),
        ("Click here to read the full story on our website.", "boilerplate"),
        ("Read More: Explore how Meta is also contributing to open-source AI.", "boilerplate"),
        ("Photo: Reuters", "boilerplate"),
        ("Is the model really cheaper than the ones made by OpenAI?", "question"),
        ('"DeepSeek is one example, right?"', "question"),
        ("The main findings of the report were these:", "list_fragment"),
        ("- Cheaper chips for everyone in the industry", "list_fragment"),
        ("Chinese AI Innovation: The Emergence of DeepSeek", "headline"),
        ("DeepSeek shows how innovation can outpace raw computing power: expert", "headline"),
        ("OpenAI CEO Sam Altman.", "too_short"),
        ("It was cheap.", "too_short"),
        (" ".join(["The model was cheap"] * 16) + ".", "too_long"),
        ("Sam Altman, chief executive of OpenAI, at a conference in San Francisco.", "no_verb"),
        ("Workers at a chip factory in Shenzhen, China, on the night shift.", "no_verb"),
        ("Imagine what a model like this could do for small firms.", "imperative"),
        ("Consider the cost of the chips used by the rivals.", "imperative"),
        ("I think people indeed see the potential of a breakthrough.", "first_person_chatter"),
        ("You know, the use of compute will not get much attention.", "first_person_chatter"),
    ],
)
def test_rules(sentence, rule):
    verdict = judge_sentence(sentence)
    assert verdict == Verdict(rule in KEEP_RULES, rule)


def test_rules_come_from_a_fixed_vocabulary():
    assert set(KEEP_RULES).isdisjoint(DROP_RULES)
    assert {"figure", "attribution", "comparison", "date", "statement"} == set(KEEP_RULES)
    samples = ["Photo: AFP", "Prices rose 5% on Monday.", "Why?", "It rained hard all day long."]
    assert {judge_sentence(s).rule for s in samples} <= set(KEEP_RULES) | set(DROP_RULES)


def test_first_person_quotes_with_a_source_or_a_figure_are_kept():
    assert judge_sentence('"I think we made some mistakes with this exam," Mills said.').keep
    assert judge_sentence("I think it will cost about $6 million to build.").keep


def test_the_month_may_is_no_verb():
    assert judge_sentence("Exports from Taiwan in May and June of this year.").rule == "no_verb"


ARTICLE = """DeepSeek stuns Silicon Valley
Advertisement
DeepSeek said its V3 model cost only US$5.5 million to train. That figure stunned rivals.
Is it true?
Rivals, including OpenAI, have spent far more than that on their own models, analysts said."""


def test_claim_sentences_judge_every_sentence_for_audit():
    audited = claim_sentences(ARTICLE)
    assert [(index, verdict.rule) for index, _, verdict in audited] == [
        (0, "headline"),
        (1, "boilerplate"),
        (2, "figure"),
        (3, "too_short"),
        (4, "question"),
        (5, "attribution"),
    ]
    assert audited[2][1] == "DeepSeek said its V3 model cost only US$5.5 million to train."


def test_kept_claims_are_the_kept_sentences_in_order():
    assert kept_claims(ARTICLE) == [
        "DeepSeek said its V3 model cost only US$5.5 million to train.",
        "Rivals, including OpenAI, have spent far more than that on their own models, "
        "analysts said.",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "DeepSeek’s V3 model cost around $6 million to train, according to the company.",
            "deepseek's v<num> model cost around $<num> million to train",
        ),
        (
            "DeepSeek's V3 model cost around US$5.5m to train, the company said in a statement.",
            "deepseek's v<num> model cost around $<num> million to train",
        ),
        (
            '"The model cost $6 million," said John Smith, chief executive of Acme.',
            "the model cost $<num> million",
        ),
        (
            "Exports fell 5%, according to Li Baiyang, an associate professor.",
            "exports fell <num>%",
        ),
        (
            "According to Reuters, the café – “très chic” — cost two million euros.",
            "the cafe - tres chic - cost <num> million euros",
        ),
        ("  Costs   FELL\tby 1,200 dollars. ", "costs fell by <num> dollars"),
        # a reporting verb followed by a clause is part of the claim, not a tail
        (
            "Prices rose 5%, and analysts said the rally would continue.",
            "prices rose <num>%, and analysts said the rally would continue",
        ),
        # "according to" in the middle stays
        (
            "The cost, according to Reuters, was $6 million.",
            "the cost, according to reuters, was $<num> million",
        ),
    ],
)
def test_normalise_claim(sentence, expected):
    assert normalise_claim(sentence) == expected


def test_claims_differing_only_in_figures_and_attribution_normalise_alike():
    one = "The V3 model cost $6 million to train, the company said."
    other = "The V3 model cost $5.5 million to train, according to Reuters."
    assert normalise_claim(one) == normalise_claim(other)
