"""The claim key index: which stored claims hold each claim match key, kept by the writer as a
small LSM tree of immutable SQLite segments (`_index/claim_keys/tier=<t>/<run>.sqlite`), so
that a batch's claim questions read a page or two per key asked, not the claims table.

A segment holds, clustered by key (`WITHOUT ROWID` B-trees): `holders` (key, claim, times the
claim holds the key) and `counts` (key, holdings added less holdings removed), with `claims`
(the claim's file, article, sentence, cluster and text: a candidate's text is read from here,
not from the claims files it is spread over; indexed by cluster, `claims_by_cluster`, so that
a cluster's members are found without reading the claims table) and the claims files it
indexed (`files`) or saw removed (`gone`). Segments written before `claims_by_cluster` lack
it: the cluster questions then read the claims files instead. Every commit that adds or
removes claims files writes one segment in the same commit (the index is a Delta table whose
files are the segments, so the `_runs` row covers it, `recover` undoes a dead run's, and a
remote lake's mirror pulls them).

Readers sum a key's counts over the segments of their snapshot, so a crowded key (an
embedding band held by thousands of claims) is counted without reading its holders; holders
are read only for the rare keys, and those in files the snapshot no longer has are dropped.
The index is used only when the files its segments indexed, less those they saw removed, are
exactly the claims table's files at that snapshot; otherwise the claims are scanned.

More than MAX_SEGMENTS segments are merged (all but the largest into one) by the commit that
passes the bound; compaction, `migrate` and a lake without an index build it whole.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newslake.warehouse.schemas import Column, TableSpec

MAX_SEGMENTS = 16
ONE_COMMIT, MERGED, FULL = 0, 1, 2  # tiers: one commit's segment, merged, built whole
CLAIM_KEYS = TableSpec(
    name="claim_keys",
    grain="one SQLite segment of the claim key index per commit that changed the claims",
    path="_index/claim_keys",
    partition="tier",
    partition_type=pa.int32(),
    partition_of=lambda row: None,
    partition_doc="0: one commit's segment, 1: merged segments, 2: built from every claim",
    columns=(Column("segment", pa.string(), "an SQLite file (see warehouse/claim_keys.py)"),),
)
_SCHEMA = """
CREATE TABLE files (id INTEGER PRIMARY KEY, file TEXT NOT NULL UNIQUE);
CREATE TABLE gone (file TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE claims (id INTEGER PRIMARY KEY, file INTEGER NOT NULL, article_id TEXT NOT NULL,
    sentence_index INTEGER NOT NULL, claim_id TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE holders (key INTEGER NOT NULL, claim INTEGER NOT NULL, times INTEGER NOT NULL,
    PRIMARY KEY (key, claim)) WITHOUT ROWID;
CREATE TABLE counts (key INTEGER PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""
_CHUNK = 200_000  # rows per executemany
_RANGE_PAIRS = 5_000_000  # holdings sorted in memory at once (16 bytes each, and copies)
_SAMPLE_EVERY = 16  # keys sampled to split them into ranges of about _RANGE_PAIRS
_NONE = np.zeros(0, np.int64)
_NO_PAIRS = np.zeros((0, 2), np.int64)
_LOST = -1  # the owner of a holding lost with a removed file
_CLAIM_COLUMNS = ["article_id", "sentence_index", "claim_id", "text"]
# Built once a segment's claims are in (cheaper than keeping it up to date row by row).
_BY_CLUSTER = "claims_by_cluster"
Holding = tuple[int, str, int, str, str]  # key, article_id, sentence_index, claim_id, text
Member = tuple[str, str, str, int, str]  # claim_id, file, article_id, sentence_index, text


def write_segment(
    target: Path, added: Sequence[tuple[str, Path]], removed: Sequence[tuple[str, Path]]
) -> bool:
    """Write one segment at `target`: the claims of the files `added` and the holdings lost
    with the files `removed` (each (path relative to the claims table, where to read it)).
    Returns False (nothing written) when both are empty.

    Holders and counts are sorted in numpy and appended to their B-trees in key order, one
    range of keys at a time when there are more than _RANGE_PAIRS holdings (the ranges cut at
    quantiles of a sample of the keys): a second read of the files deals each holding to its
    range's spill file beside `target`, so memory follows a range, not the claims, and each
    file is read twice whatever the number of ranges.
    """
    if not added and not removed:
        return False
    con = _writable(target)
    con.executemany("INSERT INTO files (file) VALUES (?)", [(rel,) for rel, _ in added])
    con.executemany("INSERT INTO gone VALUES (?)", sorted({(rel,) for rel, _ in removed}))
    file_ids = dict(con.execute("SELECT file, id FROM files").fetchall())
    first: list[int] = []  # the id of each added file's first claim
    sample = [_NONE]  # every _SAMPLE_EVERY-th key, for the bounds of the ranges
    pairs = claims = 0
    for rel, path in added:
        table = pq.read_table(path, columns=[*_CLAIM_COLUMNS, "match_keys"])
        first.append(claims)
        claims += table.num_rows
        claim_rows = zip(
            range(first[-1], claims),
            repeat(file_ids[rel], table.num_rows),
            *(table[name].to_pylist() for name in _CLAIM_COLUMNS),
            strict=False,
        )
        con.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?)", claim_rows)
        found, _ = _flat_keys(table["match_keys"])
        pairs += len(found)
        sample.append(found[::_SAMPLE_EVERY])
    ranges = max(1, -(-pairs // _RANGE_PAIRS))
    quantiles = np.quantile(np.concatenate(sample), np.linspace(0, 1, ranges + 1)[1:-1])
    edges = np.array(sorted({int(edge) for edge in quantiles}) if pairs else [], np.int64)
    held = _holdings(added, first, removed)
    if not len(edges):
        _append(con, *_split(np.concatenate([*held, _NO_PAIRS])))
    else:
        with _Spill(target, len(edges) + 1) as spill:
            for block in held:
                spill.deal(block, np.searchsorted(edges, block[:, 0], side="right"))
            for block in spill.ranges():
                _append(con, *_split(block))
    _finish(con)
    return True


def _holdings(
    added: Sequence[tuple[str, Path]], first: Sequence[int], removed: Sequence[tuple[str, Path]]
) -> Iterable[np.ndarray]:
    """Each file's holdings as (key, owner) rows: the owner a claim's id in the segment for
    the files `added`, _LOST for those `removed`."""
    for (_, path), start in zip(added, first, strict=True):
        found, rows = _flat_keys(pq.read_table(path, columns=["match_keys"])["match_keys"])
        yield np.column_stack([found, rows + start])
    for _, path in removed:
        found, _ = _flat_keys(pq.read_table(path, columns=["match_keys"])["match_keys"])
        yield np.column_stack([found, np.full(len(found), _LOST, np.int64)])


def _split(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The keys and owners of a block's holdings, and the keys it lost."""
    lost = block[:, 1] == _LOST
    kept = block[~lost]
    return kept[:, 0], kept[:, 1], block[lost, 0]


class _Spill:
    """Spill files beside a segment being written, one per range of keys: holdings are dealt
    to them in one read of the claims files, and each range is read back whole once. Each is
    opened only to append (a lake of 10M articles has hundreds of ranges: more open files
    than a process may hold)."""

    def __init__(self, target: Path, ranges: int) -> None:
        self.dir = target.with_name(target.name + ".spill")
        self.paths = [self.dir / f"{n}.i64" for n in range(ranges)]

    def __enter__(self) -> _Spill:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def deal(self, block: np.ndarray, where: np.ndarray) -> None:
        """Append each holding of `block` to the spill file of its range (`where`)."""
        order = np.argsort(where, kind="stable")
        cuts = np.searchsorted(where[order], np.arange(len(self.paths) + 1))
        for n in np.flatnonzero(np.diff(cuts)):
            with self.paths[n].open("ab") as file:
                block[order[cuts[n] : cuts[n + 1]]].tofile(file)

    def ranges(self) -> Iterable[np.ndarray]:
        """Each range's holdings, in key order of the ranges."""
        for path in self.paths:
            found = path.exists()
            yield np.fromfile(path, np.int64).reshape(-1, 2) if found else _NO_PAIRS


def _append(
    con: sqlite3.Connection, keys: np.ndarray, owners: np.ndarray, lost: np.ndarray
) -> None:
    """Append one range of keys to a segment: the holders (each claim once per key, with the
    times it holds it) and the counts (holdings added less those `lost`), in key order."""
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    if len(keys):
        new = np.ones(len(keys), bool)
        new[1:] = (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])
        starts = np.flatnonzero(new)
        times = np.diff(np.append(starts, len(keys)))
        _insert(con, "INSERT INTO holders VALUES (?, ?, ?)", keys[starts], owners[starts], times)
    every = np.concatenate([keys, lost])
    weights = np.concatenate([np.ones(len(keys), np.int64), -np.ones(len(lost), np.int64)])
    unique, inverse = np.unique(every, return_inverse=True)
    counts = np.bincount(inverse, weights=weights, minlength=len(unique)).astype(np.int64)
    held = counts != 0
    _insert(con, "INSERT INTO counts VALUES (?, ?)", unique[held], counts[held])


def _insert(con: sqlite3.Connection, sql: str, *columns: np.ndarray) -> None:
    for start in range(0, len(columns[0]), _CHUNK):
        chunk = [column[start : start + _CHUNK].tolist() for column in columns]
        con.executemany(sql, zip(*chunk, strict=True))


def merge_segments(target: Path, segments: Sequence[Path], live: Iterable[str]) -> None:
    """Write the segments as one at `target`: their counts summed, their holders in the claims
    files `live` (the claims table's files after this commit), every file they indexed or saw
    removed."""
    con = _writable(target)
    con.executescript(
        "CREATE TEMP TABLE live (file TEXT PRIMARY KEY) WITHOUT ROWID;"
        "CREATE TEMP TABLE kept (key INTEGER, claim INTEGER, times INTEGER);"
        "CREATE TEMP TABLE summed (key INTEGER, n INTEGER);"
    )
    con.executemany("INSERT INTO live VALUES (?)", [(file,) for file in sorted(set(live))])
    offset = 0
    for segment in segments:
        con.execute("ATTACH DATABASE ? AS s", [_read_uri(segment)])
        con.execute("INSERT OR IGNORE INTO files (file) SELECT file FROM s.files")
        con.execute("INSERT OR IGNORE INTO gone SELECT file FROM s.gone")
        con.execute(
            "INSERT INTO claims SELECT c.id + ?, m.id, c.article_id, c.sentence_index, "
            "c.claim_id, c.text FROM s.claims c JOIN s.files f ON f.id = c.file "
            "JOIN main.files m ON m.file = f.file WHERE f.file IN (SELECT file FROM live)",
            [offset],
        )
        con.execute(
            "INSERT INTO kept SELECT h.key, h.claim + ?, h.times FROM s.holders h "
            "JOIN s.claims c ON c.id = h.claim JOIN s.files f ON f.id = c.file "
            "WHERE f.file IN (SELECT file FROM live)",
            [offset],
        )
        con.execute("INSERT INTO summed SELECT key, n FROM s.counts")
        (top,) = con.execute("SELECT coalesce(max(id) + 1, 0) FROM s.claims").fetchone()
        offset += top
        con.commit()
        con.execute("DETACH DATABASE s")
    con.execute("INSERT INTO holders SELECT key, claim, times FROM kept ORDER BY key, claim")
    con.execute(
        "INSERT INTO counts SELECT key, sum(n) FROM summed GROUP BY key HAVING sum(n) != 0 "
        "ORDER BY key"
    )
    _finish(con)


class ClaimKeys:
    """The claim key index at one snapshot: its segments, read only for the claims files
    `live` (paths relative to the claims table)."""

    def __init__(self, segments: Sequence[Path], live: Iterable[str]) -> None:
        self.cons = [sqlite3.connect(_read_uri(path), uri=True) for path in segments]
        live_files = set(live)
        self.live_ids: list[set[int]] = []
        indexed: set[str] = set()
        gone: set[str] = set()
        for con in self.cons:
            files = con.execute("SELECT id, file FROM files").fetchall()
            indexed.update(file for _, file in files)
            gone.update(file for (file,) in con.execute("SELECT file FROM gone"))
            self.live_ids.append({i for i, file in files if file in live_files})
        # Counts are exact only if every live file was indexed and every other one seen go.
        self.complete = indexed - gone == live_files
        self.by_cluster = all(_has_cluster_index(con) for con in self.cons)

    def counts(self, keys: Sequence[int]) -> dict[int, int]:
        """Holdings of each of these keys over the snapshot's claims (keys held by none left
        out)."""
        found: dict[int, int] = {}
        asked = _key_list(keys)
        for con in self.cons:
            rows = con.execute(
                "SELECT c.key, c.n FROM json_each(?) a JOIN counts c ON c.key = a.value", [asked]
            )
            for key, n in rows:
                found[key] = found.get(key, 0) + n
        return {key: n for key, n in found.items() if n}

    def holders(self, keys: Sequence[int]) -> list[Holding]:
        """Every holding of these keys by a claim of the snapshot's files, once per time the
        claim holds the key."""
        found: list[Holding] = []
        asked = _key_list(keys)
        for con, live in zip(self.cons, self.live_ids, strict=True):
            if not live:
                continue
            rows = con.execute(
                "SELECT h.key, h.times, c.file, c.article_id, c.sentence_index, c.claim_id, "
                "c.text FROM json_each(?) a JOIN holders h ON h.key = a.value "
                "JOIN claims c ON c.id = h.claim",
                [asked],
            )
            for key, times, file_id, *claim in rows:
                if file_id in live:
                    found.extend([(key, *claim)] * times)
        return found

    def members(self, claim_ids: Sequence[str]) -> list[Member]:
        """Every claim of these clusters in the snapshot's files, through `claims_by_cluster`
        (only if `by_cluster`: every segment has it)."""
        found: list[Member] = []
        asked = json.dumps(sorted(set(claim_ids)))
        for con, live in zip(self.cons, self.live_ids, strict=True):
            if not live:
                continue
            rows = con.execute(
                "SELECT c.file, c.claim_id, f.file, c.article_id, c.sentence_index, c.text "
                f"FROM json_each(?) a JOIN claims c INDEXED BY {_BY_CLUSTER} "
                "ON c.claim_id = a.value JOIN files f ON f.id = c.file",
                [asked],
            )
            found.extend(tuple(row[1:]) for row in rows if row[0] in live)
        return found

    def close(self) -> None:
        """Close the segments."""
        for con in self.cons:
            con.close()


def covers(segments: Sequence[Path], files: Iterable[str]) -> bool:
    """Whether these segments index exactly these claims files (relative to the table)."""
    index = ClaimKeys(segments, files)
    index.close()
    return index.complete


def _finish(con: sqlite3.Connection) -> None:
    """Index a written segment's claims by cluster, commit and close it."""
    con.execute(f"CREATE INDEX {_BY_CLUSTER} ON claims (claim_id, file)")
    con.commit()
    con.close()


def has_cluster_index(segment: Path) -> bool:
    """Whether a committed segment has `claims_by_cluster`."""
    con = sqlite3.connect(_read_uri(segment), uri=True)
    try:
        return _has_cluster_index(con)
    finally:
        con.close()


def index_by_cluster(segment: Path, target: Path) -> None:
    """Write at `target` a copy of a segment written before `claims_by_cluster`, with it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(segment, target)
    _finish(_unjournaled(target))


def _has_cluster_index(con: sqlite3.Connection) -> bool:
    """Whether a segment has `claims_by_cluster` (segments written before it do not)."""
    found = con.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [_BY_CLUSTER]
    )
    return found.fetchone() is not None


def _key_list(keys: Sequence[int]) -> str:
    return "[" + ",".join(str(int(key)) for key in keys) + "]"


def _writable(target: Path) -> sqlite3.Connection:
    """A new segment at `target`, its tables created, written without a journal (a segment
    is published only once whole)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    con = _unjournaled(target)
    con.executescript(_SCHEMA)
    return con


def _unjournaled(target: Path) -> sqlite3.Connection:
    """A segment being written at `target`, without a journal."""
    con = sqlite3.connect(f"file:{quote(target.as_posix())}", uri=True)  # ATTACH takes URIs
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -262144")  # 256 MB; sorts (pairs, the index) spill past it
    con.execute("PRAGMA temp_store = FILE")
    return con


def _read_uri(path: Path) -> str:
    """A read-only URI of a segment (immutable: it never changes once committed)."""
    return f"file:{quote(path.as_posix())}?mode=ro&immutable=1"


def _flat_keys(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The keys of a list column, flattened, with the row of each (nulls as empty lists)."""
    lists = column.combine_chunks()
    lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy()
    keys = pc.list_flatten(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    return keys, np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
