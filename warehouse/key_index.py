"""The lake's key index: which stored claims hold each claim match key, kept by the writer in
a table of its own (`_index/claim_keys`), so that a batch reads only the keys it asks about.

One row per match key and claims file: the key, how many of that file's claims hold it, the
claims themselves (article, sentence, cluster) and the file (relative to the claims table).
Rows are bucketed by the key modulo BUCKETS (one partition each) and sorted by key within a
file, in small row groups: a batch's keys fall in a few row groups of each bucket's files,
found from the row groups' min/max statistics without reading the rest.

Every commit that adds claims files indexes them in the same commit (the `_runs` row covers
both). A claims file that a later commit removes (rewritten without an article's claims, or
merged) leaves its index rows behind: readers keep only the rows of the files in their
snapshot of the claims table. Compaction writes the index anew. A lake whose claims were
written before the index existed is indexed whole by its next commit; until then readers
scan the claims (lake_index.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newslake.warehouse.delta import commit_files, is_table, open_table
from newslake.warehouse.schemas import Column, TableSpec

BUCKETS = 32
ROW_GROUP_ROWS = 2048  # DuckDB's vector size; smaller groups read less per key asked
_REF = pa.struct(
    [("article_id", pa.string()), ("sentence_index", pa.int32()), ("claim_id", pa.string())]
)
CLAIM_KEYS = TableSpec(
    name="claim_keys",
    grain="one row per claim match key and claims file holding it",
    path="_index/claim_keys",
    partition="bucket",
    partition_type=pa.int32(),
    partition_of=lambda row: None,
    partition_doc="the match key modulo 32",
    sort_by="match_key",
    columns=(
        Column("match_key", pa.int64(), "a claim match key (claims.match_keys)", False),
        Column("holders", pa.int64(), "claims of the file holding the key, with repeats", False),
        Column("refs", pa.list_(_REF), "the claims holding it, one per holding", False),
        Column("file", pa.string(), "the claims file, relative to the claims table", False),
    ),
)
INDEXES: dict[str, TableSpec] = {CLAIM_KEYS.name: CLAIM_KEYS}


def write_claim_keys(claim_files: Sequence[Path], target: Path, name: str) -> list[str]:
    """Index these claims files (each `<partition>/<file>` under its table directory): one
    file `bucket=<b>/<name>` per bucket under `target`, sorted by key. Returns those paths
    relative to `target`.

    The claims are read once, their keys spread to one scratch file per bucket; then each
    bucket is grouped and sorted on its own, so memory follows a bucket, not the claims.
    """
    if not claim_files:
        return []
    scratch = target / f".scratch-{name}"
    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.execute(f"SET temp_directory = {_literal(str(scratch / 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    paths = ", ".join(_literal(str(path)) for path in claim_files)
    con.execute(
        "COPY (SELECT match_key, article_id, sentence_index, claim_id, file, "
        f"(match_key % {BUCKETS} + {BUCKETS}) % {BUCKETS} AS bucket FROM (SELECT "
        "unnest(match_keys) AS match_key, article_id, sentence_index, claim_id, "
        "regexp_extract(filename, '[^/]+/[^/]+$') AS file "
        f"FROM read_parquet([{paths}], filename = true))) TO {_literal(str(scratch / 'keys'))} "
        "(FORMAT parquet, PARTITION_BY (bucket), COMPRESSION uncompressed)"
    )
    written = []
    for held in sorted((scratch / "keys").glob("bucket=*")):
        rel = f"{CLAIM_KEYS.partition}={held.name.partition('=')[2]}/{name}"
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            "COPY (SELECT match_key, count(*) AS holders, list({'article_id': article_id, "
            "'sentence_index': sentence_index, 'claim_id': claim_id} "
            "ORDER BY article_id, sentence_index, claim_id) AS refs, file "
            f"FROM read_parquet({_literal(str(held / '*.parquet'))}) "
            f"GROUP BY match_key, file ORDER BY match_key, file) TO {_literal(str(target / rel))} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )
        written.append(rel)
    con.close()
    shutil.rmtree(scratch)
    return written


def reindex_claims(lake_root: Path, claim_files: Sequence[Path], staging: Path, run_id: str) -> int:
    """Write the key index anew for these claims files (all the claims table holds), replacing
    every file it held, in one Delta commit (compaction, migration); returns its version."""
    index_dir = lake_root / CLAIM_KEYS.path
    held = []
    if is_table(index_dir):
        held = [
            Path(uri).relative_to(index_dir).as_posix() for uri in open_table(index_dir).file_uris()
        ]
    added = write_claim_keys(claim_files, staging / CLAIM_KEYS.path, f"part-{run_id}.parquet")
    for rel in added:
        (index_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / CLAIM_KEYS.path / rel, index_dir / rel)
    return commit_files(index_dir, CLAIM_KEYS, added, held, run_id)


class KeyReader:
    """The claim key index of one snapshot: the row groups holding asked keys, read alone."""

    def __init__(self, index_files: Iterable[Path], claim_files: Iterable[str]) -> None:
        self.buckets: dict[int, list[Path]] = {}
        for path in index_files:
            bucket = int(path.parent.name.partition("=")[2])
            self.buckets.setdefault(bucket, []).append(path)
        self.live = pa.array(sorted(claim_files), pa.string())
        self._ranges: dict[Path, tuple[pq.ParquetFile, np.ndarray, np.ndarray]] = {}

    def rows(self, keys: Iterable[int], columns: Sequence[str]) -> pa.Table:
        """The index rows (these columns) of these keys from the snapshot's claims files."""
        asked = np.unique(np.fromiter(keys, np.int64))
        found = []
        for bucket in np.unique(np.mod(asked, BUCKETS)):
            mine = asked[np.mod(asked, BUCKETS) == bucket]
            for path in self.buckets.get(int(bucket), []):
                parquet, low, high = self._file(path)
                # a row group can hold a key when some asked key lies within its bounds
                groups = np.nonzero(
                    np.searchsorted(mine, high, "right") > np.searchsorted(mine, low, "left")
                )[0]
                if len(groups):
                    read = list(dict.fromkeys([*columns, "match_key", "file"]))
                    table = parquet.read_row_groups(groups.tolist(), columns=read)
                    wanted = pc.and_(
                        pc.is_in(table["match_key"], pa.array(mine)),
                        pc.is_in(table["file"], self.live),
                    )
                    found.append(table.filter(wanted).select(columns))
        if not found:
            return CLAIM_KEYS.schema.empty_table().select(columns)
        return pa.concat_tables(found)

    def _file(self, path: Path) -> tuple[pq.ParquetFile, np.ndarray, np.ndarray]:
        if path not in self._ranges:
            parquet = pq.ParquetFile(path)
            meta, column = parquet.metadata, parquet.schema_arrow.get_field_index("match_key")
            groups = range(meta.num_row_groups)
            stats = [meta.row_group(g).column(column).statistics for g in groups]
            low = np.array([s.min for s in stats], np.int64)
            high = np.array([s.max for s in stats], np.int64)
            self._ranges[path] = (parquet, low, high)
        return self._ranges[path]


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
