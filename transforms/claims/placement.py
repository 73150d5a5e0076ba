"""Which claim cluster each claim of a batch's articles joins, and the claims rows that say so.

Pure but for the run's cache of prepared claims: the caller asks the lake index which stored
clusters hold the batch's exact texts, and which stored claims share its match keys, and
passes the answers in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from newslake.transforms.claims.clusters import (
    ClaimIndex,
    PreparedCache,
    Ranking,
    claim_ref,
    exact_key,
    match_keys,
)
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.pairs import ClaimText, PairModel, pair_model, prepare
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
    texts: list[ClaimText] | None  # None: keys came with the claims, texts are prepared later
    keys: list[list[int]]  # match keys of each

    def match_keys(self) -> list[int]:
        """Every match key of these claims (repeats included)."""
        return [key for claim_keys in self.keys for key in claim_keys]

    def found(self) -> list[tuple[str, FoundClaim]]:
        """Each claim's ref and what was found of it (what `rank_firsts` reads)."""
        return [(claim_ref(a.article_id, c.sentence_index), c) for _, (a, c) in self.claims]


@dataclass(frozen=True, slots=True)
class ClaimLookup:
    """A batch's claims with what the lake index answered for them: the stored clusters of
    their exact texts, the first copies, the stored claims sharing their keys and the heads
    of those claims' clusters."""

    copies: Copies
    stored: dict[int, str]
    firsts: FirstCopies
    candidates: dict[int, list[StoredClaim]]
    heads: dict[str, tuple[str, str]]

    def chunks(self, size: int) -> Iterator[RankChunk]:
        """The arguments of `rank_firsts` for each `size` first copies (see `rank_chunk`)."""
        found, keys = self.firsts.found(), self.firsts.keys
        for start in range(0, len(found), size):
            yield rank_chunk(found, keys, self.candidates, start, size)

    def ranking(self) -> RankBatch:
        """What workers rank this batch's first copies from: each cuts its own chunk of it
        (`RankBatch.chunk`), so the batch is packed once, not again for every chunk."""
        return RankBatch(self.firsts.found(), self.firsts.keys, self.candidates)


class RankBatch(NamedTuple):
    """A batch's first copies ((ref, claim)), their match keys and the stored claims sharing
    each key, as sent to every worker ranking a chunk of them."""

    claims: list[tuple[str, FoundClaim]]
    keys: list[list[int]]
    candidates: dict[int, list[StoredClaim]]

    def chunk(self, start: int, size: int) -> RankChunk:
        """The arguments of `rank_firsts` for the `size` first copies from `start`."""
        return rank_chunk(self.claims, self.keys, self.candidates, start, size)


def rank_chunk(
    found: Sequence[tuple[str, FoundClaim]],
    keys: Sequence[list[int]],
    candidates: Mapping[int, Sequence[StoredClaim]],
    start: int,
    size: int,
) -> RankChunk:
    """The arguments of `rank_firsts` for the `size` first copies from `start`: the claims
    before them and the stored candidates go only where they share a key with the chunk's
    claims (no other can be compared with them), so the rankings are those of the whole
    batch."""
    mine = {key for claim_keys in keys[start : start + size] for key in claim_keys}
    earlier = [n for n in range(start) if not mine.isdisjoint(keys[n])]
    chosen = [*earlier, *range(start, min(start + size, len(found)))]
    shared = mine & candidates.keys()
    stored: dict[str, tuple[str, str]] = {}
    refs: dict[int, list[str]] = {}
    for key in shared:
        holders = candidates[key]
        refs[key] = [ref for ref, _, _ in holders]
        stored.update({ref: (claim_id, text) for ref, claim_id, text in holders})
    return RankChunk(
        [found[n] for n in chosen], [keys[n] for n in chosen], refs, stored, len(earlier)
    )


class RankChunk(NamedTuple):
    """What `rank_firsts` needs for one chunk of a batch's first copies (but `semantic`)."""

    claims: list[tuple[str, FoundClaim]]
    keys: list[list[int]]
    candidates: dict[int, list[str]]  # the refs of the stored claims holding each key
    stored: dict[str, tuple[str, str]]  # their claim_id and text, once each
    start: int  # claims before this are only candidates


def claim_copies(batch: Sequence[tuple[Article, Sequence[FoundClaim]]]) -> Copies:
    """A batch's claims grouped by exact normalised text, in the order found."""
    copies: Copies = {}
    for article, claims in batch:
        for claim in claims:
            copies.setdefault(exact_key(claim.normalised), []).append((article, claim))
    return copies


