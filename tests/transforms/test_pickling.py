import pickle
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import pytest

from newslake.transforms.claims.finding import find_claims
from newslake.transforms.pickling import pickled_by_fields
from newslake.transforms.records import FetchLogRow, Page, RunInfo


def test_records_that_cross_processes_come_back_equal_from_their_field_values():
    run = RunInfo("r1", datetime(2026, 3, 5, tzinfo=UTC))
    page = Page.create(source="s", url="https://x.example/a", body=b"<p>hi</p>", run=run)
    row = FetchLogRow.for_page(page, "failed", run, error="empty")
    (claim,) = find_claims("Acme said on Tuesday it would cut 2,000 jobs by June.", 2026)
    for record in (page, row, claim, claim.quantities[0]):
        values = tuple(getattr(record, f.name) for f in fields(record))
        assert record.__reduce__() == (type(record), values)
        assert pickle.loads(pickle.dumps(record)) == record


def test_a_one_field_record_is_refused():
    @dataclass(frozen=True, slots=True)
    class One:
        value: int

    with pytest.raises(TypeError, match="two fields"):
        pickled_by_fields(One)
