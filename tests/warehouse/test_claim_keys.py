"""The claim key index (claim_keys.py): every claim question answers the same through it as
by a scan of the claims, run after run, whatever the commits did to the claims files."""

import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from lake_rows import RUN1, RUN2

from newslake.transforms.claims.clusters import MAX_CLAIMS_PER_KEY as CLAIM_KEY_SHARERS
from newslake.transforms.claims.clusters import exact_key
from newslake.transforms.errors import LakeError
from newslake.transforms.records import ClaimRow, RunInfo, as_row
from newslake.warehouse import claim_keys
from newslake.warehouse import lake as lake_module
from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.compact import compact
from newslake.warehouse.lake import Commit, Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.schemas import CLAIMS

AT = RUN1.started_at
CROWDED = 5  # a key held by more claims than CLAIM_KEY_SHARERS: counted, never listed
KEYS = [exact_key("one"), exact_key("two"), 11, 12, 13, 14, 99, 100, CROWDED]


def claim(article_id: str, index: int, claim_id: str, keys: list[int], day: int = 0) -> ClaimRow:
    return ClaimRow(
        claim_id, article_id, index, "s", "Gazette", f"Claim {article_id} {index}.", "claim",
        [], None, "statement", AT + timedelta(days=day), keys, RUN1.run_id,
    )  # fmt: skip


FIRST = [
    claim("a", 0, "c1", [exact_key("one"), 11, 12, CROWDED]),
    claim("a", 1, "c2", [exact_key("two"), 12, 12, 13]),  # a key held twice counts twice
    claim("a", 2, "c3", [13, 14, CROWDED]),
    claim("b", 0, "c1", [exact_key("one"), 11, CROWDED]),
    claim("b", 1, "c4", [14, 100]),
]
CROWD = [claim(f"z{n}", 0, f"cz{n}", [CROWDED], day=1) for n in range(CLAIM_KEY_SHARERS - 2)]


def run(n: int) -> RunInfo:
    return RunInfo(f"run-{n}", AT + timedelta(hours=n))


def publish(lake: Lake, info: RunInfo, rows=(), remove=(), clear=False) -> None:
    with lake.writing(info, timeout_s=5) as commit:
        for rel, article_id in remove:
            commit.remove("claims", rel, [article_id])
        if clear:
            commit.clear_table("claims")
        commit.add("claims", map(as_row, rows))
        commit.publish()


CLUSTERS = ["c1", "c2", "c3", "c4", "c5", "c6", "c9", "cz0", "none"]


def answers(index: LakeIndex, keys=KEYS) -> dict:
    """The claim questions of a batch, about keys held by few claims, by many, and by none,
    and the heads of clusters held by one claim, by several, and by none."""
    return {
        "candidates": {k: sorted(v) for k, v in index.claim_candidates(keys).items()},
        "exact": index.claim_exact(keys),
        "heads": index.claim_heads(CLUSTERS),
    }


def both(lake: Lake, tmp_path, monkeypatch, prepare=None) -> tuple[dict, dict]:
    """The answers through the key index and by a scan of the same snapshot."""
    found = []
    for mode in ("index", "scan"):
        monkeypatch.setenv("NEWSLAKE_CLAIM_INDEX", mode)
        index = LakeIndex(Lake(lake.root), spill=tmp_path / mode / "index.duckdb")
        assert (index.claim_keys is None) == (mode == "scan")
        if prepare:
            prepare(index)
        found.append(answers(index))
        index.close()
    monkeypatch.delenv("NEWSLAKE_CLAIM_INDEX")
    return found[0], found[1]


def claims_file(lake: Lake) -> str:
    [path] = [p for p in lake.data_files(CLAIMS) if "2026-03-05" in p.as_posix()]
    return path.relative_to(lake.table_dir(CLAIMS)).as_posix()


