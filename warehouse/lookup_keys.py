"""`_index/lookup/`: the band keys of the lake's story_index and the URLs of its pages and
articles, kept in SQLite segments clustered by key, so that a batch's story and URL questions
read a few pages per key asked, not every file of those tables.

A segment covers some files of the three tables (`files`: table, file relative to it) and
holds, for them: `indexings` (one per story_index row: article, indexed_at in microseconds,
file), `bands` (band key → indexing, a B-tree on the key) and `urls` (page URL, final URL and
canonical URL → file). As with the page key segments (page_keys.py), a reader takes only the
rows of files in its snapshot of the lake, and reads directly the snapshot's files that no
segment covers (a lake older than this index, files a compaction wrote, a run killed before
its segment): a segment is never wrong, only incomplete. After each run's commit,
`keep_lookup_keys` writes one segment for the files not yet covered; past MAX_SEGMENTS, every
segment but the one covering most live files is rebuilt into one from its live files.

Random keys defeat Parquet's row-group statistics (a batch's thousands of band keys fall in
every row group of a sorted file), so the keys sit in B-trees, read per key.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import pyarrow as pa

from newslake.warehouse.engine import work_connection
from newslake.warehouse.lake import Lake
from newslake.warehouse.page_keys import relative_files
from newslake.warehouse.schemas import ARTICLES, PAGES, STORY_INDEX, TableSpec

DIR = Path("_index") / "lookup"
MAX_SEGMENTS = 16  # more are merged by the next commit
TABLES = (PAGES, ARTICLES, STORY_INDEX)
URL_COLUMNS = ((PAGES, ("url", "final_url")), (ARTICLES, ("canonical_url",)))
BAND_ROWS = pa.schema(
    [
        ("band_key", pa.string()),
        ("article_id", pa.string()),
        ("indexed_at", pa.timestamp("us", tz="UTC")),
        ("file", pa.string()),
    ]
)
INDEXINGS = pa.schema([field for field in BAND_ROWS if field.name != "band_key"])
_SCHEMA = """
CREATE TABLE files (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, file TEXT NOT NULL);
CREATE TABLE indexings (id INTEGER PRIMARY KEY, article_id TEXT NOT NULL,
    indexed_at INTEGER NOT NULL, file INTEGER NOT NULL);
CREATE TABLE bands (band_key TEXT NOT NULL, indexing INTEGER NOT NULL,
    PRIMARY KEY (band_key, indexing)) WITHOUT ROWID;
CREATE TABLE urls (url TEXT NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (url, file))
    WITHOUT ROWID;
