"""Do two sentences state the same claim? Lexical overlap, embeddings, agreement signals and
what one sentence adds that the other lacks (the longest run of unmatched content words, names
without a counterpart), weighed by a small logistic model fitted on news paraphrase pairs
(benchmarks/claims_quality.py).

Figures are masked before comparing: "cost $6 million" and "cost $5.5 million" are one claim
with two figures. The semantic signals come from the shipped static embedding model
(transforms.embed); with `semantic=False` a lexical-only model of the same form is used.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Iterable, Sequence, Set
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise, repeat
from typing import Any

import numpy as np

from newslake.transforms.claims.figures import Anchor, anchored, find_anchors
from newslake.transforms.claims.quantities import DATE, Quantity
from newslake.transforms.embed import default_embedder
from newslake.transforms.tokens import fold_chars

_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"^\d[\d.,]*$")
_NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without cannot n't didn't doesn't don't "
    "isn't wasn't weren't aren't won't wouldn't couldn't shouldn't hasn't haven't hadn't".split()
)
_STOPWORDS = frozenset(
    """a an the and or but if then than that this these those there here of in on at to for
    from by with as into onto about over under after before since until while during per via
    is are was were be been being am has have had having do does did doing will would shall
    should can could may might must it its it's he she they them their his her him we us our
    i me my you your who whom whose which what when where why how also just so such very more
    most some any all each both other another only own same too s said says say told according
    """.split()
)
_SUFFIXES = ("ingly", "edly", "ing", "ed", "ies", "es", "s", "ly")
_MODEL_FILE = "claim_pair.json"
RARE_IDF = 6.0  # a stem in fewer than about 1 in 150 news sentences: a name, a term
ANCHORED_SCORE = 0.9
IDF_FILE = "claim_idf.json"  # inverse document frequency of word stems in news sentences
_ALIGNED = 0.6  # word cosine above which a word has a counterpart in the other sentence
FEATURES = (
    "word_jaccard",
    "content_jaccard",
    "content_containment",
    "bigram_jaccard",
    "char_jaccard",
    "sequence_ratio",
    "length_ratio",
    "unmatched_content",
    "entity_mismatch",
    "negation_mismatch",
    "shared_numbers",
    "length_gap",
    "weighted_overlap",
    "weighted_unmatched",
    "trigram_precision_min",
    "content_bigram_min",
    "unmatched_run",
    "unmatched_entities",
    "embedding_cosine",
    "alignment_mean",
    "alignment_min",
    "unaligned_words",
    "weighted_unaligned",
    "unaligned_run",
    "unaligned_entities",
    "weighted_cosine",
)
LEXICAL = FEATURES[:18]


@dataclass(frozen=True, slots=True)
class ClaimText:
    """One sentence prepared for comparison: its word sets and vectors, computed once."""

    stems: tuple[str, ...]
    content: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    chars: frozenset[str]
    entities: frozenset[str]
    numbers: frozenset[str]
    negated: bool
    vector: np.ndarray | None  # unit sentence embedding
    words: np.ndarray | None  # unit vectors of the content words, one row each
    word_list: tuple[str, ...] = ()  # those content words (stems), in the same order
    sequence: tuple[str, ...] = ()  # content stems in sentence order, repeats kept
    anchors: tuple[Anchor, ...] = ()  # its figures, with the content stems of their clauses
    weighted: np.ndarray | None = None  # unit IDF-weighted mean of the content word vectors


@dataclass(frozen=True, slots=True)
class PairModel:
    """Logistic weights over standardised features, and the decision threshold."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, values: np.ndarray) -> np.ndarray:
        """P(same claim) for rows of feature values (in `features` order)."""
        z = ((expand(values) - self.mean) / self.scale) @ self.weights + self.bias
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return probabilities

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairModel:
        """The model saved by `as_dict`."""
        return cls(
            tuple(data["features"]),
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["weights"]),
            float(data["bias"]),
            float(data["threshold"]),
        )


def expand(values: np.ndarray) -> np.ndarray:
    """Feature rows with every pairwise product (and square) appended: signals that count
    only together, such as high overlap with no negation mismatch."""
    rows, width = values.shape
    upper = _upper_triangle(width)
    products = (values[:, :, None] * values[:, None, :])[:, upper[0], upper[1]]
    return np.hstack([values, products.reshape(rows, -1)])


