"""Takes the claims of a run's new and updated articles through the floors: the lake index
answers which stored claims they may join, transforms.claims.placement places them in claim
clusters, the run writer stages them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from newslake.flows.settings import ClaimSettings
from newslake.transforms.claims.clusters import PreparedCache
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.pairs import pair_model
from newslake.transforms.claims.placement import (
    ClaimLookup,
    ClaimRules,
    Ranked,
    candidate_clusters,
    claim_copies,
    first_copies,
    place_claims,
)
from newslake.transforms.records import Article, RunInfo
from newslake.warehouse.run_writer import RunWriter

# Prepared claims kept across a run's batches (about 45 KB each): the recent ones, which the
# next batches' claims are most likely to match.
PREPARED_CLAIMS = 2_000


class ClaimRecorder:
    """Claims of one run: matched against the lake's and each other, one batch at a time."""

    def __init__(self, writer: RunWriter, run: RunInfo, settings: ClaimSettings) -> None:
        self.writer = writer
        self.prepared = PreparedCache(PREPARED_CLAIMS)
        self.rules = ClaimRules(
            run, pair_model(settings.semantic), settings.semantic, self.prepared
        )

    def record(self, placed: Sequence[tuple[Article, Sequence[FoundClaim], bool]]) -> int:
        """Stage the claims of (article, its claims, whether it replaces a stored version).

        A replaced version's claims leave the lake and stop being candidates; returns the
        number of claims staged.
        """
        lookup = self.look_up(placed)
        return self.place(lookup) if lookup else 0

    def look_up(
        self,
        placed: Sequence[tuple[Article, Sequence[FoundClaim], bool]],
        found_keys: Mapping[str, list[int]] | None = None,
    ) -> ClaimLookup | None:
        """Drop the claims of replaced versions, then ask the lake index about a batch's
        claims (None when it has none); with `found_keys` (match keys by claim ref, found with
        the claims) nothing is prepared here. Call `place` on it before the next look-up."""
        self.writer.drop_claims(article.article_id for article, _, replaces in placed if replaces)
        copies = claim_copies([(article, claims) for article, claims, _ in placed])
        if not copies:
            return None
        index = self.writer.index
        stored = index.claim_exact(copies)
        firsts = first_copies(copies, stored, self.rules.semantic, found_keys)
        candidates = index.claim_candidates(firsts.match_keys())
        heads = index.claim_heads(candidate_clusters(candidates))
        return ClaimLookup(copies, stored, firsts, candidates, heads)

    def place(self, lookup: ClaimLookup, rankings: Sequence[Ranked] | None = None) -> int:
        """Place and stage a looked-up batch's claims (see `place_claims` for `rankings`);
        returns the number staged."""
        rows = place_claims(
            lookup.copies,
            lookup.stored,
            lookup.firsts,
            lookup.candidates,
            lookup.heads,
            self.rules,
            rankings,
        )
        self.writer.stage_claims(rows)
        return len(rows)
