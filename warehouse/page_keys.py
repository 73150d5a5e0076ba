"""`_index/pages/`: the page ids of the lake's fetch_log and articles files, kept in small
segments sorted by page id, so that a run asks which of its pages the lake knows without
reading every file of both tables.

A segment is a Parquet file of rows copied from the table files it covers, each naming its
file (relative to its table): fetch_log's page_id, outcome, error, article_id, logged_at (of
rows with a page or an article) and articles' page_id, article_id (of every row), so that
the files holding given pages or naming given articles can be told. The files a segment
covers are listed in its metadata. A question reads the segment rows whose file is in the
run's snapshot of the lake, and reads directly the snapshot's files that no segment covers
(a lake older than the index, files a compaction or migration wrote, a run killed before its
segment). So a segment is never wrong, only incomplete. After each run's commit,
`keep_page_keys` writes one segment for the files not yet covered, and merges the segments
into one past MAX_SEGMENTS.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, FETCH_LOG, TableSpec

DIR = Path("_index") / "pages"
MAX_SEGMENTS = 16  # more are merged into one by the next commit
SEGMENT = pa.schema(
    [
        ("page_id", pa.string()),
        ("tbl", pa.string()),  # fetch_log or articles
        ("file", pa.string()),  # relative to the table
        ("outcome", pa.string()),
        ("error", pa.string()),
        ("article_id", pa.string()),
        ("logged_at", pa.timestamp("us", tz="UTC")),
    ]
)
TABLES = (FETCH_LOG, ARTICLES)
_COLUMNS = {
    FETCH_LOG.name: "page_id, outcome, error, article_id, logged_at",
    ARTICLES.name: "page_id, NULL AS outcome, NULL AS error, article_id, NULL AS logged_at",
}
_META = b"files"  # the files covered, by table
_ROW_GROUP = 16_384  # rows: a question about a few pages skips the others' row groups


@dataclass
class PageKeys:
    """The segments of a lake at one moment, and the files of each table they cover."""

    segments: list[Path] = field(default_factory=list)
    covered: dict[str, set[str]] = field(default_factory=lambda: {t.name: set() for t in TABLES})


def segments(lake: Lake) -> PageKeys:
    """The lake's segments now (one that cannot be read counts as absent)."""
    found = PageKeys()
    folder = lake.root / DIR
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        try:
            meta = pq.read_schema(path).metadata or {}
            covered = json.loads(meta[_META])
        except (OSError, KeyError, ValueError, pa.ArrowException):
            continue
        found.segments.append(path)
        for name, files in covered.items():
            found.covered[name].update(files)
    return found


def relative_files(lake: Lake, spec: TableSpec) -> list[str]:
    """A table's files at the lake's pinned version, relative to the table."""
    table_dir = lake.table_dir(spec)
    return [path.relative_to(table_dir).as_posix() for path in lake.data_files(spec)]


def page_rows_sql(lake: Lake, spec: TableSpec, files: list[str]) -> str:
    """The segment columns of `files` of a table (relative to it), read directly."""
    if not files:
        return _empty()
    listed = ", ".join(_literal(str(lake.table_dir(spec) / file)) for file in files)
    prefix = len(str(lake.table_dir(spec))) + 2
    return (
        f"SELECT {_COLUMNS[spec.name]}, substr(filename, {prefix}) AS file "
        f"FROM read_parquet([{listed}], filename = true)"
        + (" WHERE page_id IS NOT NULL OR article_id IS NOT NULL" if spec is FETCH_LOG else "")
    )


def segment_rows_sql(keys: PageKeys) -> str:
    """Every row of the segments, as `page_rows_sql` gives them, with `tbl`."""
    if not keys.segments:
        return f"SELECT *, NULL AS tbl FROM ({_empty()})"
    listed = ", ".join(_literal(str(path)) for path in keys.segments)
    return (
        "SELECT page_id, outcome, error, article_id, logged_at, file, tbl "
        f"FROM read_parquet([{listed}])"
    )


def live_files(files: dict[str, list[str]]) -> pa.Table:
    """(tbl, file) of each table's files, to join with segment rows."""
    return pa.table(
        {
            "tbl": pa.array([name for name, rel in files.items() for _ in rel], pa.string()),
            "file": pa.array([f for rel in files.values() for f in rel], pa.string()),
        }
    )


def files_naming(
    lake: Lake, con: duckdb.DuckDBPyConnection, spec: TableSpec, ids: str
) -> list[Path]:
    """The files of the lake's fetch_log or articles (at its pinned version) that may hold
    rows naming the articles whose ids the relation `ids` (an `article_id` column in `con`)
    lists: those the segments say hold one, and every file they do not cover."""
    keys = segments(lake)
    live = set(relative_files(lake, spec))
    chosen = live - keys.covered[spec.name]
    if keys.segments:
        rows = con.execute(
            f"SELECT DISTINCT file FROM ({segment_rows_sql(keys)}) WHERE tbl = ? "
            f"AND article_id IN (SELECT article_id FROM {ids})",
            [spec.name],
        ).fetchall()
        chosen.update(file for (file,) in rows if file in live)
    return [lake.table_dir(spec) / file for file in sorted(chosen)]


def keep_page_keys(lake: Lake) -> None:
    """Write a segment for the files of the lake's fetch_log and articles that no segment
    covers yet, then merge the segments into one if there are more than MAX_SEGMENTS (the
    rows of files the lake no longer holds are dropped then)."""
    keys = segments(lake)
    live = {spec.name: relative_files(lake, spec) for spec in TABLES}
    new = {name: [f for f in files if f not in keys.covered[name]] for name, files in live.items()}
    merge = len(keys.segments) + 1 > MAX_SEGMENTS
    if not merge and not any(new.values()):
        return
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # not drawn into the run's log
        parts = [
            f"SELECT *, '{spec.name}' AS tbl FROM ({page_rows_sql(lake, spec, new[spec.name])})"
            for spec in TABLES
        ]
        covered = new
        if merge:
            con.register("live", live_files(live))
            parts.append(  # DISTINCT: a merge killed before deleting the segments it merged
                f"SELECT DISTINCT * FROM ({segment_rows_sql(keys)}) JOIN live USING (tbl, file)"
            )
            covered = live
        rows = con.sql(
            f"SELECT {', '.join(SEGMENT.names)} FROM ({' UNION ALL '.join(parts)}) "
            "ORDER BY page_id, tbl, file"
        ).to_arrow_table()
    finally:
        con.close()
    _write(lake, rows.cast(SEGMENT), covered)
    if merge:
        for path in keys.segments:
            path.unlink(missing_ok=True)


def _write(lake: Lake, rows: pa.Table, covered: dict[str, list[str]]) -> None:
    folder = lake.root / DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.parquet"
    tmp = folder / f".{name}.tmp"
    meta = {_META: json.dumps(covered).encode()}
    pq.write_table(rows.replace_schema_metadata(meta), tmp, row_group_size=_ROW_GROUP)
    os.replace(tmp, folder / name)


def _empty() -> str:
    return (
        "SELECT NULL::VARCHAR AS page_id, NULL::VARCHAR AS outcome, NULL::VARCHAR AS error, "
        "NULL::VARCHAR AS article_id, NULL::TIMESTAMPTZ AS logged_at, NULL::VARCHAR AS file "
        "WHERE false"
    )


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