@cache
def _upper_triangle(width: int) -> tuple[np.ndarray, ...]:
    """Row and column indices of a square matrix's upper triangle, diagonal included."""
    return np.triu_indices(width)


def prepare(
    sentences: Sequence[str],
    semantic: bool = True,
    quantities: Sequence[Sequence[Quantity] | None] | None = None,
) -> list[ClaimText]:
    """Sentences ready for `claim_score`, read with their characters folded; embeddings are
    computed in one batch. `quantities` (one sequence per sentence, found in the folded
    sentence; None for one whose figures are to be found) saves finding the figures again."""
    sentences = [fold_chars(s) for s in sentences]
    tokens = [_tokens(s) for s in sentences]
    vectors: np.ndarray | None = None
    words: list[np.ndarray] | None = None
    if semantic:
        embedder = default_embedder()
        vectors = embedder.embed(sentences)
        vocab = sorted({w.casefold() for toks in tokens for s, w in toks if _is_content(s)})
        table = dict(zip(vocab, embedder.embed(vocab), strict=True)) if vocab else {}
        words = [_word_matrix(toks, table, embedder.dims) for toks in tokens]
    return [
        _claim_text(
            toks,
            vectors[i] if vectors is not None else None,
            words[i] if words is not None else None,
            find_anchors(sentence, content_stems, quantities[i] if quantities else None),
        )
        for i, (sentence, toks) in enumerate(zip(sentences, tokens, strict=True))
    ]


def content_stems(text: str) -> list[str]:
    """The content-word stems of a text (no stop words, no figures)."""
    return [stem for stem, _ in _tokens(text) if _is_content(stem)]


def figure_anchored(a: ClaimText, b: ClaimText) -> tuple[Anchor, Anchor] | None:
    """The figures, if any, on which the two state one claim: a figure of one kind in clauses
    saying the same thing, and a rare word or a name in common, whatever else each adds. A
    calendar day stated by both is itself as specific as a name."""
    pair = anchored(a.anchors, b.anchors)
    if pair is None:
        return None
    shares_rare = (
        pair[0].kind == DATE
        or bool(a.entities & b.entities)
        or any(idf_of(stem) >= RARE_IDF for stem in a.content & b.content)
    )
    return pair if shares_rare else None


def pair_features(a: ClaimText, b: ClaimText) -> dict[str, float]:
    """The signals the pair model weighs, by name."""
    a_stems, b_stems = set(a.stems), set(b.stems)
    content_common = a.content & b.content
    smaller = min(len(a.content), len(b.content)) or 1
    entities = a.entities | b.entities
    features = {
        "word_jaccard": _jaccard(a_stems, b_stems),
        "content_jaccard": _jaccard(a.content, b.content),
        "content_containment": len(content_common) / smaller,
        "bigram_jaccard": _jaccard(a.bigrams, b.bigrams),
        "char_jaccard": _jaccard(a.chars, b.chars),
        "sequence_ratio": SequenceMatcher(None, a.stems, b.stems, autojunk=False).ratio(),
        "length_ratio": min(len(a.stems), len(b.stems)) / (max(len(a.stems), len(b.stems)) or 1),
        "unmatched_content": math.log1p(len(a.content ^ b.content)),
        "entity_mismatch": len(a.entities ^ b.entities) / (len(entities) or 1),
        "negation_mismatch": float(a.negated != b.negated),
        "shared_numbers": math.log1p(len(a.numbers & b.numbers)),
        "length_gap": math.log1p(abs(len(a.stems) - len(b.stems))),
        "weighted_overlap": _weight(content_common) / (_weight(a.content | b.content) or 1.0),
        "weighted_unmatched": max(
            _weight(a.content - b.content) / (_weight(a.content) or 1.0),
            _weight(b.content - a.content) / (_weight(b.content) or 1.0),
        ),
        "trigram_precision_min": min(
            _ngram_precision(a.stems, b.stems), _ngram_precision(b.stems, a.stems)
        ),
        "content_bigram_min": min(
            _ngram_precision(a.sequence, b.sequence, 2), _ngram_precision(b.sequence, a.sequence, 2)
        ),
        **_remainder("unmatched", a, b, content_common, content_common),
    }
    if a.vector is not None and b.vector is not None:
        features["embedding_cosine"] = float(a.vector @ b.vector)
        (a_words, a_weighted), (b_words, b_weighted) = _word_vectors(a), _word_vectors(b)
        forward, backward = _alignment(a_words, b_words)
        ahead = float(forward.sum()) / len(forward) if len(forward) else 0.0
        behind = float(backward.sum()) / len(backward) if len(backward) else 0.0
        features["alignment_mean"] = (ahead + behind) / 2
        features["alignment_min"] = min(ahead, behind)
        lost_a = [w for w, score in zip(a.word_list, forward, strict=True) if score < _ALIGNED]
        lost_b = [w for w, score in zip(b.word_list, backward, strict=True) if score < _ALIGNED]
        features["unaligned_words"] = math.log1p(len(lost_a) + len(lost_b))
        features["weighted_unaligned"] = max(
            _weight(lost_a) / (_weight(a.word_list) or 1.0),
            _weight(lost_b) / (_weight(b.word_list) or 1.0),
        )
        kept_a = content_common.union(a.word_list).difference(lost_a)
        kept_b = content_common.union(b.word_list).difference(lost_b)
        features |= _remainder("unaligned", a, b, kept_a, kept_b)
        features["weighted_cosine"] = float(a_weighted @ b_weighted)
    return features


