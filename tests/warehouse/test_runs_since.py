"""runs.since_last reads only the newest `_runs` files, and answers as reading them all would."""

from datetime import UTC, datetime, timedelta

from newslake.warehouse.delta import open_table
from newslake.warehouse.runs import RUNS, RunPoint, append_run, runs, since_last

START = datetime(2026, 3, 5, 12, tzinfo=UTC)


def append(root, kinds: list[str]) -> None:
    done = len(runs(root))
    for n, kind in enumerate(kinds, start=done):
        point = RunPoint(f"r{n}", START + timedelta(minutes=n), kind, {"articles": n})
        append_run(root, point)


def after_last_gold(root) -> list[RunPoint]:
    points = runs(root)
    last = max(i for i, p in enumerate(points) if p.kind == "gold")
    return points[last:]


def test_since_the_last_gold_commit_matches_every_row_read(tmp_path):
    assert since_last(tmp_path, "gold") is None  # no `_runs` yet
    append(tmp_path, ["run", "run"])
    assert since_last(tmp_path, "gold") is None  # no gold commit yet
    append(tmp_path, ["gold", "run", "gold", "run", "run"])
    assert since_last(tmp_path, "gold") == after_last_gold(tmp_path)
    assert [p.run_id for p in since_last(tmp_path, "gold")] == ["r4", "r5", "r6"]


def test_a_compacted_runs_table_still_answers_from_its_newest_files(tmp_path):
    append(tmp_path, ["run", "gold", "run", "gold", "run"])
    open_table(tmp_path / RUNS).optimize.compact()  # one file holding every row so far
    assert since_last(tmp_path, "gold") == after_last_gold(tmp_path)
    append(tmp_path, ["run"])
    assert [p.run_id for p in since_last(tmp_path, "gold")] == ["r3", "r4", "r5"]
    append(tmp_path, ["gold"])
    assert [p.run_id for p in since_last(tmp_path, "gold")] == ["r6"]
