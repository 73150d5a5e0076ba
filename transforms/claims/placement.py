"""Which claim cluster each claim of a batch's articles joins, and the claims rows that say so.

Pure but for the run's cache of prepared claims: the caller asks the lake index which stored
clusters hold the batch's exact texts, and which stored claims share its match keys, and
passes the answers in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newslake.transforms.claims.clusters import ClaimIndex, PreparedCache, exact_key, match_keys
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.pairs import ClaimText, PairModel, prepare
from newslake.transforms.records import Article, ClaimRow, RunInfo

ArticleClaim = tuple[Article, FoundClaim]
Copies = dict[int, list[ArticleClaim]]  # exact key -> the batch's claims with that text
StoredClaim = tuple[str, str, str]  # ref, claim_id, text


@dataclass(frozen=True, slots=True)
class ClaimRules:
    """How a run matches claims: the pair model, whether it compares meaning, and the run's
    cache of prepared claims (kept across batches, filled as claims are placed)."""

    run: RunInfo
    model: PairModel
    semantic: bool
    prepared: PreparedCache


@dataclass(frozen=True, slots=True)
class FirstCopies:
    """The first claim of each exact text the lake does not hold yet, prepared for matching."""

    claims: list[tuple[int, ArticleClaim]]  # (exact key, the claim)
    texts: list[ClaimText]
    keys: list[list[int]]  # match keys of each

    def match_keys(self) -> list[int]:
        """Every match key of these claims (repeats included)."""
        return [key for claim_keys in self.keys for key in claim_keys]


def claim_copies(batch: Sequence[tuple[Article, Sequence[FoundClaim]]]) -> Copies:
    """A batch's claims grouped by exact normalised text, in the order found."""
    copies: Copies = {}
    for article, claims in batch:
        for claim in claims:
            copies.setdefault(exact_key(claim.normalised), []).append((article, claim))
    return copies


def first_copies(copies: Copies, stored: Mapping[int, str], semantic: bool) -> FirstCopies:
    """The first copy of each text whose exact key no stored cluster holds, prepared.

    Copies of a sentence (syndication) join its cluster on the exact text alone: only the
    first of a batch's copies is prepared and placed, unless the lake holds one already.
    """
    firsts = [(key, group[0]) for key, group in copies.items() if key not in stored]
    texts = prepare(
        [claim.text for _, (_, claim) in firsts],
        semantic,
        [claim.quantities for _, (_, claim) in firsts],
    )
    keys = [
        match_keys(claim.normalised, text)
        for (_, (_, claim)), text in zip(firsts, texts, strict=True)
    ]
    return FirstCopies(firsts, texts, keys)


def place_claims(
    copies: Copies,
    stored: Mapping[int, str],
    firsts: FirstCopies,
    candidates: Mapping[int, Sequence[StoredClaim]],
    heads: Mapping[str, tuple[str, str]],
    rules: ClaimRules,
) -> list[ClaimRow]:
    """The claims rows of a batch: each first copy joins a cluster of the stored claims
    sharing its match keys (`candidates`, with their clusters' `heads` as (ref, text)) or of
    the batch's earlier claims, or opens one; the other copies join their first's cluster
    (or the stored one, `stored` by exact key) and keep only the exact key."""
    index = ClaimIndex(rules.model, rules.semantic, rules.prepared)
    for key, found in candidates.items():
        for ref, claim_id, stored_text in found:
            index.add_stored(key, ref, claim_id, stored_text)
    for claim_id, (ref, head_text) in heads.items():
        index.add_head(claim_id, ref, head_text)
    claim_of = dict(stored)
    rows = []
    for (key, (article, claim)), text, claim_keys in zip(
        firsts.claims, firsts.texts, firsts.keys, strict=True
    ):
        claim_of[key] = index.place(article.article_id, claim.sentence_index, text, claim_keys)
        rules.prepared.put(claim.text, text)
        rows.append(claim_row(article, claim, claim_of[key], claim_keys, rules.run))
    for key, group in copies.items():
        rest = group if key in stored else group[1:]
        rows += [
            claim_row(article, claim, claim_of[key], [key], rules.run) for article, claim in rest
        ]
    return rows


def candidate_clusters(candidates: Mapping[int, Sequence[StoredClaim]]) -> set[str]:
    """The clusters the stored candidates belong to: their heads are candidates too."""
    return {claim_id for found in candidates.values() for _, claim_id, _ in found}


def claim_row(
    article: Article, claim: FoundClaim, claim_id: str, keys: list[int], run: RunInfo
) -> ClaimRow:
    """The claims row of one claim sentence of an article, placed in cluster `claim_id`."""
    return ClaimRow(
        claim_id=claim_id,
        article_id=article.article_id,
        sentence_index=claim.sentence_index,
        story_id=article.story_id,
        outlet=article.outlet,
        text=claim.text,
        normalised=claim.normalised,
        quantities=[
            {"value": q.value, "unit": q.unit, "kind": q.kind, "text": q.text, "high": q.high}
            for q in claim.quantities
        ],
        attributed_to=claim.attributed_to,
        rule=claim.rule,
        published_at=article.published_at,
        match_keys=keys,
        run_id=run.run_id,
    )