def claim_score(a: ClaimText, b: ClaimText, model: PairModel | None = None) -> float:
    """Probability that two prepared sentences state the same claim: the pair model's, or at
    least ANCHORED_SCORE for a pair anchored on a figure (the model, fitted on whole-sentence
    paraphrases, undervalues a shared figure amid different surroundings). Above that floor
    anchored pairs keep the model's order, so the closer of two anchored candidates wins."""
    return claim_scores(a, [b], model)[0]


def claim_scores(
    a: ClaimText, others: Sequence[ClaimText], model: PairModel | None = None
) -> list[float]:
    """`claim_score` of a against each of the others, with one model evaluation for all."""
    if not others:
        return []
    model = model or pair_model(a.vector is not None and others[0].vector is not None)
    rows = []
    for b in others:
        values = pair_features(a, b)
        rows.append([values[name] for name in model.features])
    scores = model.probability(np.array(rows))
    return [
        ANCHORED_SCORE + (1 - ANCHORED_SCORE) * float(score)
        if figure_anchored(a, b)
        else float(score)
        for score, b in zip(scores, others, strict=True)
    ]


def same_claim(a: str, b: str, semantic: bool = True) -> bool:
    """Whether two sentences state the same claim (figures may differ)."""
    model = pair_model(semantic)
    first, second = prepare([a, b], semantic)
    return claim_score(first, second, model) >= model.threshold


@cache
def pair_model(semantic: bool = True) -> PairModel:
    """The shipped pair model: with embedding signals, or lexical only."""
    with (resources.files("newslake.transforms") / "models" / _MODEL_FILE).open() as file:
        models = json.load(file)
    return PairModel.from_dict(models["semantic" if semantic else "lexical"])


def _tokens(sentence: str) -> list[tuple[str, str]]:
    """(stem, surface word) pairs; numbers become one placeholder."""
    out = []
    for match in _WORD.finditer(fold_chars(sentence)):
        word = match.group()
        low = word.casefold()
        out.append(("<num>" if _NUMBER.match(low) else _stem(low), word))
    return out


@lru_cache(maxsize=1 << 16)  # a run's vocabulary: words recur in sentence after sentence
def _stem(word: str) -> str:
    word = word.replace("’", "'").removesuffix("'s")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix == "ies" else stem
    return word


def _is_content(stem: str) -> bool:
    return stem not in _STOPWORDS and stem != "<num>" and len(stem) > 1


def _claim_text(
    tokens: list[tuple[str, str]],
    vector: np.ndarray | None,
    words: np.ndarray | None,
    anchors: tuple[Anchor, ...],
) -> ClaimText:
    stems = tuple(stem for stem, _ in tokens)
    spaced = " ".join(stems)
    word_list = tuple(_content_words(tokens).values())
    return ClaimText(
        stems=stems,
        content=frozenset(s for s in stems if _is_content(s)),
        bigrams=frozenset(pairwise(stems)),
        chars=frozenset(spaced[i : i + 4] for i in range(max(len(spaced) - 3, 0))),
        entities=frozenset(
            stem for i, (stem, word) in enumerate(tokens) if i and word[:1].isupper()
        ),
        numbers=frozenset(word.replace(",", "") for stem, word in tokens if stem == "<num>"),
        negated=any(word.casefold() in _NEGATIONS for _, word in tokens),
        vector=vector,
        words=words,
        word_list=word_list,
        sequence=tuple(stem for stem in stems if _is_content(stem)),
        anchors=anchors,
        weighted=_weighted_vector(word_list, words) if words is not None else None,
    )


