"""Near-duplicate story grouping: MinHash signatures, LSH band keys and the join decision.

Pure: no I/O, clock or environment. An article's signature and band keys are computed once from
its text and persisted; a later article finds candidates through shared keys and is verified
against the candidates' signatures alone, so no stored text is re-read.

A signature is two MinHash sketches of word 5-gram shingles: `num_perm` values over the whole
text, then `lead_perm` values over its opening `lead_words` words. The words are matching forms
(case-folded tokens without punctuation, inner apostrophes or number separators: `matching_words`),
so a copy lower-cased and stripped of punctuation, or reflowed into one line, shingles as its
original does; the stored text keeps the page's characters. Two texts are one story when

- their estimated Jaccard similarity reaches `threshold` (edited copies), or
- nearly all of the smaller text lies in the larger (`containment`: a teaser, a copy with a
  paragraph dropped or with another outlet's headline and furniture added), shown by at least
  `min_shared` equal rows, or - for a teaser too short for that - by the two openings.

Containment is estimated from the signatures: per hash function, the minimum over the union of
two shingle sets lies in exactly one of A∩B, A∖B and B∖A, and comparing the two texts' minima
tells which, so counts of equal, smaller and larger values estimate the three proportions.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import rensa

from newslake.transforms.normalise import fingerprint_text

__all__ = [
    "Candidate",
    "Comparison",
    "StorySettings",
    "assign_story",
    "band_keys",
    "compare",
    "containment",
    "is_same_story",
    "match_score",
    "shingles",
    "signature",
    "similarity",
]


@dataclass(frozen=True, slots=True)
class StorySettings:
    """Shingling, hashing, banding and decision parameters (defaults measured, see below)."""

    # Signatures only compare under equal values of these five (keys also need equal bands and
    # lead_rows): changing one means recomputing every stored signature.
    shingle_words: int = 5
    num_perm: int = 256
    seed: int = 20_240_517
    lead_words: int = 60
    lead_perm: int = 16
    # 4 rows per band: candidates at Jaccard 0.5 share a key with p 0.98, at 0.35 with p 0.62
    # (the rest are mostly reached through a closer copy), unrelated texts practically never.
    bands: int = 64
    # 2 rows per lead band: a teaser's opening is the article's, however little else it holds.
    lead_rows: int = 2
    # Chosen by 2-fold cross-validation over two labelled sets at once in
    # benchmarks/dedup_quality.py (edited copies of extraction-dev bodies; wire copies, typos,
    # OCR errors, flattened and reordered text of dates-dev articles): 5-word shingles in 64
    # bands of 4 rows, held-out F1 0.989 on the worse set with P 1.000 on both; 80 bands of 3
    # rows did as well (within 0.002) with more keys, 4 or 3 words worse (0.980).
    threshold: float = 0.30
    containment: float = 0.70
    # Containment is a ratio of row counts; with fewer equal rows a text sharing one passage
    # with another would pass by chance (8 of 8 rows at a true containment of 0.5: p 0.004).
    min_shared: int = 8

    def __post_init__(self) -> None:
        if self.num_perm % self.bands or self.lead_perm % self.lead_rows:
            raise ValueError("num_perm must divide into bands, lead_perm into lead_rows")

    @property
    def signature_length(self) -> int:
        """Return the number of values in a signature under these settings."""
        return self.num_perm + self.lead_perm


DEFAULT_SETTINGS = StorySettings()
# The lead sketch gets its own hash functions: its rows must not repeat the full sketch's.
_LEAD_SEED_OFFSET = 0x5EED


def _shingles_of(words: Sequence[str], size: int) -> list[str]:
    if len(words) <= size:
        return [" ".join(words)] if words else []
    # zip over shifted copies (shorter by design) builds each n-gram without per-position slices.
    return [" ".join(gram) for gram in zip(*(words[i:] for i in range(size)), strict=False)]


# Marks a copy drops when it strips punctuation but a token keeps: apostrophes inside words and
# separators inside numbers ("isn't" and "isnt", "14.2" and "142" must be one word).
_INNER_MARKS = re.compile(r"'|(?<=\d)[.,:](?=\d)")


def matching_words(fingerprint: str) -> list[str]:
    """Return the words shingles are made of: a fingerprint's tokens without inner marks."""
    return _INNER_MARKS.sub("", fingerprint).split()


