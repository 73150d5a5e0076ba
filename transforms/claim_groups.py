"""Grouping claims into claim ids: blocking keys find candidates, `claims` decides pairs.

Each claim gets match keys of three kinds: its normalised text (copies match at once), pairs
of its rarest content words, and bands of a random-hyperplane hash of its embedding (close
paraphrases share a band). Only claims sharing a key are compared, so grouping grows with
the number of claims, not with its square. A new claim joins the cluster of its best
accepted match; a claim never moves, and clusters are never merged, so ids stay stable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np

from newslake.transforms.claims import ClaimText, PairModel, claim_scores, figure_anchored, idf_of
from newslake.transforms.records import short_hash

RARE_WORDS = 4  # the rarest content words of a claim whose pairs are keys
HASH_BITS, BAND_BITS = 64, 8  # embedding hash: 8 bands of 8 bits
MAX_SHORTLIST = 100  # candidates sharing most keys, of which the closest are scored
MAX_CANDIDATES = 12  # scored per new claim: the closest by embedding
MAX_VERIFIED = 20  # members of a cluster a claim must match to join it
# Pairs below either bar are not scored. On MRPC's same-content pairs, 99.9% pass both; of
# pairs of sentences of one article sharing a rare word (same topic, another claim), 17%.
MIN_COSINE = 0.5
MIN_SHARED_CONTENT = 0.15  # Jaccard of content words
MAX_KEY_SHARERS = 200  # keys held by more claims than this are not used to find candidates
# A claim joins a cluster on a match at least this likely (and above the pair model's own
# threshold): candidates found by blocking are mostly unrelated, unlike the paraphrase pairs
# the threshold was chosen on.
LINK_SCORE = 0.7
_SEED = 0x0C1A


@dataclass(frozen=True, slots=True)
class KnownClaim:
    """A claim already placed: its key (article, sentence), its cluster, its prepared text."""

    ref: str
    claim_id: str
    text: ClaimText


def claim_ref(article_id: str, sentence_index: int) -> str:
    """The key of one claim sentence."""
    return f"{article_id}:{sentence_index}"


def new_claim_id(article_id: str, sentence_index: int) -> str:
    """The id of a cluster that a claim opens."""
    return short_hash("claim", article_id, str(sentence_index))


def match_keys(normalised: str, text: ClaimText) -> list[int]:
    """Blocking keys of a claim (signed 64-bit, for a BIGINT column)."""
    keys = [_key("n", normalised)]
    rare = sorted(text.content, key=lambda stem: (-idf_of(stem), stem))[:RARE_WORDS]
    keys += [_key("w", *pair) for pair in combinations(sorted(rare), 2)]
    if text.vector is not None and text.vector.any():
        bits = (_hyperplanes(text.vector.shape[0]) @ text.vector) > 0
        for band in range(HASH_BITS // BAND_BITS):
            chunk = bits[band * BAND_BITS : (band + 1) * BAND_BITS]
            keys.append(_key("e", str(band), "".join("1" if b else "0" for b in chunk)))
    return keys


def assign(
    text: ClaimText,
    keys: Sequence[int],
    candidates: dict[int, list[KnownClaim]],
    model: PairModel,
    heads: dict[str, KnownClaim] | None = None,
) -> tuple[str, float] | None:
    """The cluster a claim joins and the match score, or None if no candidate is the same claim.

    `candidates` maps keys to the claims holding them; the first key is the exact text's.
    `heads` holds one fixed member per cluster, which every joining claim must match too.
    """
    if keys and (exact := candidates.get(keys[0])):
        return exact[0].claim_id, 1.0  # the same normalised sentence
    shared: dict[str, int] = {}
    by_ref: dict[str, KnownClaim] = {}
    for key in keys:
        holders = candidates.get(key, ())
        if len(holders) > MAX_KEY_SHARERS:
            continue  # a stock phrase or a crowded hash band: it finds nothing a rarer key misses
        for known in holders:
            shared[known.ref] = shared.get(known.ref, 0) + 1
            by_ref[known.ref] = known
    if not shared:
        return None
    most_shared = sorted(shared, key=lambda ref: (-shared[ref], ref))[:MAX_SHORTLIST]
    ranked = _closest(text, most_shared, by_ref)
    best: dict[str, float] = {}
    found = claim_scores(text, [by_ref[ref].text for ref in ranked], model)
    scored = dict(zip(ranked, found, strict=True))
    for ref, score in scored.items():
        claim_id = by_ref[ref].claim_id
        best[claim_id] = max(score, best.get(claim_id, 0.0))
    link = max(model.threshold, LINK_SCORE)
    members: dict[str, list[KnownClaim]] = {}
    for known in by_ref.values():
        members.setdefault(known.claim_id, []).append(known)
    # Complete linkage: a claim joins a cluster only if it is the same claim as every member
    # found (up to MAX_VERIFIED), so a chain of near-misses cannot grow one cluster.
    for claim_id, score in sorted(best.items(), key=lambda item: (-item[1], item[0])):
        if score < link:
            break
        others = sorted(members[claim_id], key=lambda k: k.ref)[:MAX_VERIFIED]
        if heads and claim_id in heads:
            others.append(heads[claim_id])
        unscored = [other for other in others if other.ref not in scored]
        fresh = claim_scores(text, [other.text for other in unscored], model)
        if all(s >= model.threshold for s in fresh) and all(
            scored[o.ref] >= model.threshold for o in others if o.ref in scored
        ):
            return claim_id, score
    return None


def _closest(text: ClaimText, refs: list[str], by_ref: dict[str, KnownClaim]) -> list[str]:
    """The candidates worth scoring: sharing enough content words (or a figure anchor), with
    an embedding cosine of at least MIN_COSINE (one matrix product for all); the closest
    MAX_CANDIDATES of them."""
    refs = [ref for ref in refs if _worth_scoring(text, by_ref[ref].text)]
    if text.vector is None or not refs:
        return refs[:MAX_CANDIDATES]
    vectors = np.stack([by_ref[ref].text.vector for ref in refs])
    cosines = vectors @ text.vector
    order = np.argsort(-cosines, kind="stable")[:MAX_CANDIDATES]
    return [refs[i] for i in order if cosines[i] >= MIN_COSINE]


def _worth_scoring(a: ClaimText, b: ClaimText) -> bool:
    shared = len(a.content & b.content) / (len(a.content | b.content) or 1)
    return shared > MIN_SHARED_CONTENT or figure_anchored(a, b) is not None


def index(candidates: dict[int, list[KnownClaim]], keys: Iterable[int], claim: KnownClaim) -> None:
    """Make a placed claim a candidate for the claims that follow."""
    for key in keys:
        candidates.setdefault(key, []).append(claim)


class ClaimIndex:
    """Placed claims by match key, with each cluster's head: what new claims are matched
    against, in order, each joining a cluster or opening one."""

    def __init__(
        self,
        model: PairModel,
        candidates: dict[int, list[KnownClaim]] | None = None,
        heads: dict[str, KnownClaim] | None = None,
    ) -> None:
        self.model = model
        self.candidates = candidates if candidates is not None else {}
        self.heads = heads if heads is not None else {}

    def place(self, article_id: str, sentence_index: int, text: ClaimText, keys: list[int]) -> str:
        """The claim_id of one claim (`keys` from match_keys), which later claims can join."""
        match = assign(text, keys, self.candidates, self.model, self.heads)
        claim_id = match[0] if match else new_claim_id(article_id, sentence_index)
        placed = KnownClaim(claim_ref(article_id, sentence_index), claim_id, text)
        index(self.candidates, keys, placed)
        self.heads.setdefault(claim_id, placed)
        return claim_id


def _key(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def _hyperplanes(dims: int) -> np.ndarray:
    return np.random.default_rng(_SEED).standard_normal((HASH_BITS, dims)).astype(np.float32)
