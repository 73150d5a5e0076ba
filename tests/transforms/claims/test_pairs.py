"""The pair decision `same_claim`: paraphrases and restated figures or days are one claim;
sentences of one topic that say other things are not."""

import os
import subprocess
import sys

import pytest

from newslake.transforms.claims.pairs import same_claim

SAME = [
    # A paraphrase with the same figure.
    (
        "Shares of the chipmaker fell 12 percent in early trading on Tuesday.",
        "The chipmaker's shares dropped 12 percent early on Tuesday.",
    ),
    # One figure, rounded by one outlet: a figure anchor.
    (
        "The cost to train the V3 model was about $6 million, a fraction of what rivals spend.",
        "The lab said V3 cost only US$5.5 million to train.",
    ),
    # One day and one event, amid different material: a date anchor.
    (
        "The turning point came on March 3, when the lab released its reasoning model.",
        "Released on March 3, the model matched its rivals at a fraction of the cost.",
    ),
    # A negation both sides make: one claim (the near miss of the negated pair below).
    (
        "The lab will not release the model next week.",
        "The model will not be released by the lab next week.",
    ),
]
DIFFERENT = [
    (
        "The lab released its reasoning model on Monday.",
        "The lab's founder studied mathematics at Zhejiang University.",
    ),
    # Figures of one kind about different things.
    (
        "The lab trained its model on 2,000 chips.",
        "Rival systems often require up to 16,000 chips.",
    ),
    # One day, different events.
    (
        "The council voted on June 3 to raise parking fees downtown.",
        "Striking nurses returned to work on June 3 after a deal.",
    ),
    # The same words, one side negated: the opposite claim.
    ("The lab will release the model next week.", "The lab will not release the model next week."),
]


@pytest.mark.parametrize("semantic", [True, False])
@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_claim_is_recognised_with_or_without_embeddings(a, b, semantic):
    assert same_claim(a, b, semantic)
    assert same_claim(b, a, semantic)


@pytest.mark.parametrize("semantic", [True, False])
@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_sentences_of_one_topic_stating_other_things_are_different_claims(a, b, semantic):
    assert not same_claim(a, b, semantic)
    assert not same_claim(b, a, semantic)


_SCORE_PAIRS = """
import json, sys
from newslake.transforms.claims.pairs import pair_features, prepare
lines = sys.stdin.read().splitlines()
texts = prepare(lines)
pairs = [(a, b) for a in range(len(texts)) for b in range(a + 1, len(texts))]
print(json.dumps([pair_features(texts[a], texts[b]) for a, b in pairs]))
"""


def test_pair_features_are_bit_identical_under_any_hash_seed():
    # A claim joins a cluster when its score passes a threshold: the score must not depend on
    # the order a set of words happens to iterate in, which follows the process's hash seed.
    sentences = [
        "The company said the new model cost about $6 million to train on older chips.",
        "Training the model cost the company roughly $5.5 million, using older chips.",
        "Officials said export controls on advanced chips had failed to slow the lab down.",
        "The lab's progress shows that restrictions on chip exports have backfired, analysts said.",
    ]
    outputs = set()
    for seed in ("1", "2", "3", "4"):
        out = subprocess.run(
            [sys.executable, "-c", _SCORE_PAIRS],
            input="\n".join(sentences),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        outputs.add(out.stdout)
    assert len(outputs) == 1