def claim_keys(claims: Sequence[FoundClaim], semantic: bool) -> list[list[int]]:
    """The match keys of each of an article's claims (prepared with their figures), as
    `first_copies` would find them: a worker finds them with the claims."""
    texts = prepare([c.text for c in claims], semantic, [c.quantities for c in claims])
    return [match_keys(c.normalised, text) for c, text in zip(claims, texts, strict=True)]


def first_copies(
    copies: Copies,
    stored: Mapping[int, str],
    semantic: bool,
    holderskeys: Mapping[str, list[int]] | None = None,
) -> FirstCopies:
    """The first copy of each text whose exact key no stored cluster holds, prepared (with
    `holderskeys`, the keys `claim_keys` found per claim ref: nothing is prepared here).

    Copies of a sentence (syndication) join its cluster on the exact text alone: only the
    first of a batch's copies is prepared and placed, unless the lake holds one already.
    """
    firsts = [(key, group[0]) for key, group in copies.items() if key not in stored]
    if holderskeys is not None:
        refs = [claim_ref(a.article_id, c.sentence_index) for _, (a, c) in firsts]
        return FirstCopies(firsts, None, [holderskeys[ref] for ref in refs])
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


Ranked = Ranking | None  # a first copy's ranking; None: an exact copy, or not ranked apart


def rank_firsts(
    claims: Sequence[tuple[str, FoundClaim]],
    keys: Sequence[list[int]],
    candidates: Mapping[int, Sequence[str]],
    stored: Mapping[str, tuple[str, str]],
    semantic: bool,
    start: int = 0,
    cache: PreparedCache | None = None,
) -> list[Ranked]:
    """The rankings of the first copies claims[start:] ((ref, claim), with their match `keys`)
    against the stored claims holding their keys (`candidates`: refs by key; `stored`: the
    claim_id and text of each) and the first copies before them: the candidate search,
    preparing and pair scoring of `place_claims`. None of it needs a cluster id, so workers
    can rank a batch's chunks while the flow process resolves clusters in order. `cache`
    keeps stored claims prepared across calls."""
    index = ClaimIndex(pair_model(semantic), semantic, cache)
    for key, refs in candidates.items():
        for ref in refs:
            index.add_stored(key, ref, *stored[ref])
    rankings: list[Ranked] = []
    for n, ((ref, claim), claim_keys) in enumerate(zip(claims, keys, strict=True)):
        index.add_found(ref, claim.text, claim.quantities)
        if n >= start:
            rankings.append(None if index.exact(claim_keys) else index.rank(ref, claim_keys))
        index.add_placed(ref, "", claim_keys)  # its cluster is for the flow process to resolve
    return rankings


def place_claims(
    copies: Copies,
    stored: Mapping[int, str],
    firsts: FirstCopies,
    candidates: Mapping[int, Sequence[StoredClaim]],
    heads: Mapping[str, tuple[str, str]],
    rules: ClaimRules,
    rankings: Sequence[Ranked] | None = None,
) -> list[ClaimRow]:
    """The claims rows of a batch: each first copy joins a cluster of the stored claims
    sharing its match keys (`candidates`, with their clusters' `heads` as (ref, text)) or of
    the batch's earlier claims, or opens one; the other copies join their first's cluster
    (or the stored one, `stored` by exact key) and keep only the exact key.

    With `rankings` (from `rank_firsts`, one per first copy) only clusters are resolved here;
    the result is the same as without.
    """
    index = ClaimIndex(rules.model, rules.semantic, rules.prepared)
    index.add_stored_all(candidates)
    for claim_id, (ref, head_text) in heads.items():
        index.add_head(claim_id, ref, head_text)
    claim_of = dict(stored)
    rows = []
    for n, ((key, (article, claim)), claim_keys) in enumerate(
        zip(firsts.claims, firsts.keys, strict=True)
    ):
        ref = claim_ref(article.article_id, claim.sentence_index)
        if firsts.texts is None:
            index.add_found(ref, claim.text, claim.quantities)
        else:
            index.texts[ref] = firsts.texts[n]
        ranking = rankings[n] if rankings is not None else None
        claim_of[key] = index.place_found(
            article.article_id, claim.sentence_index, claim_keys, ranking
        )
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
