"""An article's claims: its claim-like sentences with their figures and attribution."""

from __future__ import annotations

from dataclasses import dataclass

from newslake.transforms.attribution import attributed_to
from newslake.transforms.claimlike import claim_sentences, normalise_claim
from newslake.transforms.quantities import Quantity, find_quantities


@dataclass(frozen=True, slots=True)
class FoundClaim:
    """One claim sentence of an article, before it is matched to others."""

    sentence_index: int
    text: str
    normalised: str
    quantities: tuple[Quantity, ...]
    attributed_to: str | None
    rule: str


def find_claims(text: str, year_hint: int | None = None) -> tuple[FoundClaim, ...]:
    """The kept claim sentences of an article text; `year_hint` dates "Jan. 20" (no year)."""
    return tuple(
        FoundClaim(
            sentence_index=index,
            text=sentence,
            normalised=normalise_claim(sentence),
            quantities=tuple(find_quantities(sentence, year_hint)),
            attributed_to=attributed_to(sentence),
            rule=verdict.rule,
        )
        for index, sentence, verdict in claim_sentences(text)
        if verdict.keep
    )
