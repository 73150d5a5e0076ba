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
import re
import sys
import time
from pathlib import Path

import numpy as np

from newslake.transforms.claims import (
    FEATURES,
    IDF_FILE,
    LEXICAL,
    PairModel,
    document_frequencies,
    expand,
    pair_features,
    prepare,
)

ROOT = Path(__file__).resolve().parents[1]
MRPC = ROOT.parent / "shared" / "corpus" / "mrpc-train" / "msr_paraphrase_train.txt"
MODEL = ROOT / "transforms" / "models" / "claim_pair.json"
IDF = ROOT / "transforms" / "models" / IDF_FILE
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
FOLDS = 10
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


def fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> PairModel:
    """L2-regularised logistic regression by Newton's method, threshold for best accuracy."""
    wide = expand(x)
    mean, scale = wide.mean(axis=0), wide.std(axis=0) + 1e-9
    z = np.hstack([(wide - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * L2
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    model = PairModel(names, mean, scale, w[:-1], float(w[-1]), 0.5)
    probabilities = model.probability(x)
    candidates = np.linspace(0.2, 0.8, 61)
    accuracy = [((probabilities >= t) == y).mean() for t in candidates]
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


def cross_validate(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> tuple[float, float]:
    """Mean accuracy and F1 over FOLDS folds (a fixed shuffle)."""
    order = np.random.default_rng(7).permutation(len(y))
    folds = np.array_split(order, FOLDS)
    predicted = np.zeros(len(y), dtype=bool)
    for held in folds:
        train = np.setdiff1d(order, held)
        model = fit(x[train], y[train], names)
        predicted[held] = model.probability(x[held]) >= model.threshold
    return scores(predicted, y)


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
    lexical = x[:, [FEATURES.index(n) for n in LEXICAL]]
    lex = cross_validate(lexical, y, LEXICAL)
    print(f"pair model, lexical only:  accuracy {lex[0]:.3f}  F1 {lex[1]:.3f}  ({FOLDS}-fold CV)")
    full = cross_validate(x, y, FEATURES)
    print(f"pair model, + embeddings:  accuracy {full[0]:.3f}  F1 {full[1]:.3f}  ({FOLDS}-fold CV)")
    if args.write:
        models = {
            "semantic": fit(x, y, FEATURES).as_dict(),
            "lexical": fit(lexical, y, LEXICAL).as_dict(),
        }
        MODEL.write_text(json.dumps(models, indent=1) + "\n")
        print(f"wrote {MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
