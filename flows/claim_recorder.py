"""Places the claims of a run's new and updated articles in claim clusters, and stages them."""

from __future__ import annotations

from collections.abc import Sequence

from newslake.flows.settings import ClaimSettings
from newslake.transforms.claims.clusters import ClaimIndex, PreparedCache, exact_key, match_keys
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.pairs import pair_model, prepare
from newslake.transforms.records import Article, RunInfo
from newslake.warehouse.lake import Commit
from newslake.warehouse.state import LakeState

# Prepared claims kept across a run's batches (about 45 KB each): the recent ones, which the
# next batches' claims are most likely to match.
PREPARED_CLAIMS = 2_000


class ClaimRecorder:
    """Claims of one run: matched against the lake's and each other, one batch at a time."""

    def __init__(
        self, commit: Commit, run: RunInfo, state: LakeState, settings: ClaimSettings
    ) -> None:
        self.commit, self.run, self.state = commit, run, state
        self.semantic = settings.semantic
        self.model = pair_model(settings.semantic)
        self.prepared = PreparedCache(PREPARED_CLAIMS)

    def record(self, placed: Sequence[tuple[Article, Sequence[FoundClaim], bool]]) -> int:
        """Stage the claims of (article, its claims, whether it replaces a stored version).

        A replaced version's claims leave the lake and stop being candidates; returns the
        number of claims staged.
        """
        for article, _, replaces in placed:
            if replaces:
                for file in self.state.claim_files(article.article_id):
                    self.commit.remove("claims", file, [article.article_id])
                self.state.forget_claims(article.article_id)
        flat = [(article, claim) for article, claims, _ in placed for claim in claims]
        if not flat:
            return 0
        # Copies of a sentence (syndication) join its cluster on the exact text alone: only
        # the first of a batch's copies is prepared and placed, unless the lake holds one
        # already, and copies keep only the exact key (the first has the rest).
        copies: dict[int, list[tuple[Article, FoundClaim]]] = {}
        for article, claim in flat:
            copies.setdefault(exact_key(claim.normalised), []).append((article, claim))
        stored = self.state.claim_exact(copies)
        firsts = [(key, group[0]) for key, group in copies.items() if key not in stored]
        texts = prepare(
            [claim.text for _, (_, claim) in firsts],
            self.semantic,
            [claim.quantities for _, (_, claim) in firsts],
        )
        keys = [
            match_keys(claim.normalised, text)
            for (_, (_, claim)), text in zip(firsts, texts, strict=True)
        ]
        claims = self._index([key for claim_keys in keys for key in claim_keys])
        claim_of = dict(stored)
        rows = []
        for (key, (article, claim)), text, claim_keys in zip(firsts, texts, keys, strict=True):
            claim_of[key] = claims.place(article.article_id, claim.sentence_index, text, claim_keys)
            self.prepared.put(claim.text, text)
            rows.append(self._row(article, claim, claim_of[key], claim_keys))
        for key, group in copies.items():
            rest = group if key in stored else group[1:]
            rows += [self._row(article, claim, claim_of[key], [key]) for article, claim in rest]
        self.commit.add("claims", rows)
        self.state.remember_claims(rows)
        return len(rows)

    def _index(self, keys: list[int]) -> ClaimIndex:
        """An index of the claims already placed (in the lake or earlier in this run) that
        share a key with this batch's, and of their clusters' heads."""
        index = ClaimIndex(self.model, self.semantic, self.prepared)
        stored = self.state.claim_candidates(keys)
        for key, rows in stored.items():
            for ref, claim_id, text in rows:
                index.add_stored(key, ref, claim_id, text)
        clusters = {claim_id for rows in stored.values() for _, claim_id, _ in rows}
        for claim_id, (ref, text) in self.state.claim_heads(clusters).items():
            index.add_head(claim_id, ref, text)
        return index

    def _row(
        self, article: Article, claim: FoundClaim, claim_id: str, keys: list[int]
    ) -> dict[str, object]:
        return {
            "claim_id": claim_id,
            "article_id": article.article_id,
            "sentence_index": claim.sentence_index,
            "story_id": article.story_id,
            "outlet": article.outlet,
            "text": claim.text,
            "normalised": claim.normalised,
            "quantities": [
                {"value": q.value, "unit": q.unit, "kind": q.kind, "text": q.text, "high": q.high}
                for q in claim.quantities
            ],
            "attributed_to": claim.attributed_to,
            "rule": claim.rule,
            "published_at": article.published_at,
            "match_keys": keys,
            "run_id": self.run.run_id,
        }
