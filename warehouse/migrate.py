"""`newslake migrate`: a lake written by an earlier newslake, converted in place.

A local lake written before its tables were Delta tables: the data files stay where they are.
An interrupted commit of the old journal is finished first; then each table directory gets a
Delta log adding every file it holds (schema, column comments and partitioning from
schemas.py), and the first `_runs` row is the commit point: a migration killed before it
leaves logs no reader uses, and running it again starts them over.

An object-store lake whose commit point was `_manifest.json`, with files under the manifest's
keys: `migrate_store` moves them to the paths of the Delta layout.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newslake.transforms.records import RunInfo
from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.delta import LOG, commit_files, is_log_name
from newslake.warehouse.lake import JOURNAL, STAGING, Lake, reindex_claims
from newslake.warehouse.lock import writer_lock
from newslake.warehouse.objectstore import MANIFEST, Lease, Mirror
from newslake.warehouse.runs import RUNS, RunPoint, append_run, head
from newslake.warehouse.schemas import CLAIMS, TABLES
from newslake.warehouse.views import build_warehouse

MIGRATED = "_migrated.json"  # the manifest of a store migration past its switch


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
        if CLAIMS.name in versions:  # the claim key index (claim_keys.py), in the same point
            claims = sorted(lake.table_dir(CLAIMS).glob("*/*.parquet"))
            staging = lake.root / STAGING / run.run_id
            versions[CLAIM_KEYS.name] = reindex_claims(lake, claims, staging, run.run_id)
            shutil.rmtree(lake.root / STAGING, ignore_errors=True)
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


def migrate_store(url: str, run: RunInfo, timeout_s: float, cache_dir: str = "") -> str:
    """Lay out an object-store lake written under a manifest (by an earlier newslake) as Delta
    tables, in place, under its lease (safe to run again, also after a kill); returns what was
    done, in a line.

    Each live object stored under another key is copied to its path in the lake: data files
    first, then the tables' logs, then `_runs`'s log, which is the switch for readers of this
    version. The manifest, the switch for older readers, is then replaced by `_migrated.json`;
    last, the objects under the old keys and any other leftover in the logs are deleted.
    """
    mirror = Mirror(url, cache_dir)
    with Lease(mirror, run.run_id, timeout_s):
        manifest = _read_json(mirror, MANIFEST)
        if manifest is not None:
            moved = copy_to_paths(mirror, manifest)
            mirror.fs.pipe_file(mirror.key(MIGRATED), json.dumps(manifest).encode())
            mirror.fs.rm_file(mirror.key(MANIFEST))
        else:
            done = _read_json(mirror, MIGRATED)
            if done is None:
                if mirror.point() is None:
                    return f"no lake at {url}: nothing to migrate"
                return f"lake {url} already holds Delta tables: nothing to migrate"
            moved = sum(1 for rel, entry in done["files"].items() if entry["key"] != rel)
        swept = sweep_logs(mirror)
        mirror.fs.rm_file(mirror.key(MIGRATED))
    return (
        f"laid out {url} as Delta tables: {moved} objects copied to their paths, "
        f"{swept} left-over log objects deleted"
    )


def copy_to_paths(mirror: Mirror, manifest: dict[str, Any]) -> int:
    """Copy every manifest entry stored under another key to its path (in the order readers
    need: data files, table logs, `_runs`'s log); returns how many were copied."""
    moved = {rel: entry["key"] for rel, entry in manifest["files"].items() if entry["key"] != rel}
    for rel in sorted(moved, key=_copy_order):
        mirror.fs.copy(mirror.key(moved[rel]), mirror.key(rel))
    return len(moved)


def sweep_logs(mirror: Mirror) -> int:
    """Delete every object in the lake's Delta logs whose name is not one Delta gives (the
    manifest layout's run-suffixed keys, and those a killed writer of it left); the count."""
    found = [
        path
        for top in (*(spec.path for spec in TABLES.values()), RUNS)
        for path in mirror.fs.find(mirror.key(f"{top}/{LOG}"))
        if not is_log_name(path.rsplit("/", 1)[-1])
    ]
    for path in found:
        mirror.fs.rm_file(path)
    return len(found)


def _copy_order(rel: str) -> tuple[bool, bool, str]:
    in_log = f"/{LOG}/" in rel
    return (in_log and rel.startswith(f"{RUNS}/"), in_log, rel)


def _read_json(mirror: Mirror, name: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = json.loads(mirror.fs.cat_file(mirror.key(name)))
    except FileNotFoundError:
        return None
    return found
