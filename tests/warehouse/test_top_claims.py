"""The top recurring claims a run summary shows are those the recurring_claims view gives, read
from the note of the claim_clusters version the lake shows, or queried when it moved."""

import json
import shutil

import pytest

from newslake.flows.ingest import run_ingest
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import CLAIM_CLUSTERS
from newslake.warehouse.top_claims import NOTE, top_recurring_claims
from newslake.warehouse.views import WAREHOUSE, query

pytestmark = pytest.mark.usefixtures("prefect_backend")

SQL = "SELECT representative, stories, outlets FROM recurring_claims LIMIT {}"


def test_noted_top_claims_are_the_views_and_follow_the_clusters(tmp_path, sample_dir):
    corpus = tmp_path / "sample"
    shutil.copytree(sample_dir, corpus)
    lake = tmp_path / "lake"
    params = {
        "sources": [{"path": str(corpus), "name": "sample"}],
        "lake": str(lake),
        "workers": 1,
        "config_path": str(sample_dir.parent / "demo.toml"),
    }
    run_ingest(**params)
    expected = query(lake, SQL.format(5))[1]
    assert expected  # the sample corpus has recurring claims
    assert top_recurring_claims(lake, 5) == expected
    note = json.loads((lake / NOTE).read_text())
    assert note["key"][0] == Lake(lake).versions()[CLAIM_CLUSTERS.name]

    # The same version and query: the note is read, not the clusters.
    note["rows"] = [["noted", 9, 9]]
    (lake / NOTE).write_text(json.dumps(note))
    assert top_recurring_claims(lake, 5) == [("noted", 9, 9)]
    # Another number of rows is another query.
    assert top_recurring_claims(lake, 2) == query(lake, SQL.format(2))[1] == expected[:2]

    # A run that changes a claim moves claim_clusters: the earlier version's note is not read.
    before = Lake(lake).versions()[CLAIM_CLUSTERS.name]
    shutil.copyfile(lake / WAREHOUSE, tmp_path / "earlier.duckdb")
    changed = next(corpus.rglob("2026-03-09-calder-bay-lead-advisory.html"))
    changed.write_text(changed.read_text().replace("18,000 residents", "19,500 residents"))
    run_ingest(**params)
    assert Lake(lake).versions()[CLAIM_CLUSTERS.name] > before
    (lake / NOTE).write_text(json.dumps(note))
    assert top_recurring_claims(lake, 5) == query(lake, SQL.format(5))[1] != [("noted", 9, 9)]

    # Views left at the earlier version (a run stopped before its views) are queried, not noted.
    (lake / NOTE).unlink()
    shutil.copyfile(tmp_path / "earlier.duckdb", lake / WAREHOUSE)
    assert top_recurring_claims(lake, 5) == expected
    assert not (lake / NOTE).exists()