def test_claims_are_found_alike_through_the_index_and_by_a_scan_across_runs(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST + CROWD)
    assert [p.parent.name for p in lake.data_files(CLAIM_KEYS)] == ["tier=2"]  # built whole
    indexed, scanned = both(lake, tmp_path / "1", monkeypatch)
    assert indexed == scanned
    assert CROWDED not in indexed["candidates"] and 99 not in indexed["candidates"]
    assert [ref for ref, *_ in indexed["candidates"][12]] == ["a:0", "a:1", "a:1"]
    assert indexed["exact"][CROWDED] == "c1"  # exact keys are answered however crowded
    # A later run rewrites the first file without b's claims, adds b's new ones and d's.
    later = [
        claim("b", 0, "c5", [exact_key("two"), 11, 100], day=2),
        claim("d", 0, "c9", [exact_key("one"), 13, 99], day=2),
    ]
    publish(lake, run(2), later, remove=[(claims_file(lake), "b")])
    assert sorted(p.parent.name for p in lake.data_files(CLAIM_KEYS)) == ["tier=0", "tier=2"]
    # CROWDED lost b:0: at the bound now, so its claims are candidates.
    indexed, scanned = both(lake, tmp_path / "2", monkeypatch)
    assert indexed == scanned
    assert len(indexed["candidates"][CROWDED]) == CLAIM_KEY_SHARERS
    assert [ref for ref, *_ in indexed["candidates"][11]] == ["a:0", "b:0"]

    def forget_and_remember(index: LakeIndex) -> None:
        index.forget_claims("a")  # a's text was replaced in this run
        index.remember_claims([claim("e", 0, "c6", [12, 13, exact_key("two"), CROWDED])])

    indexed, scanned = both(lake, tmp_path / "3", monkeypatch, forget_and_remember)
    assert indexed == scanned
    assert [ref for ref, *_ in indexed["candidates"][13]] == ["d:0", "e:0"]
    assert len(indexed["candidates"][CROWDED]) == CLAIM_KEY_SHARERS - 1
    # a's claims forgotten and b's old ones removed: c1 to c4 have no member left.
    assert indexed["heads"] == {
        "c5": ("b:0", "Claim b 0."),
        "c6": ("e:0", "Claim e 0."),
        "c9": ("d:0", "Claim d 0."),
        "cz0": ("z0:0", "Claim z0 0."),
    }


def test_a_run_staging_at_a_pinned_point_does_not_see_later_segments(tmp_path):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST)
    pinned = Lake(lake.root, dict(lake.versions()))
    publish(lake, run(2), [claim("d", 0, "c9", [11, 99], day=2)])
    old, new = LakeIndex(pinned), LakeIndex(Lake(lake.root))
    assert len(pinned.data_files(CLAIM_KEYS)) == 1 and old.claim_keys is not None
    assert 99 not in old.claim_candidates([11, 99]) and 99 in new.claim_candidates([11, 99])
    old.close()
    new.close()


def test_a_commit_removing_every_claim_leaves_an_empty_index(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST + CROWD)
    publish(lake, run(2), clear=True)
    assert lake.data_files(CLAIMS) == [] and lake.data_files(CLAIM_KEYS) == []
    indexed, scanned = both(lake, tmp_path / "1", monkeypatch)
    assert indexed == scanned == {"candidates": {}, "exact": {}, "heads": {}}
    publish(lake, run(3), FIRST)  # claims again: indexed whole
    indexed, scanned = both(lake, tmp_path / "2", monkeypatch)
    assert indexed == scanned and indexed["candidates"][CROWDED]


def test_claims_written_anew_replace_every_segment(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST)
    publish(lake, run(2), CROWD)
    publish(lake, run(3), FIRST[:2], clear=True)  # as a reprocess regroups every claim
    assert [p.parent.name for p in lake.data_files(CLAIM_KEYS)] == ["tier=2"]
    indexed, scanned = both(lake, tmp_path, monkeypatch)
    assert indexed == scanned and indexed["candidates"][CROWDED] == [("a:0", "c1", "Claim a 0.")]


