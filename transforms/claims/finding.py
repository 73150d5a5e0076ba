"""An article's claims: its claim-like sentences with their figures and attribution."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from newslake.transforms.claims.attribution import attributed_to
from newslake.transforms.claims.quantities import Quantity, find_quantities
from newslake.transforms.claims.rules import Verdict, claim_sentences, normalise_claim
from newslake.transforms.pickling import pickled_by_fields
from newslake.transforms.tokens import fold_chars, fold_quotes

CLAIM_LANGUAGE = "en"

# "CITY, Month 5 (AGENCY) - " or "CITY - " at the start of a wire story's first sentence.
_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,40}(?:, [A-Z][a-z]{2,8}\.? \d{1,2})?(?: \([A-Za-z .]{2,20}\))? [-–—] "
)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FoundClaim:
    """One claim sentence of an article, before it is matched to others."""

    sentence_index: int
    text: str
    normalised: str
    quantities: tuple[Quantity, ...]
    attributed_to: str | None
    rule: str


def article_claims(
    text: str, language: str | None, published_at: datetime | None
) -> tuple[FoundClaim, ...]:
    """An article's claims; none unless it is in English (the rules read English)."""
    if language != CLAIM_LANGUAGE:
        return ()
    return find_claims(text, published_at.year if published_at else None)


def find_claims(text: str, year_hint: int | None = None) -> tuple[FoundClaim, ...]:
    """The kept claim sentences of an article text; `year_hint` dates "Jan. 20" (no year).

    A dateline opening a sentence ("LONDON, March 5 (Reuters) - ") is not part of the claim.
    """
    return tuple(
        _found(index, sentence, verdict, year_hint)
        for index, sentence, verdict in claim_sentences(text, year_hint)
        if verdict.keep
    )


def _found(index: int, sentence: str, verdict: Verdict, year_hint: int | None) -> FoundClaim:
    """The claim as written (the page's characters, no dateline); its figures and source are
    read from its folded form, as the verdict's were."""
    sentence = sentence.strip()
    dateline = _DATELINE.match(fold_quotes(sentence))
    claim = sentence[dateline.end() :] if dateline else sentence
    # The verdict's source holds when it judged this very text; its figures, if also dated
    # by this year.
    same = dateline is None
    dated = same and year_hint is not None
    folded = fold_chars(claim)
    return FoundClaim(
        sentence_index=index,
        text=claim,
        normalised=normalise_claim(claim),
        quantities=verdict.quantities if dated else tuple(find_quantities(folded, year_hint)),
        attributed_to=verdict.source if same else attributed_to(folded),
        rule=verdict.rule,
    )