CREATE TABLE versions (tbl TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
"""
_INDEX = "CREATE INDEX indexings_article ON indexings (article_id);"
_CHUNK = 200_000  # rows per executemany


@dataclass
class Segment:
    """One segment: its path and the files it covers, by table; `owned`: those of them in
    the reader's snapshot that no earlier segment covers (a merge killed before removing the
    segments it merged leaves files covered twice), whose rows are the ones read."""

    path: Path
    files: dict[str, set[str]]
    versions: dict[str, int]  # of the three tables, when the segment was written
    con: sqlite3.Connection
    owned: set[tuple[str, str]] = field(default_factory=set)


@dataclass
class LookupKeys:
    """The segments of a lake at one snapshot, with the snapshot's files of each table."""

    segments: list[Segment] = field(default_factory=list)
    live: dict[str, list[str]] = field(default_factory=lambda: {t.name: [] for t in TABLES})

    @classmethod
    def of(cls, lake: Lake | None) -> LookupKeys:
        """The lake's segments now, open (`close` them), for its pinned snapshot (`None`: an
        empty lake)."""
        if lake is None:
            return cls()
        live = {spec.name: relative_files(lake, spec) for spec in TABLES}
        unowned = {(name, rel) for name, files in live.items() for rel in files}
        found = _segments(lake)
        for segment in found:
            covered = {(name, rel) for name, files in segment.files.items() for rel in files}
            segment.owned = covered & unowned
            unowned -= segment.owned
        return cls(found, live)

    def uncovered(self, spec: TableSpec) -> list[str]:
        """The snapshot's files of a table that no segment covers: to be read directly."""
        covered = set().union(*(s.files.get(spec.name, set()) for s in self.segments))
        return [f for f in self.live[spec.name] if f not in covered]

    def bands(self, keys: Sequence[str]) -> pa.Table:
        """(band_key, article_id, indexed_at, file) of the snapshot's story_index rows that
        the segments hold with any of these band keys."""
        rows = self._rows(
            "SELECT b.band_key, i.article_id, i.indexed_at, f.file FROM bands b "
            "JOIN indexings i ON i.id = b.indexing JOIN files f ON f.id = i.file "
            "WHERE b.band_key IN (SELECT value FROM json_each(?))",
            keys,
            STORY_INDEX,
        )
        return _table(rows, BAND_ROWS)

    def indexings(self, article_ids: Sequence[str]) -> pa.Table:
        """(article_id, indexed_at, file) of the snapshot's story_index rows that the
        segments hold for these articles."""
        rows = self._rows(
            "SELECT i.article_id, i.indexed_at, f.file FROM indexings i "
            "JOIN files f ON f.id = i.file "
            "WHERE i.article_id IN (SELECT value FROM json_each(?))",
            article_ids,
            STORY_INDEX,
        )
        return _table(rows, INDEXINGS)

    def urls(self, urls: Sequence[str]) -> set[str]:
        """Of these URLs, those the segments hold for a page or article file of the snapshot."""
        found: set[str] = set()
        for spec in (PAGES, ARTICLES):
            rows = self._rows(
                "SELECT u.url, f.file FROM urls u JOIN files f ON f.id = u.file "
                f"WHERE f.tbl = '{spec.name}' AND u.url IN (SELECT value FROM json_each(?))",
                urls,
                spec,
            )
            found.update(row[0] for row in rows)
        return found

    def close(self) -> None:
        """Close the segments."""
        for segment in self.segments:
            segment.con.close()

    def _rows(self, sql: str, keys: Sequence[str], spec: TableSpec) -> list[tuple[Any, ...]]:
        """The rows of `sql` (its file last) from every segment, of files in the snapshot."""
        if not keys:
            return []
        asked = json.dumps(list(keys))
        return [
            row
            for segment in self.segments
            for row in segment.con.execute(sql, [asked])
            if (spec.name, row[-1]) in segment.owned
        ]


def keep_lookup_keys(lake: Lake) -> None:
    """Write a segment for the files of the three tables that no segment covers yet; past
    MAX_SEGMENTS, rebuild every segment but the one covering most live files into one from
    their live files (segments covering no live file are dropped). Returns at once when a
    segment was written at the lake's versions of the three tables (a run that only logs)."""
    now = _versions(lake)
    found = _segments(lake)
    for segment in found:
        segment.con.close()
    if len(found) < MAX_SEGMENTS and any(segment.versions == now for segment in found):
        return
    keys = LookupKeys.of(lake)
    keys.close()  # only the files they cover are needed
    new = {spec.name: keys.uncovered(spec) for spec in TABLES}
    merged: list[Segment] = []
    if len(keys.segments) + 1 > MAX_SEGMENTS:
        kept, *merged = sorted(keys.segments, key=lambda s: -len(s.owned))
        for segment in merged:  # the live files it reads, unless the kept segment covers them
            for name, rel in sorted(segment.owned):
                if rel not in kept.files[name]:
                    new[name].append(rel)
    if any(new.values()):
        _write(lake, new, now)
    for segment in merged:
        segment.path.unlink(missing_ok=True)


def _versions(lake: Lake) -> dict[str, int]:
    """The lake's Delta version of each of the three tables (-1: none yet)."""
    return {spec.name: lake.versions().get(spec.name, -1) for spec in TABLES}


