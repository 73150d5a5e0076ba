"""Takes the claims of a run's new and updated articles through the floors: the lake index
answers which stored claims they may join, transforms.claims.placement places them in claim
clusters, the run writer stages them."""

from __future__ import annotations

from collections.abc import Sequence

from newslake.flows.settings import ClaimSettings
from newslake.transforms.claims.clusters import PreparedCache
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.pairs import pair_model
from newslake.transforms.claims.placement import (
    ClaimRules,
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
        self.writer.drop_claims(article.article_id for article, _, replaces in placed if replaces)
        copies = claim_copies([(article, claims) for article, claims, _ in placed])
        if not copies:
            return 0
        index = self.writer.index
        stored = index.claim_exact(copies)
        firsts = first_copies(copies, stored, self.rules.semantic)
        candidates = index.claim_candidates(firsts.match_keys())
        heads = index.claim_heads(candidate_clusters(candidates))
        rows = place_claims(copies, stored, firsts, candidates, heads, self.rules)
        self.writer.stage_claims(rows)
        return len(rows)