def _content_words(tokens: list[tuple[str, str]]) -> dict[str, str]:
    """Lower-cased content words, each once, with their stems."""
    return {word.casefold(): stem for stem, word in tokens if _is_content(stem)}


def _word_matrix(
    tokens: list[tuple[str, str]], table: dict[str, np.ndarray], dims: int
) -> np.ndarray:
    rows = [table[word] for word in _content_words(tokens)]
    return np.array(rows, dtype=np.float32) if rows else np.zeros((0, dims), np.float32)


def embedding(text: ClaimText) -> np.ndarray:
    """The sentence's embedding; ValueError for one prepared with `semantic=False`."""
    if text.vector is None:
        raise ValueError("sentence prepared without embeddings (semantic=False)")
    return text.vector


def _word_vectors(text: ClaimText) -> tuple[np.ndarray, np.ndarray]:
    """(words, weighted) of a sentence that has an embedding: `prepare` sets all three."""
    if text.words is None or text.weighted is None:
        raise ValueError("sentence has an embedding but no word vectors")
    return text.words, text.weighted


def _alignment(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best cosine of each content word of a among b's, and of each of b's among a's."""
    if not len(a) or not len(b):
        return np.zeros(len(a)), np.zeros(len(b))
    sims = a @ b.T
    return sims.max(axis=1), sims.max(axis=0)


def idf_of(stem: str) -> float:
    """Inverse document frequency of a word stem (unseen stems count as rarest)."""
    idf, default = _idf()
    return idf.get(stem, default)


def _remainder(
    prefix: str, a: ClaimText, b: ClaimText, kept_a: frozenset[str], kept_b: frozenset[str]
) -> dict[str, float]:
    """What one sentence adds that the other lacks (`kept_*`: each side's content with a
    counterpart): the longest run of content words without one, and names without one."""
    return {
        f"{prefix}_run": math.log1p(
            max(_longest_run(a.sequence, kept_a), _longest_run(b.sequence, kept_b))
        ),
        f"{prefix}_entities": math.log1p(
            max(len(a.entities & (a.content - kept_a)), len(b.entities & (b.content - kept_b)))
        ),
    }


def _longest_run(sequence: tuple[str, ...], kept: frozenset[str]) -> int:
    """Most consecutive content words without a counterpart: an added clause or detail."""
    longest = current = 0
    for stem in sequence:
        current = 0 if stem in kept else current + 1
        longest = max(longest, current)
    return longest


def _weighted_vector(word_list: tuple[str, ...], words: np.ndarray) -> np.ndarray:
    """Unit IDF-weighted mean of the content word vectors: the rare words' direction."""
    vector = np.array([idf_of(stem) for stem in word_list], np.float32) @ words
    unit: np.ndarray = vector / (np.linalg.norm(vector) or 1.0)
    return unit


def _weight(words: Iterable[str]) -> float:
    """Sum of the words' inverse document frequencies (rare words weigh more), correctly
    rounded, so that a set of words gives the same sum in whatever order it iterates."""
    idf, default = _idf()
    return math.fsum(map(idf.get, words, repeat(default)))


@cache
def _idf() -> tuple[dict[str, float], float]:
    with (resources.files("newslake.transforms") / "models" / IDF_FILE).open() as file:
        data = json.load(file)
    return data["words"], data["default"]


def document_frequencies(sentences: Sequence[str]) -> dict[str, int]:
    """In how many of the sentences each content stem occurs (for building IDF_FILE)."""
    counts: dict[str, int] = {}
    for sentence in sentences:
        for stem in {stem for stem, _ in _tokens(sentence) if _is_content(stem)}:
            counts[stem] = counts.get(stem, 0) + 1
    return counts


def _ngram_precision(a: tuple[str, ...], b: tuple[str, ...], n: int = 3) -> float:
    grams = [a[i : i + n] for i in range(len(a) - n + 1)]
    if not grams:
        return 1.0 if a == b else 0.0
    theirs = {b[i : i + n] for i in range(len(b) - n + 1)}
    return sum(map(theirs.__contains__, grams)) / len(grams)


def _jaccard(a: Set[Hashable], b: Set[Hashable]) -> float:
    common = len(a & b)  # the union's size follows: no union set is built
    return common / (len(a) + len(b) - common or 1)
