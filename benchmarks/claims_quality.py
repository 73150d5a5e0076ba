"""Claim matching quality: `same_claim` scored on MRPC pairs, and the pair model fitted.

    python benchmarks/claims_quality.py            # 10-fold cross-validation, baselines
    python benchmarks/claims_quality.py --write    # also refit on all pairs and write
                                                   # transforms/models/claim_pair.json

Pairs come from ../shared/corpus/mrpc-train (read by path, never copied), restricted to
those whose numbers agree: MRPC calls "$2.5 billion" vs "$1.8 billion" different, while
newslake treats them as one claim with two figures. Skips cleanly when the corpus is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from newslake.transforms.claims.clusters import ClaimIndex, match_keys
from newslake.transforms.claims.finding import find_claims
from newslake.transforms.claims.pairs import (
    FEATURES,
    IDF_FILE,
    LEXICAL,
    RARE_IDF,
    PairModel,
    content_stems,
    document_frequencies,
    expand,
    figure_anchored,
    idf_of,
    pair_features,
    pair_model,
    prepare,
)
from newslake.transforms.claims.sentences import split_sentences

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository, or where NEWSLAKE_SHARED says (a worktree elsewhere).
SHARED = Path(os.environ.get("NEWSLAKE_SHARED") or ROOT.parent / "shared")
MRPC = SHARED / "corpus" / "mrpc-train" / "msr_paraphrase_train.txt"
SEEDS = SHARED / "seeds"
ARTICLES = SHARED / "corpus" / "extraction-dev" / "ground-truth.json"
MODEL = ROOT / "transforms" / "models" / "claim_pair.json"
IDF = ROOT / "transforms" / "models" / IDF_FILE
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AUXILIARY = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|must)\b"
)
_NEGATION = re.compile(r"\b(?:not|no|never|n't|cannot)\b|n't\b", re.IGNORECASE)
FOLDS = 10
BACKGROUND_WEIGHT = 0.2  # weight of an unrelated pair against a labelled one
NEGATION_WEIGHT = 1.0  # of a negated paraphrase: rare in MRPC, so it must weigh fully
L2 = 10.0  # strong: the expanded features are many and correlated


def numbers(sentence: str) -> set[str]:
    """The numbers a sentence states, without thousands separators."""
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(sentence)}


def load_pairs(agreeing: bool = True) -> list[tuple[str, str, int]]:
    """MRPC pairs (those whose numbers agree): (sentence, sentence, label)."""
    with MRPC.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        pairs = [(a, b, int(label)) for label, _, _, a, b in reader]
    return [(a, b, y) for a, b, y in pairs if not agreeing or numbers(a) == numbers(b)]


def write_idf() -> None:
    """IDF of word stems over every MRPC train sentence (labels unused); rare stems left out
    take the default, the IDF of a stem never seen."""
    sentences = list(dict.fromkeys(s for a, b, _ in load_pairs(agreeing=False) for s in (a, b)))
    n = len(sentences)
    counts = document_frequencies(sentences)
    idf = {w: round(math.log((n + 1) / (c + 1)) + 1, 2) for w, c in sorted(counts.items()) if c > 1}
    payload = {"sentences": n, "default": round(math.log(n + 1) + 1, 2), "words": idf}
    IDF.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"wrote {IDF.relative_to(ROOT)} ({len(idf)} stems)")


def feature_matrix(pairs: list[tuple[str, str, int]], names: tuple[str, ...]) -> np.ndarray:
    """One row of named features per pair."""
    texts = prepare([s for a, b, _ in pairs for s in (a, b)], semantic=names == FEATURES)
    rows = []
    for i in range(len(pairs)):
        values = pair_features(texts[2 * i], texts[2 * i + 1])
        rows.append([values[name] for name in names])
    return np.array(rows)


def background_pairs(n: int, articles: list[str], seed: int) -> list[tuple[str, str, int]]:
    """n pairs of sentences stating different things (label 0), as a run's blocking keys
    bring them together: half are random MRPC sentences, half are two sentences of one news
    article sharing a rare word (same topic, another claim). The MRPC ones come from pairs
    whose numbers disagree, which cross-validation never scores."""
    rng = random.Random(seed)
    pool = sorted({s for a, b, _ in load_pairs(agreeing=False) for s in (a, b)} - _agreeing())
    same_topic = []
    for text in articles:
        sentences = [s for s in split_sentences(text) if 8 <= len(s.split()) <= 60]
        by_rare: dict[str, list[str]] = {}
        for sentence in sentences:
            for stem in sorted(set(content_stems(sentence))):
                if idf_of(stem) >= RARE_IDF:
                    by_rare.setdefault(stem, []).append(sentence)
        same_topic += [tuple(group) for group in by_rare.values() if len(group) > 1]
    out = []
    while len(out) < n:
        group = rng.choice(same_topic) if len(out) % 2 else pool
        first, second = rng.sample(group, 2)
        out.append((first, second, 0))
    return out


def negated(sentence: str) -> str | None:
    """The sentence with "not" after its first auxiliary verb ("was" -> "was not"); None if
    it has none or already negates something."""
    match = _AUXILIARY.search(sentence)
    if match is None or _NEGATION.search(sentence):
        return None
    return f"{sentence[: match.end()]} not{sentence[match.end() :]}"


def negation_pairs(n: int, seed: int) -> list[tuple[str, str, int]]:
    """Up to n pairs of a sentence, or its paraphrase, and the sentence negated (label 0: the
    same words, the opposite claim). The paraphrases are MRPC pairs whose numbers disagree,
    which cross-validation never scores."""
    rng = random.Random(seed)
    same = [(a, b) for a, b, y in load_pairs(agreeing=False) if y and numbers(a) != numbers(b)]
    out = []
    for a, b in rng.sample(same, len(same)):
        flipped = negated(b)
        if flipped is not None:
            out.append((rng.choice((a, b)), flipped, 0))
    return out[:n]


def news_articles() -> list[str]:
    """Article texts of ../shared/corpus/extraction-dev (empty if absent)."""
    if not ARTICLES.exists():
        return []
    return [page["articleBody"] for page in json.loads(ARTICLES.read_text()).values()]


def _agreeing() -> set[str]:
    return {s for a, b, _ in load_pairs() for s in (a, b)}


def anchored_pairs(pairs: list[tuple[str, str, int]]) -> np.ndarray:
    """Which pairs `same_claim` accepts on a figure anchor, whatever the model says."""
    texts = prepare([s for a, b, _ in pairs for s in (a, b)])
    found = [figure_anchored(texts[2 * i], texts[2 * i + 1]) for i in range(len(pairs))]
    return np.array([pair is not None for pair in found])


Background = tuple[np.ndarray, np.ndarray]  # feature rows of label-0 pairs, their weights


def background_rows(unrelated: np.ndarray, negations: np.ndarray) -> Background:
    """Unrelated pairs and negated paraphrases as weighted label-0 training rows."""
    weights = [np.full(len(unrelated), BACKGROUND_WEIGHT), np.full(len(negations), NEGATION_WEIGHT)]
    return np.vstack([unrelated, negations]), np.concatenate(weights)


def fit(
    x: np.ndarray, y: np.ndarray, names: tuple[str, ...], background: Background | None = None
) -> PairModel:
    """L2-regularised logistic regression by Newton's method, threshold for best accuracy.

    `background` rows are unrelated pairs and negated paraphrases, trained on as label 0 so
    the model stays sane outside the paraphrase corpus; the threshold is chosen on the
    labelled pairs alone.
    """
    labelled_x, labelled_y = x, y
    weight = np.ones(len(x))
    if background is not None:
        rows, weights = background
        x = np.vstack([x, rows])
        y = np.concatenate([y, np.zeros(len(rows))])
        weight = np.concatenate([weight, weights])
    wide = expand(x)
    mean, scale = wide.mean(axis=0), wide.std(axis=0) + 1e-9
    z = np.hstack([(wide - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * L2
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        gradient = z.T @ (weight * (p - y)) + penalty @ w
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = PairModel(names, mean, scale, w[:-1], float(w[-1]), 0.5)
    probabilities = model.probability(labelled_x)
    candidates = np.linspace(0.2, 0.8, 61)
    accuracy = [((probabilities >= t) == labelled_y).mean() for t in candidates]
    return PairModel(
        names, mean, scale, w[:-1], float(w[-1]), float(candidates[np.argmax(accuracy)])
    )


def scores(predicted: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Accuracy and F1 (of label 1)."""
    tp = float((predicted & (y == 1)).sum())
    precision = tp / max(predicted.sum(), 1)
    recall = tp / max((y == 1).sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return float((predicted == y).mean()), f1


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    background: Background,
    unseen: list[np.ndarray],
    anchored: np.ndarray,
) -> tuple[float, float, list[float]]:
    """Accuracy and F1 of the whole decision (the fold's model, or a figure anchor) over FOLDS
    folds (a fixed shuffle), and the share of each `unseen` set of different-claim pairs that
    the models accept."""
    order = np.random.default_rng(7).permutation(len(y))
    folds = np.array_split(order, FOLDS)
    predicted = np.zeros(len(y), dtype=bool)
    accepted = []
    for held in folds:
        train = np.setdiff1d(order, held)
        model = fit(x[train], y[train], names, background)
        probability = model.probability(x[held])
        predicted[held] = (probability >= model.threshold) | anchored[held]
        accepted.append([(model.probability(rows) >= model.threshold).mean() for rows in unseen])
    return (*scores(predicted, y), [float(rate) for rate in np.mean(accepted, axis=0)])


