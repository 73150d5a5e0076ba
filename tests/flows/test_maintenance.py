from datetime import UTC, datetime

from lake_rows import article, commit, read

from newslake.flows.maintenance import compact_lake
from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES


def test_the_compact_flow_merges_partitions_under_prefect(tmp_path, prefect_backend):
    lake = Lake(tmp_path / "lake")
    for n in (1, 2):
        run = RunInfo(f"run-{n}", datetime(2026, 3, n, tzinfo=UTC))
        commit(lake, run, [article(f"a{n}", 5, run)])
    before = read(lake, "articles")
    state = compact_lake(lake=str(lake.root), return_state=True)
    assert state.is_completed()
    assert state.result() == {"articles": 2}
    assert len(lake.data_files(ARTICLES)) == 1
    assert read(lake, "articles") == before
