import numpy as np

from newslake.transforms.claims.clusters import ClaimIndex, match_keys, new_claim_id
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