def test_segments_past_the_bound_are_merged_in_the_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(lake_module, "MAX_SEGMENTS", 3)
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), CROWD)
    file = None
    for n in range(2, 7):
        rows = [claim(f"r{n}", i, f"c{n}{i}", [11, 12 + i, CROWDED], day=n) for i in range(3)]
        removed = [(file, f"r{n - 1}")] if file else []
        publish(lake, run(n), rows, remove=removed)
        file = next(
            p.relative_to(lake.table_dir(CLAIMS)).as_posix()
            for p in lake.data_files(CLAIMS)
            if f"2026-03-{5 + n:02d}" in p.as_posix()
        )
        assert len(lake.data_files(CLAIM_KEYS)) <= 3
        indexed, scanned = both(lake, tmp_path / str(n), monkeypatch)
        assert indexed == scanned
    tiers = sorted(p.parent.name for p in lake.data_files(CLAIM_KEYS))
    assert "tier=1" in tiers
    assert [ref for ref, *_ in indexed["candidates"][11]] == ["r6:0", "r6:1", "r6:2"]


def test_compaction_builds_the_index_anew_for_the_merged_claims(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST)
    publish(lake, run(2), [replace(c, article_id=f"{c.article_id}2") for c in FIRST])
    before, _ = both(lake, tmp_path / "1", monkeypatch)
    with lake.writing(replace(RUN2, run_id="compact"), timeout_s=5) as commit:
        merged = compact(commit)
    assert merged["claims"] == 2 and merged["claim_keys"] == 2
    assert len(lake.data_files(CLAIMS)) == 1 and len(lake.data_files(CLAIM_KEYS)) == 1
    indexed, scanned = both(lake, tmp_path / "2", monkeypatch)
    assert indexed == scanned == before


def test_a_lake_without_an_index_is_scanned_then_indexed_by_its_next_commit(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    with monkeypatch.context() as patched:  # as a lake written before the index
        patched.setattr(Commit, "_index_claims", lambda self, added, removed: None)
        publish(lake, run(1), FIRST + CROWD)
    assert CLAIM_KEYS.name not in lake.versions()
    index = LakeIndex(Lake(lake.root))
    assert index.claim_keys is None
    scanned = answers(index)
    index.close()
    publish(lake, run(2), [claim("d", 0, "c9", [11], day=3)])
    index = LakeIndex(Lake(lake.root))
    assert index.claim_keys is not None
    after = answers(index)
    assert after["candidates"][11] == [*scanned["candidates"][11], ("d:0", "c9", "Claim d 0.")]
    index.close()


def test_an_index_that_misses_a_claims_file_is_not_used(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST)
    with monkeypatch.context() as patched:  # a writer that does not keep the index
        patched.setattr(Commit, "_index_claims", lambda self, added, removed: None)
        publish(lake, run(2), [claim("d", 0, "c9", [11], day=3)])
    index = LakeIndex(Lake(lake.root))
    assert index.claim_keys is None  # scanned: the answers stay right
    assert sorted(ref for ref, *_ in index.claim_candidates([11])[11]) == ["a:0", "b:0", "d:0"]
    index.close()
    publish(lake, run(3), [claim("e", 0, "c8", [11], day=4)])  # the next commit builds it whole
    assert [p.parent.name for p in lake.data_files(CLAIM_KEYS)] == ["tier=2"]
    indexed, scanned = both(lake, tmp_path, monkeypatch)
    assert indexed == scanned
    assert [ref for ref, *_ in indexed["candidates"][11]] == ["a:0", "b:0", "d:0", "e:0"]


def test_a_killed_runs_segment_is_ignored_and_undone(tmp_path, monkeypatch):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST)

    def killed(self, versions):
        raise LakeError("killed before the commit point")

    with monkeypatch.context() as patched, pytest.raises(LakeError):
        patched.setattr(Commit, "record", killed)
        publish(lake, run(2), [claim("d", 0, "c9", [11, 99], day=2)])
    # The index's Delta table went past the point; readers keep to the point.
    reader = Lake(lake.root)
    assert len(reader.data_files(CLAIM_KEYS)) == 1
    indexed, scanned = both(lake, tmp_path / "1", monkeypatch)
    assert indexed == scanned and 99 not in indexed["candidates"]
    publish(lake, run(3), [claim("e", 0, "c8", [11], day=3)])  # recover undoes the dead run's
    indexed, scanned = both(lake, tmp_path / "2", monkeypatch)
    assert indexed == scanned and 99 not in indexed["candidates"]
    assert [ref for ref, *_ in indexed["candidates"][11]] == ["a:0", "b:0", "e:0"]


