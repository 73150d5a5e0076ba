"""Grouping claims into claim ids: blocking keys find candidates, `pairs` decides pairs.

Each claim gets match keys of four kinds: its normalised text (copies match at once), pairs
of its rarest content words, bands of a random-hyperplane hash of its embedding (close
paraphrases share a band), and the calendar days it states, each with a word said of it (a
date anchor, see figure_anchors). Only claims sharing a key are compared, so grouping grows with
the number of claims, not with its square; and every step has a bound that does not grow with
them (claims read through a claim's keys, rarest first; candidates shortlisted, scored, and
members verified), so a claim costs at most a fixed amount however many claims hold its keys.
A new claim joins the cluster of its best accepted match; a claim never moves, and clusters
are never merged, so ids stay stable.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np

from newslake.transforms.claims.pairs import (
    ClaimText,
    PairModel,
    claim_scores,
    embedding,
    figure_anchored,
    idf_of,
    prepare,
)
from newslake.transforms.claims.quantities import DATE, Quantity
from newslake.transforms.records import short_hash

RARE_WORDS = 4  # the rarest content words of a claim whose pairs are keys
HASH_BITS, BAND_BITS = 64, 8  # embedding hash: 8 bands of 8 bits
MAX_SHORTLIST = 100  # candidates sharing most keys, of which the closest are scored
MAX_CANDIDATES = 12  # scored per new claim: the closest by embedding
MAX_VERIFIED = 20  # members of a cluster a claim must match to join it
VERIFY_STEP = 4  # members scored together while verifying: a cluster is refused at its first miss
# Pairs below either bar are not scored. On MRPC's same-content pairs, 99.9% pass both; of
# pairs of sentences of one article sharing a rare word (same topic, another claim), 17%.
MIN_COSINE = 0.5
MIN_SHARED_CONTENT = 0.15  # Jaccard of content words
MAX_CLAIMS_PER_KEY = 200  # keys held by more claims than this are not used to find candidates
# Claims read per new claim through its keys, the rarest keys first: a claim's common keys add
# no work however many claims hold them (its rare keys find its copies and close rewordings).
MAX_SHARERS = 1600
# A claim joins a cluster on a match at least this likely (and above the pair model's own
# threshold): candidates found by blocking are mostly unrelated, unlike the paraphrase pairs
# the threshold was chosen on.
LINK_SCORE = 0.7
_SEED = 0x0C1A


@dataclass(frozen=True, slots=True)
class KnownClaim:
    """A claim already placed: its key (article, sentence) and its cluster."""

    ref: str
    claim_id: str


def claim_ref(article_id: str, sentence_index: int) -> str:
    """The key of one claim sentence: `article_id:sentence_index` (CLAIM_REF_SQL in SQL)."""
    return f"{article_id}:{sentence_index}"


# claim_ref over the columns of the claims table, for queries that key claims the same way.
CLAIM_REF_SQL = "article_id || ':' || sentence_index"


def new_claim_id(article_id: str, sentence_index: int) -> str:
    """The id of a cluster that a claim opens."""
    return short_hash("claim", article_id, str(sentence_index))


def exact_key(normalised: str) -> int:
    """The match key of a claim's exact normalised text (the first of its match_keys)."""
    return _key("n", normalised)