def jaccard_baseline(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Word Jaccard with its threshold tuned inside each fold."""
    column = x[:, FEATURES.index("word_jaccard")]
    order = np.random.default_rng(7).permutation(len(y))
    predicted = np.zeros(len(y), dtype=bool)
    for held in np.array_split(order, FOLDS):
        train = np.setdiff1d(order, held)
        cuts = np.linspace(0, 1, 101)
        best = max(cuts, key=lambda t: ((column[train] >= t) == y[train]).mean())
        predicted[held] = column[held] >= best
    return scores(predicted, y)


def seed_clusters() -> list[list[tuple[str, str]]]:
    """Claims of the ../shared/seeds articles grouped as a run would: the clusters that span
    more than one article, as (article, sentence) lists."""
    index = ClaimIndex(pair_model(True))
    members: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(SEEDS.glob("*.txt")):
        claims = find_claims(path.read_text(encoding="utf-8"))
        for claim, text in zip(claims, prepare([c.text for c in claims]), strict=True):
            keys = match_keys(claim.normalised, text)
            claim_id = index.place(path.stem, claim.sentence_index, text, keys)
            members.setdefault(claim_id, []).append((path.stem, claim.text))
    return [m for m in members.values() if len({article for article, _ in m}) > 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="refit on all pairs and save")
    args = parser.parse_args()
    if not MRPC.exists():
        print(f"skipped: {MRPC} not found")
        return 0
    if args.write or not IDF.exists():
        write_idf()
    pairs = load_pairs()
    y = np.array([label for _, _, label in pairs])
    started = time.perf_counter()
    x = feature_matrix(pairs, FEATURES)
    elapsed = time.perf_counter() - started
    print(f"{len(pairs)} MRPC train pairs whose numbers agree ({y.mean():.3f} labelled same)")
    print(f"features: {len(pairs) / elapsed:,.0f} pairs/s (prepare + score, one core)")
    always = scores(np.ones(len(y), dtype=bool), y)
    print(f"always 'same':             accuracy {always[0]:.3f}  F1 {always[1]:.3f}")
    base = jaccard_baseline(x, y)
    print(f"word Jaccard, tuned:       accuracy {base[0]:.3f}  F1 {base[1]:.3f}")
    # Articles split in two: one half gives training negatives, the other the unseen ones.
    articles = news_articles()
    negations = negation_pairs(400, seed=3)
    background = background_rows(
        feature_matrix(background_pairs(len(pairs), articles[::2], seed=1), FEATURES),
        feature_matrix(negations[::2], FEATURES),
    )
    unseen_negations = feature_matrix(negations[1::2], FEATURES)  # trained on the others
    unseen_pairs = background_pairs(2_000, articles[1::2], seed=2)
    unseen = feature_matrix(unseen_pairs, FEATURES)
    lexical_columns = [FEATURES.index(n) for n in LEXICAL]
    lexical = x[:, lexical_columns]
    anchored = anchored_pairs(pairs)
    print(
        f"figure- or date-anchored pairs: {anchored.sum()} ({y[anchored].mean():.3f} labelled "
        f"same); of the unrelated pairs, {anchored_pairs(unseen_pairs).mean():.1%} anchored"
    )
    lex = cross_validate(
        lexical,
        y,
        LEXICAL,
        (background[0][:, lexical_columns], background[1]),
        [unseen[:, lexical_columns], unseen_negations[:, lexical_columns]],
        anchored,
    )
    full = cross_validate(x, y, FEATURES, background, [unseen, unseen_negations], anchored)
    for label, (accuracy, f1, (unrelated, negations)) in (
        ("lexical only", lex),
        ("+ embeddings", full),
    ):
        print(
            f"pair model, {label}: accuracy {accuracy:.3f}  F1 {f1:.3f}  ({FOLDS}-fold CV); "
            f"accepts {unrelated:.1%} of unrelated pairs, {negations:.1%} of negated paraphrases"
        )
    if SEEDS.exists():
        print(f"\nrecurring claims in {SEEDS.name}/ (claims stated by more than one article):")
        for cluster in seed_clusters():
            print(f"  {len({article for article, _ in cluster})} articles:")
            for article, text in cluster:
                print(f"    {article[:3]}  {text}")
            print()
    if args.write:
        models = {
            "semantic": fit(x, y, FEATURES, background).as_dict(),
            "lexical": fit(
                lexical, y, LEXICAL, (background[0][:, lexical_columns], background[1])
            ).as_dict(),
        }
        MODEL.write_text(json.dumps(models, indent=1) + "\n")
        print(f"wrote {MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