def test_a_segment_built_in_many_key_ranges_answers_alike(tmp_path, monkeypatch):
    monkeypatch.setattr(claim_keys, "_RANGE_PAIRS", 4)  # many ranges of keys
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST + CROWD)
    publish(lake, run(2), [claim("d", 0, "c9", [exact_key("one"), 11], day=3)])
    indexed, scanned = both(lake, tmp_path, monkeypatch)
    assert indexed == scanned and len(indexed["candidates"][exact_key("one")]) == 3


def test_segments_without_the_cluster_index_leave_heads_to_a_scan_until_the_next_commit(
    tmp_path, monkeypatch
):
    lake = Lake(tmp_path / "lake")
    publish(lake, run(1), FIRST + CROWD)
    publish(lake, run(2), [claim("d", 0, "c9", [11], day=3), claim("d", 1, "c1", [12], day=3)])
    asked = []
    members = claim_keys.ClaimKeys.members
    monkeypatch.setattr(
        claim_keys.ClaimKeys, "members", lambda self, ids: asked.append(ids) or members(self, ids)
    )
    index = LakeIndex(Lake(lake.root))
    assert index.claim_keys is not None and index.claim_keys.by_cluster
    through_index = answers(index)
    index.close()
    assert asked and through_index["heads"]["c1"] == ("a:0", "Claim a 0.")
    [older] = [p for p in lake.data_files(CLAIM_KEYS) if p.parent.name == "tier=2"]
    with closing(sqlite3.connect(older)) as con:  # as the code before claims_by_cluster wrote it
        con.execute("DROP INDEX claims_by_cluster")
    asked.clear()
    index = LakeIndex(Lake(lake.root))
    assert index.claim_keys is not None and not index.claim_keys.by_cluster
    assert answers(index) == through_index
    index.close()
    assert not asked  # the claims were scanned for the heads
    # The next commit of claims replaces the old segment by a copy indexed by cluster.
    publish(lake, run(3), [claim("e", 0, "c1", [13], day=4)])
    segments = Lake(lake.root).data_files(CLAIM_KEYS)
    assert older not in segments and len(segments) == 3
    assert all(claim_keys.has_cluster_index(path) for path in segments)
    indexed, scanned = both(lake, tmp_path, monkeypatch)
    assert asked and indexed == scanned
    assert indexed["heads"]["c1"] == ("a:0", "Claim a 0.")


def test_a_segment_is_the_same_written_in_one_range_or_many(tmp_path, monkeypatch):
    files = []
    for n, keys in enumerate([[[5, 5, 9], [1], None], [[9, 2], [5, 7, 1]], [[7], [2, 2]]]):
        path = tmp_path / f"part-{n}.parquet"
        rows = len(keys)
        table = {
            "article_id": [f"a{n}"] * rows,
            "sentence_index": list(range(rows)),
            "claim_id": [f"c{n}{i}" for i in range(rows)],
            "text": [f"Claim {n} {i}." for i in range(rows)],
            "match_keys": pa.array(keys, pa.list_(pa.int64())),
        }
        pq.write_table(pa.table(table), path)
        files.append((f"day=1/{path.name}", path))

    def contents(target):
        claim_keys.write_segment(target, files[:2], files[2:])
        with closing(sqlite3.connect(target)) as con:
            tables = ("holders", "counts", "claims", "files", "gone")
            return {t: sorted(con.execute(f"SELECT * FROM {t}")) for t in tables}

    whole = contents(tmp_path / "whole.sqlite")
    monkeypatch.setattr(claim_keys, "_RANGE_PAIRS", 2)
    monkeypatch.setattr(claim_keys, "_SAMPLE_EVERY", 1)
    ranged = contents(tmp_path / "ranged.sqlite")
    assert ranged == whole
    assert whole["holders"] == [
        (1, 1, 1), (1, 4, 1), (2, 3, 1), (5, 0, 2), (5, 4, 1), (7, 4, 1), (9, 0, 1), (9, 3, 1)
    ]  # fmt: skip
    assert dict(whole["counts"]) == {1: 2, 2: -1, 5: 3, 9: 2}  # key 7's one holding lost
    assert not list(tmp_path.glob("*.spill"))
