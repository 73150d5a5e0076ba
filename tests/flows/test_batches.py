"""How the ingest pipeline cuts its input into batches: by count, and by bytes."""

from newslake.flows import pipeline
from newslake.flows.pipeline import batched, take


def test_batches_hold_at_most_the_batch_size():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_batch_ends_once_its_items_reach_the_byte_budget(monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_BYTES", 100)
    sizes = [10, 60, 50, 10, 200, 5, 5]
    assert list(batched(sizes, 4, weight=lambda size: size)) == [[10, 60, 50], [10, 200], [5, 5]]


def test_take_leaves_the_rest_of_a_stream_for_the_next_batch(monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_BYTES", 100)
    stream = iter([80, 30, 1, 2])
    assert take(stream, 10, weight=lambda size: size) == [80, 30]
    assert take(stream, 10, weight=lambda size: size) == [1, 2]
    assert take(stream, 10, weight=lambda size: size) == []