def shingles(text: str, settings: StorySettings = DEFAULT_SETTINGS) -> list[str]:
    """Return the text's word shingles (casefolded, punctuation-free tokens), in text order."""
    return _shingles_of(matching_words(fingerprint_text(text)), settings.shingle_words)


def _minhash(items: list[str], num_perm: int, seed: int) -> list[int]:
    hasher = rensa.RMinHash(num_perm=num_perm, seed=seed)
    hasher.update(items)
    digest: list[int] = hasher.digest()
    return digest


def signature(text: str, settings: StorySettings = DEFAULT_SETTINGS) -> tuple[int, ...]:
    """Return MinHash values of the text's shingles then of its opening's; () without words."""
    return fingerprint_signature(fingerprint_text(text), settings)


def fingerprint_signature(
    fingerprint: str, settings: StorySettings = DEFAULT_SETTINGS
) -> tuple[int, ...]:
    """`signature` of a text whose fingerprint_text is already at hand."""
    words = matching_words(fingerprint)
    if not words:
        return ()
    size = settings.shingle_words
    full = _minhash(_shingles_of(words, size), settings.num_perm, settings.seed)
    lead_shingles = _shingles_of(words[: settings.lead_words], size)
    lead = _minhash(lead_shingles, settings.lead_perm, settings.seed + _LEAD_SEED_OFFSET)
    return (*full, *lead)


def _check(sig: Sequence[int], settings: StorySettings) -> None:
    if len(sig) != settings.signature_length:
        raise ValueError(
            f"signature has {len(sig)} values, settings make {settings.signature_length}"
        )


def _keys(values: Sequence[int], rows: int, first_band: int) -> list[str]:
    keys = []
    for band, start in enumerate(range(0, len(values), rows), start=first_band):
        packed = struct.pack(f"<{rows}Q", *values[start : start + rows])
        keys.append(f"{band}:{hashlib.blake2b(packed, digest_size=8).hexdigest()}")
    return keys


