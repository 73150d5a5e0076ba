"""`newslake migrate`: a lake of plain Hive Parquet (as newslake wrote before Delta, with its
commit journal) becomes Delta tables in place, rows unchanged, and only once."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from lake_rows import RUN1, RUN2, article, read

from newslake.transforms.errors import LakeError
from newslake.transforms.records import RunInfo
from newslake.warehouse import migrate as migrate_module
from newslake.warehouse.lake import Lake
from newslake.warehouse.migrate import migrate_lake
from newslake.warehouse.runs import runs
from newslake.warehouse.schemas import ARTICLES

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
MIGRATION = RunInfo("migration", RUN2.started_at)


def old_lake(root: Path) -> None:
    """A lake as the journal-based version left it: Hive partitions of Parquet files, the
    `_journal/` directory, and one commit journal a killed run did not finish applying."""
    table = root / ARTICLES.path
    for name, rows in {
        "published_date=2026-03-05/part-run-1.parquet": [article("a", 5), article("b", 5)],
        "published_date=__HIVE_DEFAULT_PARTITION__/part-run-1.parquet": [article("c", None)],
    }.items():
        (table / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(ARTICLES.to_table(rows), table / name)
    staged = root / "_staging" / RUN2.run_id / ARTICLES.path / "published_date=2026-03-06"
    staged.mkdir(parents=True)
    pq.write_table(ARTICLES.to_table([article("d", 6, RUN2)]), staged / "part-run-2.parquet")
    rel = f"{ARTICLES.path}/published_date=2026-03-06/part-run-2.parquet"
    ops = [{"op": "put", "src": f"_staging/{RUN2.run_id}/{rel}", "dst": rel}]
    (root / "_journal").mkdir()
    (root / "_journal" / f"{RUN2.run_id}.json").write_text(json.dumps({"ops": ops}))


def ids(lake: Lake) -> list[tuple[str, str]]:
    return [(row[0], str(row[-1])) for row in read(lake, "articles")]


EXPECTED = [("a", "2026-03-05"), ("b", "2026-03-05"), ("c", "None"), ("d", "2026-03-06")]


def test_migrate_converts_an_old_lake_in_place_and_keeps_every_row(tmp_path):
    root = tmp_path / "lake"
    old_lake(root)
    files_before = sorted(p.name for p in root.rglob("*.parquet") if "_staging" not in str(p))
    message = migrate_lake(root, MIGRATION, 1)
    assert message.startswith("migrated 1 tables (3 files)")
    lake = Lake(root)
    assert ids(lake) == EXPECTED  # the unfinished journal was finished first
    assert not (root / "_journal").exists() and not (root / "_staging").exists()
    assert [(p.run_id, p.kind) for p in runs(root)] == [("migration", "migrate")]
    table = DeltaTable(str(lake.table_dir(ARTICLES)))
    assert table.metadata().partition_columns == [ARTICLES.partition]
    assert table.to_pyarrow_table().num_rows == 4
    assert sorted(p.name for p in lake.data_files(ARTICLES)) == sorted(
        [*files_before, "part-run-2.parquet"]
    )  # the files stayed where they were

    again = migrate_lake(root, RunInfo("again", RUN2.started_at), 1)
    assert "already holds Delta tables" in again
    assert len(runs(root)) == 1


def test_a_migration_killed_before_its_runs_row_is_started_over(tmp_path, monkeypatch):
    root = tmp_path / "lake"
    old_lake(root)

    def killed(*args):
        raise KeyboardInterrupt  # after every table's log, before the commit point

    monkeypatch.setattr(migrate_module, "append_run", killed)
    with pytest.raises(KeyboardInterrupt):
        migrate_lake(root, MIGRATION, 1)
    monkeypatch.undo()
    assert (Lake(root).table_dir(ARTICLES) / "_delta_log").exists()
    with pytest.raises(LakeError, match="newslake migrate"):
        Lake(root).versions()  # still an old lake to every command but migrate
    migrate_lake(root, MIGRATION, 1)
    assert ids(Lake(root)) == EXPECTED
    assert DeltaTable(str(Lake(root).table_dir(ARTICLES))).version() == 1  # logs started over


def test_other_commands_on_an_old_lake_say_to_migrate_in_one_line(tmp_path):
    root = tmp_path / "lake"
    old_lake(root)
    with pytest.raises(LakeError, match="run `newslake migrate`"), Lake(root).writing(RUN1, 1):
        pass
    out = subprocess.run(
        [NEWSLAKE, "sql", "--lake", str(root), "SELECT 1"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "run `newslake migrate`" in out.stderr
    done = subprocess.run(
        [NEWSLAKE, "migrate", "--lake", str(root)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [NEWSLAKE, "migrate", "--lake", str(root)], capture_output=True, text=True
    )
    assert again.returncode == 0 and "already holds Delta tables" in again.stdout
