import pytest

from newslake.transforms.claims.attribution import attributed_to
from newslake.transforms.claims.finding import find_claims

ARTICLE = """LONDON, March 5 (Reuters) - Acme Corp said on Tuesday it would cut 2,000 jobs by June.

Is this the end of the line for the company? Subscribe to our newsletter for updates.

The cuts will save about $150 million a year, according to the company's finance chief.

Shares rose 4% on Jan. 20, analysts said."""


def test_claims_keep_the_claim_sentences_with_figures_and_sources():
    claims = find_claims(ARTICLE, year_hint=2026)
    texts = [c.text for c in claims]
    assert texts[0] == "Acme Corp said on Tuesday it would cut 2,000 jobs by June."  # no dateline
    assert not any("?" in t or "Subscribe" in t for t in texts)
    by_text = {c.text: c for c in claims}
    cuts = by_text[texts[0]]
    assert (cuts.sentence_index, cuts.attributed_to) == (0, "Acme Corp")
    assert [(q.kind, q.unit, q.value) for q in cuts.quantities] == [("count", "job", 2000.0)]
    saving = next(c for c in claims if "$150 million" in c.text)
    assert saving.quantities[0].unit == "USD" and saving.quantities[0].value == 150e6
    assert saving.rule in {"figure", "attribution"}
    shares = next(c for c in claims if c.text.startswith("Shares"))
    assert {q.kind for q in shares.quantities} == {"percent", "date"}  # Jan. 20 dated by the hint


@pytest.mark.parametrize(
    "opening", ["WASHINGTON - ", "CALDER BAY, March 9 (MPS) - ", "NEW YORK, Jan. 3 (AP) — "]
)
def test_datelines_are_not_part_of_a_claim(opening):
    (claim,) = find_claims(f"{opening}The council approved a budget of $3.2 million on Monday.")
    assert claim.text.startswith("The council approved")


@pytest.mark.parametrize(
    "text",
    [
        "Prices rose sharply, the ministry said in a statement.",  # judged as it is
        "“Prices rose sharply,” the ministry said in a statement.",  # judged with plain quotes
        "PARIS - Prices rose 4% in May, the ministry said in a statement.",  # after a dateline
    ],
)
def test_a_claims_source_is_the_one_its_own_text_names(text):
    (claim,) = find_claims(text, year_hint=2026)
    assert claim.attributed_to == attributed_to(claim.text) == "the ministry"