def match_keys(normalised: str, text: ClaimText) -> list[int]:
    """Blocking keys of a claim (signed 64-bit, for a BIGINT column)."""
    keys = [exact_key(normalised)]
    rare = sorted(text.content, key=lambda stem: (-idf_of(stem), stem))[:RARE_WORDS]
    keys += [_key("w", *pair) for pair in combinations(sorted(rare), 2)]
    # A calendar day anchors claims that may share no rare word (figure_anchors): each day
    # with each word of its clauses that is not a name (an anchor shares one such word).
    days = {
        (f"{anchor.value:.0f}", word)
        for anchor in text.anchors
        if anchor.kind == DATE
        for word in anchor.words - anchor.names
    }
    keys += [_key("d", *day) for day in sorted(days)]
    if text.vector is not None and text.vector.any():
        bits = (_hyperplanes(text.vector.shape[0]) @ text.vector) > 0
        for band in range(HASH_BITS // BAND_BITS):
            chunk = bits[band * BAND_BITS : (band + 1) * BAND_BITS]
            keys.append(_key("e", str(band), "".join("1" if b else "0" for b in chunk)))
    return keys


class PreparedCache:
    """Prepared claims by text, kept across batches (the least recently used go first): a
    claim is a candidate again and again while its story runs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, ClaimText] = OrderedDict()

    def get(self, text: str) -> ClaimText | None:
        """The prepared form of a claim text, if kept."""
        found = self.items.get(text)
        if found is not None:
            self.items.move_to_end(text)
        return found

    def put(self, text: str, prepared: ClaimText) -> None:
        """Keep a prepared claim, dropping the least recently used beyond `size`."""
        self.items[text] = prepared
        self.items.move_to_end(text)
        while len(self.items) > self.size:
            self.items.popitem(last=False)

    def clear(self) -> None:
        """Forget every prepared claim."""
        self.items.clear()


@dataclass(frozen=True, slots=True)
class Ranking:
    """The candidates a new claim is scored against first (the closest of those sharing most
    keys, in order) and their scores: what `ClaimIndex.rank` finds without cluster ids, so a
    worker can find it for a batch while the flow process only resolves clusters."""

    refs: tuple[str, ...]
    scores: tuple[float, ...]


class ClaimIndex:
    """Placed claims by match key, with each cluster's head: what new claims are matched
    against, in order, each joining a cluster or opening one.

    Claims from the lake come as text and are prepared only when a new claim's shortlist
    reaches them: copies match on their exact key and need no preparing at all. A stored
    claim is prepared from its text alone; a claim of the batch with the figures found in it
    (`add_found`), whichever process prepares it and whatever a cache holds.
    """

    def __init__(
        self, model: PairModel, semantic: bool = True, cache: PreparedCache | None = None
    ) -> None:
        self.model, self.semantic = model, semantic
        self.cache = cache or PreparedCache(0)
        self.candidates: dict[int, list[KnownClaim]] = {}
        self.heads: dict[str, KnownClaim] = {}
        self.known: dict[str, KnownClaim] = {}  # every claim placed or stored, by ref
        self.texts: dict[str, ClaimText] = {}  # prepared, by ref
        # not prepared yet, by ref: the text, and the figures found in it (None: find them)
        self.raw: dict[str, tuple[str, Sequence[Quantity] | None]] = {}

    def add_stored(self, key: int, ref: str, claim_id: str, text: str) -> None:
        """A claim from the lake that holds this key."""
        known = self.known.setdefault(ref, KnownClaim(ref, claim_id))
        self.candidates.setdefault(key, []).append(known)
        self._add_text(ref, text)

    def add_stored_all(self, candidates: Mapping[int, Sequence[tuple[str, str, str]]]) -> None:
        """`add_stored` of every (ref, claim_id, text) holding each key, in order: a batch's
        stored candidates at once (hundreds of thousands), their texts prepared (or taken
        from the cache) only when a new claim's shortlist reaches them."""
        known, lists, texts, raw = self.known, self.candidates, self.texts, self.raw
        for key, found in candidates.items():
            holders = lists.setdefault(key, [])
            for ref, claim_id, text in found:
                claim = known.get(ref)
                if claim is None:
                    claim = known[ref] = KnownClaim(ref, claim_id)
                    if ref not in texts:
                        raw[ref] = (text, None)
                holders.append(claim)

    def add_head(self, claim_id: str, ref: str, text: str) -> None:
        """The head of a stored cluster."""
        self.heads.setdefault(claim_id, self.known.setdefault(ref, KnownClaim(ref, claim_id)))
        self._add_text(ref, text)

    def add_found(self, ref: str, text: str, quantities: Sequence[Quantity]) -> None:
        """A claim of the batch about to be placed or ranked, prepared only if needed."""
        if ref not in self.texts:
            self.raw[ref] = (text, quantities)

    def _add_text(self, ref: str, text: str) -> None:
        if ref not in self.texts:
            self.raw[ref] = (text, None)  # the cache is asked once it is needed

    def place(self, article_id: str, sentence_index: int, text: ClaimText, keys: list[int]) -> str:
        """The claim_id of one claim (`keys` from match_keys), which later claims can join."""
        self.texts[claim_ref(article_id, sentence_index)] = text
        return self.place_found(article_id, sentence_index, keys)

    def place_found(
        self, article_id: str, sentence_index: int, keys: list[int], ranking: Ranking | None = None
    ) -> str:
        """`place` for a claim whose text is held already (`add_found`); with its `ranking`
        (found by `rank` against the same claims), only the clusters are resolved here."""
        ref = claim_ref(article_id, sentence_index)
        match = self._assign(lambda: self._prepared([ref])[ref], keys, ranking)
        claim_id = match[0] if match else new_claim_id(article_id, sentence_index)
        self.add_placed(ref, claim_id, keys)
        return claim_id

    def add_placed(self, ref: str, claim_id: str, keys: list[int]) -> None:
        """A claim just placed in `claim_id`: a candidate for the claims after it."""
        placed = self.known[ref] = KnownClaim(ref, claim_id)
        for key in keys:
            self.candidates.setdefault(key, []).append(placed)
        self.heads.setdefault(claim_id, placed)

    def assign(self, text: ClaimText, keys: Sequence[int]) -> tuple[str, float] | None:
        """The cluster a claim joins and the match score, or None if no candidate is the
        same claim; the first key is the exact text's."""
        return self._assign(lambda: text, keys)

    def exact(self, keys: Sequence[int]) -> KnownClaim | None:
        """The first claim holding a claim's exact key (the first of its keys), if any."""
        found = self.candidates.get(keys[0]) if keys else None
        return found[0] if found else None

    def rank(self, ref: str, keys: Sequence[int]) -> Ranking:
        """The closest candidates of a claim held by `add_found` (among those sharing most of
        its keys) with their scores; cluster ids play no part."""
        return self._rank(lambda: self._prepared([ref])[ref], keys)

    def _rank(self, text_of: Callable[[], ClaimText], keys: Sequence[int]) -> Ranking:
        shared: dict[str, int] = {}
        for holders in self.holders(keys):
            for known in holders:
                shared[known.ref] = shared.get(known.ref, 0) + 1
        if not shared:
            return Ranking((), ())
        text = text_of()
        shortlist = heapq.nsmallest(MAX_SHORTLIST, shared, key=lambda ref: (-shared[ref], ref))
        ranked = self._closest(text, shortlist)
        return Ranking(tuple(ranked), tuple(self._scores(text, ranked)))

    def holders(self, keys: Sequence[int]) -> list[list[KnownClaim]]:
        """The claims holding a new claim's keys that it is compared with: key by key from the
        rarest (fewest holders, then the claim's own key order) while they number at most
        MAX_SHARERS together, never a key held by more than MAX_CLAIMS_PER_KEY claims. The
        choice depends only on who holds which key, so it is the same in any process."""
        lists = [self.candidates.get(key, []) for key in keys]
        used: list[list[KnownClaim]] = []
        total = 0
        for holders in sorted(lists, key=len):  # stable: ties keep the claim's key order
            if len(holders) > MAX_CLAIMS_PER_KEY or total + len(holders) > MAX_SHARERS:
                break  # a stock phrase or a crowded hash band: the rarer keys found as much
            used.append(holders)
            total += len(holders)
        return used

    def _members(self, keys: Sequence[int]) -> dict[str, list[str]]:
        """The refs of each cluster among the candidates sharing a claim's keys."""
        members: dict[str, list[str]] = {}
        seen: set[str] = set()
        for holders in self.holders(keys):
            for known in holders:
                if known.ref not in seen:
                    seen.add(known.ref)
                    members.setdefault(known.claim_id, []).append(known.ref)
        return members

    def _assign(
        self, text_of: Callable[[], ClaimText], keys: Sequence[int], ranking: Ranking | None = None
    ) -> tuple[str, float] | None:
        if (exact := self.exact(keys)) is not None:
            return exact.claim_id, 1.0  # the same normalised sentence
        if ranking is None:
            ranking = self._rank(text_of, keys)
        scored = dict(zip(ranking.refs, ranking.scores, strict=True))
        best: dict[str, float] = {}
        for ref, score in scored.items():
            claim_id = self.known[ref].claim_id
            best[claim_id] = max(score, best.get(claim_id, 0.0))
        link = max(self.model.threshold, LINK_SCORE)
        members: dict[str, list[str]] | None = None
        # Complete linkage: a claim joins a cluster only if it is the same claim as every
        # member found (up to MAX_VERIFIED) and as its head, so chains cannot grow a cluster.
        for claim_id, score in sorted(best.items(), key=lambda item: (-item[1], item[0])):
            if score < link:
                break
            members = members if members is not None else self._members(keys)
            others = sorted(members[claim_id])[:MAX_VERIFIED]
            if claim_id in self.heads:
                others.append(self.heads[claim_id].ref)
            if self._verified(text_of, others, scored):
                return claim_id, score
        return None

    def _verified(
        self, text_of: Callable[[], ClaimText], refs: list[str], scored: dict[str, float]
    ) -> bool:
        """Whether a claim is the same as each of `refs` (complete linkage): those `scored`
        already first, then the rest VERIFY_STEP at a time in their order, stopping at the
        first step holding one that is not. The decision is that of scoring them all."""
        refs = list(dict.fromkeys(refs))
        if any(scored[ref] < self.model.threshold for ref in refs if ref in scored):
            return False
        fresh = [ref for ref in refs if ref not in scored]
        for start in range(0, len(fresh), VERIFY_STEP):
            step = fresh[start : start + VERIFY_STEP]
            scored |= dict(zip(step, self._scores(text_of(), step), strict=True))
            if any(scored[ref] < self.model.threshold for ref in step):
                return False
        return True

    def _closest(self, text: ClaimText, refs: list[str]) -> list[str]:
        """The candidates worth scoring: sharing enough content words (or a figure anchor),
        with an embedding cosine of at least MIN_COSINE (one matrix product for all) unless a
        figure anchors them; the closest MAX_CANDIDATES of them."""
        prepared = self._prepared(refs)
        refs = [ref for ref in refs if _worth_scoring(text, prepared[ref])]
        if text.vector is None or not refs:
            return refs[:MAX_CANDIDATES]
        cosines = np.stack([embedding(prepared[ref]) for ref in refs]) @ text.vector
        order = np.argsort(-cosines, kind="stable")[:MAX_CANDIDATES]
        return [
            refs[i]
            for i in order
            if cosines[i] >= MIN_COSINE or figure_anchored(text, prepared[refs[i]]) is not None
        ]

    def _scores(self, text: ClaimText, refs: list[str]) -> list[float]:
        prepared = self._prepared(refs)
        return claim_scores(text, [prepared[ref] for ref in refs], self.model)

    def _prepared(self, refs: list[str]) -> dict[str, ClaimText]:
        """Prepared texts of these claims, preparing the stored ones in one batch."""
        missing = [ref for ref in refs if ref not in self.texts]
        for ref in missing:  # stored claims whose text the cache holds prepared
            text, quantities = self.raw[ref]
            cached = self.cache.get(text) if quantities is None else None
            if cached is not None:
                del self.raw[ref]
                self.texts[ref] = cached
        missing = [ref for ref in missing if ref not in self.texts]
        if missing:
            raw = [self.raw.pop(ref) for ref in missing]
            figures = [quantities for _, quantities in raw]
            texts = prepare([text for text, _ in raw], self.semantic, figures)
            self.texts.update(zip(missing, texts, strict=True))
            for (text, quantities), prepared in zip(raw, texts, strict=True):
                if quantities is None:  # the cache holds texts prepared from their text alone
                    self.cache.put(text, prepared)
        return {ref: self.texts[ref] for ref in refs}


def _worth_scoring(a: ClaimText, b: ClaimText) -> bool:
    common = len(a.content & b.content)  # the union's size follows: no union set is built
    shared = common / (len(a.content) + len(b.content) - common or 1)
    return shared > MIN_SHARED_CONTENT or figure_anchored(a, b) is not None


def _key(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@cache
def _hyperplanes(dims: int) -> np.ndarray:
    return np.random.default_rng(_SEED).standard_normal((HASH_BITS, dims)).astype(np.float32)