def _write(lake: Lake, files: dict[str, list[str]], versions: dict[str, int]) -> None:
    """One segment for `files` (by table, relative to it), written aside then moved in. Its
    rows are sorted by DuckDB within engine.MEMORY_LIMIT on one thread (spilling beside the
    segment) and appended to the B-trees in key order."""
    folder = lake.root / DIR
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.sqlite"
    tmp, spill = folder / f".{name}.tmp", folder / f".{name}.spill"
    duck = work_connection(spill)
    # The sorts spill at any size; each thread's Parquet read buffers do not: at 1M pages two
    # threads' buffers and the sort's exceeded MEMORY_LIMIT, one thread's do not.
    duck.execute("SET threads = 1")
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.executescript(_SCHEMA)
        listed = [(spec.name, rel) for spec in TABLES for rel in sorted(set(files[spec.name]))]
        con.executemany("INSERT INTO files (tbl, file) VALUES (?, ?)", listed)
        con.executemany("INSERT INTO versions VALUES (?, ?)", versions.items())
        ids = con.execute("SELECT tbl, file, id FROM files").fetchall()
        names = ["tbl", "file", "file_id"]
        duck.register("ids", pa.table({n: [row[i] for row in ids] for i, n in enumerate(names)}))
        urls = [
            f"SELECT {column} AS url, file_id FROM ({_rows_sql(lake, spec, files[spec.name])})"
            for spec, columns in URL_COLUMNS
            if files[spec.name]
            for column in columns
        ]
        if urls:  # a URL may be a page's URL and final URL both: held once
            union = " UNION ALL ".join(urls)
            sql = f"SELECT DISTINCT * FROM ({union}) WHERE url IS NOT NULL ORDER BY ALL"
            _append(con, duck, "urls", sql)
        if files[STORY_INDEX.name]:  # a band key holds its band's number: once per indexing
            stories = _rows_sql(lake, STORY_INDEX, files[STORY_INDEX.name])
            sql = "SELECT owner, article_id, epoch_us(indexed_at), file_id FROM ({}) ORDER BY 1"
            _append(con, duck, "indexings", sql.format(stories))
            sql = "SELECT unnest(band_keys) AS band_key, owner FROM ({}) ORDER BY ALL"
            _append(con, duck, "bands", sql.format(stories))
        con.executescript(_INDEX)
        con.commit()
    except BaseException:
        tmp.unlink(missing_ok=True)  # never read half written, but not left behind either
        raise
    finally:
        con.close()
        duck.close()
        shutil.rmtree(spill, ignore_errors=True)
    os.replace(tmp, folder / name)


def _rows_sql(lake: Lake, spec: TableSpec, files: list[str]) -> str:
    """Every row of these files of a table, with `file_id` (the segment's id of its file)
    and `owner`, an id unique to the row (file_id * 2^32 + its row in the file)."""
    table_dir = lake.table_dir(spec)
    listed = ", ".join(_literal(str(table_dir / rel)) for rel in files)
    return (
        "SELECT i.file_id, (i.file_id << 32) + r.file_row_number AS owner, r.* "
        f"FROM read_parquet([{listed}], filename = true, file_row_number = true) r "
        f"JOIN ids i ON i.tbl = '{spec.name}' "
        f"AND i.file = substr(r.filename, {len(str(table_dir)) + 2})"
    )


def _append(con: sqlite3.Connection, duck: duckdb.DuckDBPyConnection, table: str, sql: str) -> None:
    """Insert the rows of a DuckDB query (in the B-tree's order) batch by batch."""
    batches = duck.sql(sql).to_arrow_reader(_CHUNK)
    marks = ", ".join("?" * len(batches.schema))
    for batch in batches:
        rows = zip(*(column.to_pylist() for column in batch.columns), strict=True)
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _segments(lake: Lake) -> list[Segment]:
    """The lake's segments now, open, with the files each covers (one that cannot be read
    counts as absent)."""
    folder = lake.root / DIR
    found = []
    for path in sorted(folder.glob("*.sqlite")) if folder.is_dir() else []:
        con = None
        try:
            con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)
            rows = con.execute("SELECT tbl, file FROM files").fetchall()
            versions = dict(con.execute("SELECT tbl, version FROM versions").fetchall())
        except sqlite3.Error:
            if con is not None:
                con.close()
            continue
        files: dict[str, set[str]] = {spec.name: set() for spec in TABLES}
        for tbl, rel in rows:
            files[tbl].add(rel)
        found.append(Segment(path, files, versions, con))
    return found


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _table(rows: Sequence[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    """Rows whose `indexed_at` is in microseconds, as a table of `schema`."""
    columns: list[Sequence[Any]] = [[row[i] for row in rows] for i in range(len(schema))]
    arrays = []
    for values, column in zip(columns, schema, strict=True):
        if pa.types.is_timestamp(column.type):
            arrays.append(pa.array(values, pa.int64()).cast(column.type))
        else:
            arrays.append(pa.array(values, column.type))
    return pa.Table.from_arrays(arrays, schema=schema)
