import gc

import pytest

from newslake.flows.pipeline import rare_full_collections


def test_full_collections_are_rarer_in_the_block_and_as_before_after_it():
    before = gc.get_threshold()
    with rare_full_collections(factor=10):
        assert gc.get_threshold() == (*before[:2], before[2] * 10)
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), rare_full_collections(factor=10):
        raise RuntimeError("a failed run")
    assert gc.get_threshold() == before
