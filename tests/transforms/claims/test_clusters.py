import numpy as np
import pytest

from newslake.transforms.claims.clusters import (
    MAX_CANDIDATES,
    MAX_CLAIMS_PER_KEY,
    MAX_SHARERS,
    MAX_VERIFIED,
    VERIFY_STEP,
    ClaimIndex,
    match_keys,
    new_claim_id,
)
from newslake.transforms.claims.pairs import PairModel, prepare

# Same claim when word Jaccard passes 0.5: the grouping logic, apart from the fitted model.
JACCARD = PairModel(("word_jaccard",), np.zeros(2), np.ones(2), np.array([20.0, 0.0]), -10.0, 0.5)


def place(sentences, model=JACCARD):
    """Group sentences in order, as a run does; returns the claim id of each."""
    claims = ClaimIndex(model)
    return [
        claims.place("a", i, prepared, match_keys(text.lower(), prepared))
        for i, (text, prepared) in enumerate(zip(sentences, prepare(sentences), strict=True))
    ]


def test_match_keys_are_stable_signed_64_bit_integers():
    (text,) = prepare(["The port handles $14 million of cargo a day."])
    keys = match_keys("the port handles $<num> million of cargo a day.", text)
    assert keys == match_keys("the port handles $<num> million of cargo a day.", text)
    assert len(set(keys)) == len(keys) > 5
    assert all(-(2**63) <= key < 2**63 for key in keys)


def test_copies_and_close_rewordings_join_the_first_claims_cluster():
    ids = place(
        [
            "The port authority said 19 vessels were waiting at anchor outside the harbor.",
            "The port authority said 19 vessels were waiting at anchor outside the harbor.",
            "The port authority said 21 vessels were waiting at anchor outside the harbor.",
            "The union said its members voted to ratify the agreement on Thursday.",
        ]
    )
    assert ids[0] == ids[1] == ids[2] == new_claim_id("a", 0)
    assert ids[3] == new_claim_id("a", 3)


def test_a_claim_joins_a_cluster_only_if_it_matches_every_member_compared():
    # The third sentence matches the second well (Jaccard 0.67) but not the first (0.4):
    # complete linkage keeps it out, so a chain of near-misses cannot grow one cluster.
    ids = place(
        [
            "Dockworkers voted to strike on Sunday after talks.",
            "Dockworkers voted to strike on Sunday after talks failed at the port.",
            "Talks failed at the port on Sunday, and dockworkers voted to walk out.",
        ]
    )
    assert ids[0] == ids[1]
    assert ids[2] == new_claim_id("a", 2)


def test_claims_that_share_no_key_are_never_compared():
    (text,) = prepare(["Lead levels at three schools exceeded the federal limit."])
    assert ClaimIndex(JACCARD).assign(text, [1, 2, 3]) is None


def test_stored_claims_are_prepared_only_when_a_new_claim_needs_them():
    index = ClaimIndex(JACCARD)
    (text,) = prepare(["The port authority said 19 vessels were waiting at anchor."])
    keys = match_keys("the port authority said <num> vessels were waiting at anchor.", text)
    index.add_stored(keys[0], "old:0", "c-old", "The port authority said 19 vessels were waiting.")
    index.add_stored(keys[1], "old:1", "c-other", "Lead levels at three schools exceeded a limit.")
    assert index.place("new", 0, text, keys) == "c-old"  # the exact copy: no scoring at all
    assert set(index.raw) == {"old:0", "old:1"}  # so nothing was prepared


def crowded_index(shared_keys):
    """An index where one claim's rarest key has 3 holders and each key in `shared_keys` is
    held by 150 claims of its own, plus a key held by more than MAX_CLAIMS_PER_KEY claims."""
    index = ClaimIndex(JACCARD)
    for n in range(3):
        index.add_placed(f"rare:{n}", "c-rare", [1])
    for key in shared_keys:
        for n in range(150):
            index.add_placed(f"{key}:{n}", f"c-{key}-{n}", [key])
    for n in range(MAX_CLAIMS_PER_KEY + 1):
        index.add_placed(f"crowded:{n}", f"c-crowded-{n}", [99])
    return index


def test_keys_held_by_many_claims_add_no_candidates_beyond_the_cap():
    shared = list(range(10, 10 + MAX_SHARERS // 150 + 2))  # 150 holders each: over the cap
    index = crowded_index(shared)
    holders = index.holders([99, *shared, 1])
    refs = [known.ref for claims in holders for known in claims]
    assert len(refs) <= MAX_SHARERS < 3 + 150 * len(shared)
    assert {"rare:0", "rare:1", "rare:2"} <= set(refs)  # the rarest key is read first
    assert not any(ref.startswith("crowded:") for ref in refs)
    # Of keys held by as many claims, the claim's first ones are read.
    read = [key for key in shared if f"{key}:0" in refs]
    assert read == shared[: len(read)] and 0 < len(read) < len(shared)


def test_capped_candidates_are_the_same_for_the_same_input():
    shared = list(range(10, 10 + MAX_SHARERS // 150 + 2))

    def refs(index):
        return [known.ref for claims in index.holders([99, *shared, 1]) for known in claims]

    assert refs(crowded_index(shared)) == refs(crowded_index(shared))
    # and a claim that shares only crowded keys is compared with nobody
    assert crowded_index(shared).holders([99]) == []


class CountingIndex(ClaimIndex):
    """A claim index that records how many pairs each scoring call scores."""

    def __init__(self, model):
        super().__init__(model)
        self.calls = []

    def _scores(self, text, refs):
        self.calls.append(len(refs))
        return super()._scores(text, refs)


def filled_cluster(first_member):
    """An index holding one cluster of 40 claims sharing key 1: `first_member` (first in ref
    order, placed last) and 39 copies of one sentence; and a rewording of that sentence."""
    same = "The port authority said 19 vessels were waiting at anchor outside the harbor."
    index = CountingIndex(JACCARD)
    texts = prepare([same, first_member, same.replace("were", "are")])
    for n in range(1, 40):
        index.texts[f"m:{n:02}"] = texts[0]
        index.add_placed(f"m:{n:02}", "c", [1])
    index.texts["m:00"] = texts[1]
    index.add_placed("m:00", "c", [1])
    return index, texts[2]


def test_verifying_a_cluster_scores_a_bounded_number_of_members():
    index, claim = filled_cluster(
        "The port authority said 19 vessels were waiting at anchor outside the harbor today."
    )
    assert index.assign(claim, [2, 1]) == ("c", pytest.approx(1.0, abs=0.01))
    assert sum(index.calls) <= MAX_CANDIDATES + MAX_VERIFIED + 1  # 40 members, fewer scored
    assert all(n <= VERIFY_STEP for n in index.calls[1:])  # after the ranking, step by step


def test_verifying_stops_at_the_first_step_holding_a_member_that_differs():
    index, claim = filled_cluster("Lead levels at three schools exceeded the federal limit.")
    assert index.assign(claim, [2, 1]) is None  # the first member in ref order differs
    assert index.calls[1:] == [VERIFY_STEP]  # so one step is scored, not MAX_VERIFIED members
    again, claim = filled_cluster("Lead levels at three schools exceeded the federal limit.")
    assert again.assign(claim, [2, 1]) is None and again.calls == index.calls
