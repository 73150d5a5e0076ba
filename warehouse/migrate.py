"""`newslake migrate`: a lake written before its tables were Delta tables, converted in place.

The data files stay where they are. An interrupted commit of the old journal is finished
first; then each table directory gets a Delta log adding every file it holds (schema, column
comments and partitioning from schemas.py), and the first `_runs` row is the commit point: a
migration killed before it leaves logs no reader uses, and running it again starts them over.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from newslake.transforms.records import RunInfo
from newslake.warehouse.delta import LOG, commit_files
from newslake.warehouse.lake import JOURNAL, STAGING, Lake
from newslake.warehouse.lock import writer_lock
from newslake.warehouse.runs import RunPoint, append_run, head
from newslake.warehouse.schemas import TABLES
from newslake.warehouse.views import build_warehouse


def migrate_lake(root: Path, run: RunInfo, timeout_s: float) -> str:
    """Convert the lake at `root` to Delta tables under the writer lock (safe to run again);
    returns what was done, in a line."""
    lake = Lake(root)
    if not lake.root.is_dir():
        return f"no lake at {lake.root}: nothing to migrate"
    with writer_lock(lake.root, run.run_id, timeout_s):
        if head(lake.root) is not None:
            return f"lake {lake.root} already holds Delta tables: nothing to migrate"
        for journal in sorted((lake.root / JOURNAL).glob("*.json")):
            finish_journal(lake.root, journal)
        shutil.rmtree(lake.root / STAGING, ignore_errors=True)
        versions: dict[str, int] = {}
        files = 0
        for spec in TABLES.values():
            path = lake.table_dir(spec)
            shutil.rmtree(path / LOG, ignore_errors=True)  # an interrupted migration's
            for tmp in path.glob("*/.*.tmp"):
                tmp.unlink()
            held = sorted(p.relative_to(path).as_posix() for p in path.glob("*/*.parquet"))
            if held:
                versions[spec.name] = commit_files(path, spec, held, [], run.run_id)
                files += len(held)
        append_run(lake.root, RunPoint(run.run_id, datetime.now(UTC), "migrate", versions))
        shutil.rmtree(lake.root / JOURNAL, ignore_errors=True)
        build_warehouse(Lake(lake.root))
    return f"migrated {len(versions)} tables ({files} files) in {lake.root} to Delta tables"


def finish_journal(root: Path, journal: Path) -> None:
    """Carry out an old-format commit journal's moves and deletes (safe to repeat), then drop
    it, as the version that wrote it would have."""
    for op in json.loads(journal.read_text())["ops"]:
        if op["op"] == "put":
            src, dst = root / op["src"], root / op["dst"]
            if src.exists():  # else an earlier attempt moved it
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        else:
            (root / op["path"]).unlink(missing_ok=True)
    journal.unlink()
