"""The lake's most supported recurring claims, kept beside the lake per claim_clusters version so
that a run summary need not read every cluster when the clusters did not move."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from newslake.warehouse.atomic import write_whole
from newslake.warehouse.gold import clusters_entry
from newslake.warehouse.lake import Lake
from newslake.warehouse.views import connect_read_only, load_sql, query

NOTE = Path("_gold_state") / "top_claims.json"


def top_recurring_claims(root: str | os.PathLike[str], n: int) -> list[tuple[str, int, int]]:
    """The first `n` rows (representative, stories, outlets) of the recurring_claims view: those
    noted for the claim_clusters version the lake shows, else queried and noted."""
    sql = f"SELECT representative, stories, outlets FROM recurring_claims LIMIT {int(n)}"
    key = _key(Lake(root), sql)
    path = Path(root).expanduser() / NOTE
    try:
        note = json.loads(path.read_text())
    except (OSError, ValueError):
        note = {}
    if key is not None and note.get("key") == key:
        return [tuple(row) for row in note["rows"]]
    _, rows = query(root, sql)
    if key is not None and _views_show(root, key[0]):
        note = {"key": key, "rows": [list(row) for row in rows]}
        write_whole(path, lambda tmp: tmp.write_text(json.dumps(note)))
    return rows


def _key(lake: Lake, sql: str) -> list[Any] | None:
    """What the rows depend on: claim_clusters' version and its log entry's modification time
    (a table made again reuses version numbers), and the SQL of the query and of the view."""
    entry = clusters_entry(lake)
    if entry is None:
        return None
    text = sql + load_sql("recurring_claims")
    return [*entry, hashlib.sha256(text.encode()).hexdigest()[:16]]


def _views_show(root: str | os.PathLike[str], version: int) -> bool:
    """Whether the warehouse's claim_clusters view is of this version (not one left behind by
    a run that stopped between its commit and the views), so the rows queried are its own."""
    con = connect_read_only(root)
    try:
        found = con.execute(
            "SELECT comment FROM duckdb_views() WHERE view_name = 'claim_clusters'"
        ).fetchall()
    finally:
        con.close()
    return bool(found) and str(found[0][0]).endswith(f"(Delta version {version})")