def band_keys(sig: Sequence[int], settings: StorySettings = DEFAULT_SETTINGS) -> list[str]:
    """Return LSH band keys ('<band>:<16 hex>', lead bands last); sharing one makes candidates."""
    if len(sig) == 0:  # len(): stored signatures may arrive as numpy or Arrow arrays
        return []
    _check(sig, settings)
    n = settings.num_perm
    whole = _keys(sig[:n], n // settings.bands, 0)
    return whole + _keys(sig[n:], settings.lead_rows, settings.bands)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Signature-based estimates for one pair of texts."""

    jaccard: float  # share of the union's shingles found in both
    containment: float  # share of the smaller text's shingles found in the other
    shared: int  # equal rows: the evidence behind both estimates
    lead_containment: float  # the same two measures for the texts' openings
    lead_shared: int


def _rows(a: Sequence[int], b: Sequence[int]) -> tuple[int, float]:
    """Return the equal rows and the smaller text's estimated containment in the other."""
    equal = only_a = 0
    for x, y in zip(a, b, strict=True):
        if x == y:
            equal += 1
        elif x < y:
            only_a += 1
    # The smaller text holds the union's minimum in fewer rows: each is a shingle of its own.
    fewer = min(only_a, len(a) - equal - only_a)
    return equal, equal / (equal + fewer) if equal else 0.0


def compare(
    a: Sequence[int], b: Sequence[int], settings: StorySettings = DEFAULT_SETTINGS
) -> Comparison:
    """Return the estimated Jaccard and containment of two texts, whole and opening."""
    if len(a) == 0 or len(b) == 0:
        return Comparison(0.0, 0.0, 0, 0.0, 0)
    _check(a, settings)
    _check(b, settings)
    n = settings.num_perm
    shared, contained = _rows(a[:n], b[:n])
    lead_shared, lead_contained = _rows(a[n:], b[n:])
    return Comparison(shared / n, contained, shared, lead_contained, lead_shared)


def compare_many(
    a: Sequence[int], others: Sequence[Sequence[int]], settings: StorySettings = DEFAULT_SETTINGS
) -> list[Comparison]:
    """`compare(a, b)` for each b of `others` (all of a's length), in one pass of array
    arithmetic: a story's candidates are compared at once."""
    if len(a) == 0 or not others:
        return [compare(a, b, settings) for b in others]
    _check(a, settings)
    row = np.asarray(a, dtype=np.int64)
    table = np.asarray(others, dtype=np.int64)
    n = settings.num_perm
    shared, contained = _rows_many(row[:n], table[:, :n])
    lead_shared, lead_contained = _rows_many(row[n:], table[:, n:])
    return [
        Comparison(s / n, c, s, lc, ls)
        for s, c, ls, lc in zip(
            shared.tolist(), contained, lead_shared.tolist(), lead_contained, strict=True
        )
    ]


def _rows_many(a: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """`_rows(a, b)` for each row b of the table."""
    equal = (table == a).sum(axis=1)
    only_a = (a < table).sum(axis=1)
    fewer = np.minimum(only_a, a.shape[0] - equal - only_a)
    contained = [
        e / (e + f) if e else 0.0 for e, f in zip(equal.tolist(), fewer.tolist(), strict=True)
    ]
    return equal, contained


def similarity(
    a: Sequence[int], b: Sequence[int], settings: StorySettings = DEFAULT_SETTINGS
) -> float:
    """Return the Jaccard similarity of two texts estimated from their signatures."""
    return compare(a, b, settings).jaccard


def containment(
    a: Sequence[int], b: Sequence[int], settings: StorySettings = DEFAULT_SETTINGS
) -> float:
    """Return the estimated share of the smaller text's shingles that the other text holds."""
    return compare(a, b, settings).containment


def match_score(c: Comparison, settings: StorySettings = DEFAULT_SETTINGS) -> float | None:
    """Return the estimate that makes the pair one story (the higher of two), else None."""
    scores = []
    if c.jaccard >= settings.threshold:
        scores.append(c.jaccard)
    if c.containment >= settings.containment and c.shared:
        # A teaser of a long article meets it in few rows: the openings must then agree.
        opening = c.lead_shared >= settings.min_shared and (
            c.lead_containment >= settings.containment
        )
        if c.shared >= settings.min_shared or opening:
            scores.append(c.containment)
    return max(scores, default=None)


def is_same_story(
    a: Sequence[int], b: Sequence[int], settings: StorySettings = DEFAULT_SETTINGS
) -> bool:
    """Return True when two signatures are similar or contained enough to be one story."""
    return match_score(compare(a, b, settings), settings) is not None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored article found through a shared band key: its story and signature."""

    story_id: str
    signature: Sequence[int]
    published_at: datetime | None = None
    article_id: str = ""


def _ahead(a: tuple[float, Candidate], b: tuple[float, Candidate]) -> bool:
    """Return True when match a ranks first: higher score, earlier date (undated last), id."""
    if a[0] != b[0]:
        return a[0] > b[0]
    da, db = a[1].published_at, b[1].published_at
    if (da is None) != (db is None):
        return db is None
    if da is not None and db is not None and da != db:
        return da < db
    return a[1].story_id < b[1].story_id


def assign_story(
    sig: Sequence[int], candidates: Iterable[Candidate], settings: StorySettings = DEFAULT_SETTINGS
) -> str | None:
    """Return the story_id of the best verified candidate (earliest on ties), or None if new."""
    if len(sig) == 0:
        return None
    best: tuple[float, Candidate] | None = None
    # An empty text, or a signature made under other settings, is no candidate.
    usable = [cand for cand in candidates if len(cand.signature) == len(sig)]
    comparisons = compare_many(sig, [cand.signature for cand in usable], settings)
    for cand, comparison in zip(usable, comparisons, strict=True):
        score = match_score(comparison, settings)
        if score is not None and (best is None or _ahead((score, cand), best)):
            best = (score, cand)
    return None if best is None else best[1].story_id
