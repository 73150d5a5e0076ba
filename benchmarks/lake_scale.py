"""Benchmark whether a run's cost grows with the lake: 1,000 new real pages ingested into a
large synthetic lake and into an empty one, then a no-change run on the large lake.

The large lake is written through the project's own writer (`Lake.writing` and each staged
table's `add_arrow`, one file per table and day, sorted as the writer sorts; CHUNK_DAYS days a
commit), in the layout of every table: bronze pages and fetch_log, silver articles,
story_index and claims, and gold computed from them by `refresh_gold`. Its values have the
shape of real ones: distinct 16-hex ids, content hashes and story ids shared by copies, LSH
band keys and claim match keys shared as real ones are (copies share most, stock keys are
shared by many), dates over three years.
The new pages are copies of ../shared/corpus/extraction-dev (NEWSLAKE_SHARED overrides
../shared), made distinct as ingest_files.py makes them; the benchmark skips when it is absent.
Each ingest is `newslake run` in a subprocess: flow seconds from its summary, peak RSS summed
over its process tree.

    .venv/bin/python benchmarks/lake_scale.py [--articles 1000000] [--claims 25000000]
        [--pages 1000] [--keep DIR] [--probe-only | --index-only]

`--index-only` synthesises the lake without gold (the slowest part of building a large one)
and measures only the lake index's questions on it. Otherwise the page and lookup key
segments, which the writer keeps after every commit, are built on the copy first (as the first
run after an upgrade does), timed and reported apart from the runs. `--probe-only` then
measures only the lake index's questions and gold on their own.

`--keep DIR` keeps the synthetic lake in DIR and reuses it when DIR already holds one (each
measurement runs on a copy), so that two versions of the code can be measured on one lake;
it computes the gold of a kept lake a synthesis left without (stopped in gold).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ingest_files import PYTHON, BenchError, base_env, ingest, load_corpus, log, make_copy, run

from newslake.transforms.records import RunInfo
from newslake.transforms.stories import DEFAULT_SETTINGS
from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.lake import Lake, partition_dir
from newslake.warehouse.schemas import (
    ARTICLES,
    CLAIM_CLUSTERS,
    CLAIMS,
    FETCH_LOG,
    PAGES,
    STORY_INDEX,
    TABLES,
    TableSpec,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSLAKE_SHARED", REPO.parent / "shared"))
DAYS = 3 * 365  # the lake's history
FIRST_DAY = date(2023, 1, 1)
OUTLETS = 400
STORY_SHARE = 0.3  # articles that copy another article of the same day (wire copies)
SAME_TEXT_SHARE = 0.03  # copies with the very same text (content hash)
FAILED_SHARE = 0.05  # pages that became no article (parse_error)
RECURRING_CLAIMS = 0.2  # claims restating an earlier claim (same cluster, same exact key)
STOCK_KEYS = 50  # band keys of boilerplate shared by many articles
CLAIM_PAIR_KEYS = 6  # pairs of rare words per claim (claims.clusters.RARE_WORDS = 4)
CLAIM_VECTOR_BANDS = 8  # embedding bands of 8 bits: 256 values each, shared very widely
TARGET_RATIO, TARGET_IDLE_S = 1.5, 3.0
# Days per synthesis commit. Each commit indexes only its own claims (one claim key segment), so
# the index is never built whole over 25M claims: that build reads every claims file once per
# 5M holdings (75 times at 1M / 25M). Five commits stay well under the index's merge threshold.
CHUNK_DAYS = 219
MB = 1 << 20
_HEX = np.array([ord(c) for c in "0123456789abcdef"], np.uint8)
_WORDS = (
    "government minister said percent rate bank growth election council police report "
    "company shares market prices energy health hospital school court judge city water "
    "budget million billion year week inflation tax export import workers union strike"
).split()


def hex16(values: np.ndarray) -> pa.Array:
    """16-hex-digit strings of uint64 values, vectorised (the shape of transforms' ids)."""
    nibbles = np.empty((len(values), 16), np.uint8)
    for i in range(16):
        nibbles[:, 15 - i] = (values >> np.uint64(4 * i)) & np.uint64(15)
    chars = _HEX[nibbles]
    return pa.array(chars.view("S16").ravel(), pa.binary()).cast(pa.string())


def lists(values: pa.Array, width: int, type_: pa.DataType) -> pa.Array:
    """Consecutive runs of `width` values as one list each."""
    offsets = pa.array(np.arange(0, len(values) + 1, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, values, type=pa.list_(type_))


def empty_lists(rows: int, type_: pa.DataType) -> pa.Array:
    """`rows` empty lists."""
    return pa.ListArray.from_arrays(pa.array(np.zeros(rows + 1, np.int32)), pa.array([], type_))


def join(*parts: pa.Array | str) -> pa.Array:
    """Strings joined element-wise (scalars broadcast)."""
    return pc.binary_join_element_wise(*parts, "")


class Synth:
    """One day at a time of every bronze and silver table, as Arrow in the tables' schemas."""

    def __init__(self, articles: int, claims: int, seed: int = 24) -> None:
        self.rng = np.random.default_rng(seed)
        self.per_day = np.full(DAYS, articles // DAYS) + (np.arange(DAYS) < articles % DAYS)
        self.claims_per_day = np.full(DAYS, claims // DAYS) + (np.arange(DAYS) < claims % DAYS)
        self.recent_claims = np.zeros(0, np.uint64)  # claim ids and exact keys to restate
        self.recent_exact = np.zeros(0, np.int64)
        self.stock = self.rng.integers(0, 2**63, STOCK_KEYS, dtype=np.uint64)

    def ids(self, n: int) -> np.ndarray:
        """Distinct random 64-bit values (collisions are negligible at these sizes)."""
        return self.rng.integers(0, 2**64, n, dtype=np.uint64)

    def day(self, index: int) -> dict[str, pa.Table]:
        """Every table's rows for one day of the lake's history."""
        day = FIRST_DAY + timedelta(days=index)
        run = f"synthetic-{day.isoformat()}"
        start = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        n, rng = int(self.per_day[index]), self.rng
        pages = int(n / (1 - FAILED_SHARE))
        at = pa.array([start] * pages, pa.timestamp("us", tz="UTC"))  # one run a day stored them
        page_ids, article_ids = hex16(self.ids(pages)), hex16(self.ids(n))
        outlet_no = rng.integers(0, OUTLETS, pages)
        outlets = pa.array(np.char.add("outlet", outlet_no.astype(str)))
        urls = join("https://www.", outlets, f".example/{day:%Y/%m/%d}/", hex16(self.ids(pages)))
        source = join("web:", outlets)
        body = join("<html><body><p>synthetic page ", page_ids, "</p></body></html>")
        tables = {
            "pages": self._pages(page_ids, urls, source, body, at, run),
            "fetch_log": self._log(page_ids, article_ids, urls, source, at, run),
        }
        first = slice(0, n)
        published = pa.array(
            start - timedelta(hours=6) + timedelta(seconds=int(s))
            for s in rng.integers(0, 86_400, n)
        ).cast(pa.timestamp("us", tz="UTC"))
        story_of = np.arange(n)
        copies = rng.random(n) < STORY_SHARE
        story_of[copies] = rng.integers(0, max(n // 2, 1), int(copies.sum()))
        story_of = np.minimum(story_of, np.arange(n))  # a copy follows an earlier article
        while not np.array_equal(story_of[story_of], story_of):
            story_of = story_of[story_of]  # ... and joins that article's story
        article_hex = article_ids
        story_ids = article_hex.take(pa.array(story_of))
        text_ids = hex16(self.ids(n))
        same_text = copies & (rng.random(n) < SAME_TEXT_SHARE / STORY_SHARE)
        text_ids = pc.if_else(pa.array(same_text), text_ids.take(pa.array(story_of)), text_ids)
        tables["articles"] = self._articles(
            article_ids, page_ids[first], urls[first], outlets[first], source[first],
            published, text_ids, story_ids, story_of, at[first], run,
        )  # fmt: skip
        tables["story_index"] = self._story_index(
            article_ids, story_ids, story_of, published, at[first], run
        )
        tables["claims"] = self._claims(
            index, article_ids, story_ids, outlets[first], published, run
        )
        return tables

    def _pages(
        self, page_ids: pa.Array, urls: pa.Array, source: pa.Array, body: pa.Array,
        at: pa.Array, run: str,
    ) -> pa.Table:  # fmt: skip
        n = len(page_ids)
        etags = join('"', page_ids, '"')
        return pa.table(
            {
                "page_id": page_ids,
                "source": source,
                "url": urls,
                "final_url": urls,
                "status": pa.array(np.full(n, 200, np.int32)),
                "content_type": pa.array(["text/html"] * n),
                "charset": pa.array(["utf-8"] * n),
                "etag": etags,
                "last_modified": pa.nulls(n, pa.string()),
                "body": body.cast(pa.binary()),
                "body_sha256": join(page_ids, page_ids, page_ids, page_ids),
                "fetched_at": at,
                "run_id": pa.array([run] * n),
            },
            schema=PAGES.schema,
        )

    def _log(
        self, page_ids: pa.Array, article_ids: pa.Array, urls: pa.Array, source: pa.Array,
        at: pa.Array, run: str,
    ) -> pa.Table:  # fmt: skip
        n, ok = len(page_ids), len(article_ids)
        failed = n - ok
        return pa.table(
            {
                "url": urls,
                "source": source,
                "outcome": pa.array(["ok"] * ok + ["parse_error"] * failed),
                "status": pa.array(np.full(n, 200, np.int32)),
                "error": pa.array([None] * ok + ["no article text found"] * failed, pa.string()),
                "attempts": pa.array(np.ones(n, np.int32)),
                "elapsed_ms": pa.array(self.rng.integers(20, 900, n)),
                "page_id": page_ids,
                "article_id": pa.concat_arrays([article_ids, pa.nulls(failed, pa.string())]),
                "run_id": pa.array([run] * n),
                "logged_at": at,
                "encoding": pa.array(["UTF-8"] * n),
                "encoding_rule": pa.array(["http"] * n),
            },
            schema=FETCH_LOG.schema,
        )

    def _articles(
        self, ids: pa.Array, page_ids: pa.Array, urls: pa.Array, outlets: pa.Array,
        source: pa.Array, published: pa.Array, text_ids: pa.Array, story_ids: pa.Array,
        story_of: np.ndarray, at: pa.Array, run: str,
    ) -> pa.Table:  # fmt: skip
        n = len(ids)
        words = self.rng.integers(150, 1500, n).astype(np.int32)
        # Each story's representative as gold settles it (earliest, then longest, then lowest
        # id), as in a lake whose runs all refreshed gold.
        order = np.lexsort((np.array(ids.to_pylist()), -words,
                            published.cast(pa.int64()).to_numpy(), story_of))  # fmt: skip
        heads = np.r_[True, story_of[order][1:] != story_of[order][:-1]]
        canon = np.zeros(n, bool)
        canon[order[heads]] = True
        text = join("Synthetic article ", text_ids, ". ", " ".join(_WORDS))
        day = published.cast(pa.timestamp("us")).cast(pa.date32())
        return pa.table(
            {
                "article_id": ids,
                "page_id": page_ids,
                "url": urls,
                "canonical_url": urls,
                "outlet": outlets,
                "source": source,
                "title": join("Headline ", ids),
                "authors": empty_lists(n, pa.string()),
                "published_at": published,
                "published_offset_minutes": pa.array(np.zeros(n, np.int32)),
                "published_day": day,
                "date_source": pa.array(["jsonld"] * n),
                "date_confidence": pa.array(["medium"] * n),
                "is_updated": pa.array(np.zeros(n, bool)),
                "date_candidates": empty_lists(n, ARTICLES.schema.field("date_candidates")
                                               .type.value_type),
                "language": pa.array(["en"] * n),
                "text": text,
                "word_count": pa.array(words),
                "content_hash": join(text_ids, text_ids),
                "story_id": story_ids,
                "is_story_canonical": pa.array(canon),
                "access": pa.array(["full"] * n),
                "topics": empty_lists(n, pa.string()),
                "topic_hits": empty_lists(n, ARTICLES.schema.field("topic_hits")
                                          .type.value_type),
                "first_seen_at": at,
                "updated_at": at,
                "run_id": pa.array([run] * n),
            },
            schema=ARTICLES.schema,
        )  # fmt: skip

    def _story_index(
        self, ids: pa.Array, story_ids: pa.Array, story_of: np.ndarray, published: pa.Array,
        at: pa.Array, run: str,
    ) -> pa.Table:  # fmt: skip
        n, rng = len(ids), self.rng
        settings = DEFAULT_SETTINGS
        bands = settings.bands + settings.lead_perm // settings.lead_rows
        width = settings.signature_length
        keys = self.ids(n * bands).reshape(n, bands)
        sigs = rng.integers(-(2**63), 2**63 - 1, (n, width), dtype=np.int64)
        shared = rng.random((n, bands)) < 0.6  # a copy shares most of its story's keys
        keys = np.where(shared, keys[story_of], keys)
        sigs = np.where(np.repeat(shared, 4, axis=1)[:, :width], sigs[story_of], sigs)
        stock = rng.random(n) < 0.1  # boilerplate: one key shared by a crowd of articles
        keys[stock, bands - 1] = rng.choice(self.stock, int(stock.sum()))
        band_no = pa.array(np.tile(np.arange(bands), n).astype(str))
        flat = join(band_no, ":", hex16(keys.ravel()))
        return pa.table(
            {
                "article_id": ids,
                "story_id": story_ids,
                "published_at": published,
                "band_keys": lists(flat, bands, pa.string()),
                "signature": lists(pa.array(sigs.ravel()), width, pa.int64()),
                "indexed_at": at,
                "run_id": pa.array([run] * n),
            },
            schema=STORY_INDEX.schema,
        )

    def _claims(
        self, day_no: int, ids: pa.Array, story_ids: pa.Array, outlets: pa.Array,
        published: pa.Array, run: str,
    ) -> pa.Table:  # fmt: skip
        n, rng = int(self.claims_per_day[day_no]), self.rng
        article = np.sort(rng.integers(0, len(ids), n))
        first_of = np.searchsorted(article, article)
        sentence = (np.arange(n) - first_of).astype(np.int32)
        claim_ids, exact = self.ids(n), rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
        again = (rng.random(n) < RECURRING_CLAIMS) & (len(self.recent_claims) > 0)
        if again.any():
            pick = rng.integers(0, len(self.recent_claims), int(again.sum()))
            claim_ids[again], exact[again] = self.recent_claims[pick], self.recent_exact[pick]
        self.recent_claims = np.concatenate([self.recent_claims, claim_ids[~again]])[-100_000:]
        self.recent_exact = np.concatenate([self.recent_exact, exact[~again]])[-100_000:]
        # Rare-word pairs: mostly rare (a vocabulary of pairs twice the claims), some common
        # (a tenth of them from a few thousand pairs); embedding bands of 256 values each.
        pairs = rng.integers(0, 2 * len(self.per_day) * n + 1, (n, CLAIM_PAIR_KEYS))
        common = rng.random((n, CLAIM_PAIR_KEYS)) < 0.1
        pairs[common] = rng.integers(0, 3000, int(common.sum())) - 3000
        pairs = pairs.astype(np.int64) * 7919
        vector = rng.integers(0, 256, (n, CLAIM_VECTOR_BANDS)) + np.arange(CLAIM_VECTOR_BANDS)
        keys = np.hstack([exact[:, None], pairs, vector * 1_000_003 + 17])
        words = pa.array(np.array(_WORDS)[rng.integers(0, len(_WORDS), n)])
        figure = pa.array(rng.integers(1, 1000, n).astype(str))
        exact_hex = hex16(exact.view(np.uint64))
        text = join("The ", words, " rose by ", figure, " percent, officials said (", exact_hex,
                    ").")  # fmt: skip
        take = pa.array(article)
        return pa.table(
            {
                "claim_id": hex16(claim_ids),
                "article_id": ids.take(take),
                "sentence_index": pa.array(sentence),
                "story_id": story_ids.take(take),
                "outlet": outlets.take(take),
                "text": text,
                "normalised": pc.utf8_lower(join("the ", words, " rose by <num> percent ",
                                                 exact_hex)),
                "quantities": empty_lists(n, CLAIMS.schema.field("quantities").type.value_type),
                "attributed_to": pa.array(["officials"] * n),
                "rule": pa.array(["figure"] * n),
                "published_at": published.take(take),
                "match_keys": lists(pa.array(keys.ravel()), keys.shape[1], pa.int64()),
                "run_id": pa.array([run] * n),
            },
            schema=CLAIMS.schema,
        )  # fmt: skip


def synthesise(
    root: Path, articles: int, claims: int, gold: bool = True, index_only: bool = False
) -> None:
    """Write the synthetic lake through the lake's writer, CHUNK_DAYS days a commit, then its
    gold tables unless `gold` is false (with `index_only`, without its claim key index:
    `index_report` builds it). A kept lake whose bronze and silver are complete only gets the
    gold it lacks (a synthesis stopped while computing gold); a partial one is an error."""
    lake = Lake(root)
    if (root / ARTICLES.path).is_dir():
        held = rows(lake, ARTICLES)
        if held != articles:
            raise BenchError(f"{root} holds {held:,} articles, not {articles:,}: remove it")
    else:
        started = time.perf_counter()
        synth = Synth(articles, claims)
        for first in range(0, DAYS, CHUNK_DAYS):
            commit_days(lake, synth, range(first, min(first + CHUNK_DAYS, DAYS)), index_only)
        log(f"bronze and silver written in {time.perf_counter() - started:.0f} s")
    if not gold or CLAIM_CLUSTERS.name in lake.versions():
        return
    started = time.perf_counter()
    run = RunInfo("synthetic-gold", datetime(2025, 12, 31, tzinfo=UTC))
    refresh_gold(lake, run, touched=[None], claims_changed=True)
    log(f"gold computed in {time.perf_counter() - started:.0f} s")


def commit_days(lake: Lake, synth: Synth, days: range, index_only: bool) -> None:
    """One commit of these days of every bronze and silver table (with its claim key index
    segment unless `index_only`)."""
    run = RunInfo(f"synthetic-history-{days.start:04d}", datetime(2025, 12, 31, tzinfo=UTC))
    with lake.writing(run, timeout_s=60) as commit:
        commit.index_claims = not index_only  # the index is built and timed on its own
        for index in days:
            for name, table in synth.day(index).items():
                staged = commit.tables[name]
                for part, part_rows in partitions(staged.spec, table):
                    staged.add_arrow(part, part_rows)
                    staged.finish(part)
            if index % 100 == 99:
                log(f"synthesised {index + 1} of {DAYS} days")
        commit.publish()
    log(f"committed days {days.start + 1}-{days.stop}")


def partitions(spec: TableSpec, table: pa.Table) -> list[tuple[str, pa.Table]]:
    """The table (one day's rows) under the partition directory the writer chooses for it."""
    return [(partition_dir(spec, table.slice(0, 1).to_pylist()[0]), table)] if len(table) else []


# The peak RSS (MB) of a probe or build process itself. Linux keeps ru_maxrss across fork and
# exec, so a probe started by the process that synthesised the lake reported that process's
# peak; VmHWM belongs to the process's own memory map.
PEAK_MB = """
import resource
def peak_mb():
    try:
        status = open("/proc/self/status").read()
        return int(status.split("VmHWM:")[1].split()[0]) // 1024
    except (OSError, IndexError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
"""

# The lake index's cost on its own, in a fresh process: opening it, then the questions one
# batch asks (keys sampled from the lake beforehand, half of them known), and the gold refresh
# a run ends with: with nothing new, after a run's new claims, and recomputing everything.
# Prints JSON: seconds per step and peak RSS (of the index's steps).
PROBE = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
import duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
from newslake.transforms.records import RunInfo
from newslake.warehouse.claim_keys import CLAIM_KEYS
from newslake.warehouse.gold import refresh_gold
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.schemas import CLAIMS
lake, work = Lake(sys.argv[1]), Path(sys.argv[2])
def sample(table, column, n=64, unnest=False):
    glob = str(lake.root / table / "*" / "*.parquet")
    value = f"unnest({column})" if unnest else column
    rows = con.execute(f"SELECT {value} FROM read_parquet(?) USING SAMPLE {n} ROWS", [glob])
    return [v for (v,) in rows.fetchall()]
fresh = [f"{i:016x}" for i in range(64)]  # half of each batch's keys are new to the lake
pages = sample("bronze/fetch_log", "page_id") + fresh
urls = sample("bronze/pages", "url") + [f"https://new.example/{i}" for i in range(64)]
ids = sample("silver/articles", "article_id") + fresh
hashes = sample("silver/articles", "content_hash") + fresh
bands = sample("silver/story_index", "band_keys", 64, True)  # 64 articles' keys
bands += [f"{i % 72}:{i:016x}" for i in range(len(bands))]
keys = sample("silver/claims", "match_keys", 1600, True)  # claims of 64 articles
keys += list(range(-len(keys), 0))
exact = sample("silver/claims", "match_keys[1]", 1600) + list(range(-1600, 0))
clusters = sample("silver/claims", "claim_id", 200)
times = {}
def timed(name, call):
    started = time.perf_counter()
    call()
    times[name] = round(time.perf_counter() - started, 3)
index = None
def open_index():
    global index
    index = LakeIndex(lake, spill=work / "index.duckdb")
timed("open", open_index)
timed("known_pages", lambda: index.known_pages(pages))
timed("known_urls", lambda: index.known_urls(urls))
timed("find", lambda: index.find(ids, hashes))
timed("story_candidates", lambda: index.story_candidates(bands))
timed("claim_exact", lambda: index.claim_exact(exact))
timed("claim_candidates", lambda: index.claim_candidates(keys))
timed("claim_heads", lambda: index.claim_heads(clusters))
index.close()
times["batch"] = round(sum(v for k, v in times.items() if k != "open"), 3)
times["index_rss_mb"] = peak_mb()
idle = RunInfo("probe-idle", datetime.now(UTC))
timed("gold_idle", lambda: refresh_gold(lake, idle, [], stories=()))
from newslake.warehouse.views import build_warehouse
timed("views_idle", lambda: build_warehouse(lake))  # no table moved since the last build
# A run's new claims: 64 new articles of 25 claims (copies of stored ones) published on the
# lake's last day, half of them joining a stored cluster, half starting one; 64 stories touched.
columns = ", ".join(f'"{name}"' for name in CLAIMS.schema.names)
glob = str(lake.root / CLAIMS.path / "*" / "*.parquet")
added = con.execute(f"SELECT {columns} FROM read_parquet(?) USING SAMPLE 1600 ROWS", [glob])
added = added.to_arrow_table().to_pylist()
(latest,) = con.execute("SELECT max(published_at) FROM read_parquet(?)", [glob]).fetchone()
for n, row in enumerate(added):
    row["article_id"], row["sentence_index"] = f"probe{n // 25:011d}", n % 25
    row["published_at"] = latest
    if n % 2:
        row["claim_id"] = f"{n:016x}"
run = RunInfo("probe-claims", datetime.now(UTC))
with lake.writing(run, timeout_s=60) as commit:
    commit.add("claims", added)
    commit.publish()
changed, stories = {row["claim_id"] for row in added}, sample("silver/articles", "story_id")
timed("gold_claims", lambda: refresh_gold(lake, run, [], changed_claims=changed, stories=stories))
full = RunInfo("probe-full", datetime.now(UTC))  # every cluster and story, as before issue 24
timed("gold_full", lambda: refresh_gold(lake, full, [], claims_changed=True))
print(json.dumps(times))
"""


def probe(lake: Path, work: Path, gold: bool = True) -> dict[str, float]:
    """The lake index's and (with `gold`) the gold refresh's own costs on `lake` (see PROBE)."""
    work.mkdir(parents=True, exist_ok=True)
    code = PROBE if gold else PROBE.split("idle = RunInfo")[0] + "print(json.dumps(times))\n"
    cmd = [PYTHON, "-c", PEAK_MB + code, lake, work]
    done = run(cmd, dict(os.environ), work)
    return json.loads(done.stdout.strip().splitlines()[-1])


# The claim key index built whole in a process of its own (its peak RSS is its own, and the
# probes after it do not inherit it). Prints JSON: seconds and peak RSS.
BUILD = """
import json, sys, time
from datetime import UTC, datetime
from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
started = time.perf_counter()
with Lake(sys.argv[1]).writing(RunInfo("index-claims", datetime.now(UTC)), 60) as commit:
    commit.reindex_claims()
rss = peak_mb()
print(json.dumps({"build_s": round(time.perf_counter() - started, 1), "build_rss_mb": rss}))
"""


# What a run's commit does after publishing, on a lake that has none of it yet (the first run
# after an upgrade): the page and lookup key segments built from every file. Prints JSON.
KEEP = """
import json, sys, time
from newslake.warehouse.lake import Lake
from newslake.warehouse.lookup_keys import keep_lookup_keys
from newslake.warehouse.page_keys import keep_page_keys
times = {}
for name, keep in (("page_keys_s", keep_page_keys), ("lookup_keys_s", keep_lookup_keys)):
    started = time.perf_counter()
    keep(Lake(sys.argv[1]))
    times[name] = round(time.perf_counter() - started, 1)
times["keep_rss_mb"] = peak_mb()
print(json.dumps(times))
"""


def keep_indexes(lake: Path, work: Path) -> dict[str, float]:
    """Build the lake's page and lookup key segments (see KEEP), in a process of its own."""
    work.mkdir(parents=True, exist_ok=True)
    done = run([PYTHON, "-c", PEAK_MB + KEEP, lake], dict(os.environ), work)
    return json.loads(done.stdout.strip().splitlines()[-1])


def index_report(lake: Path, tmp: Path) -> str:
    """The claim key index built whole (seconds, peak RSS, MB on disk against the claims
    table) unless the lake has one, then the lake index's questions scanning the claims and
    through the key index, in turn, twice."""
    built = "kept"
    if CLAIM_KEYS.name not in Lake(lake).versions():
        work = tmp / "build"
        work.mkdir()
        done = run([PYTHON, "-c", PEAK_MB + BUILD, lake], dict(os.environ), work)
        built = done.stdout.strip().splitlines()[-1]
    index_mb, claims_mb = disk_mb(lake / CLAIM_KEYS.path), disk_mb(lake / CLAIMS.path)
    lines = [f"claim key index: {built}, {index_mb:.0f} MB ({claims_mb:.0f} MB claims)"]
    log(lines[0])
    for turn, mode in enumerate(["scan", "index", "scan", "index"]):
        os.environ["NEWSLAKE_CLAIM_INDEX"] = mode
        try:
            found = probe(lake, tmp / f"probe-{turn}", gold=False)
        finally:
            del os.environ["NEWSLAKE_CLAIM_INDEX"]
        log(f"{mode}: {found}")
        lines.append(f"  {mode}: {json.dumps(found)}")
    return "\n".join(lines)


def rows(lake: Lake, spec: TableSpec) -> int:
    """Rows of a table, from its files' footers."""
    return sum(pq.read_metadata(path).num_rows for path in lake.data_files(spec))


def disk_mb(path: Path) -> float:
    """Megabytes of the files under `path`."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MB


def new_pages(count: int, dest: Path) -> Path:
    """`count` distinct real pages: copies of the extraction-dev corpus, as ingest_files.py
    makes them."""
    corpus = load_corpus(SHARED / "corpus" / "extraction-dev")
    dest.mkdir(parents=True)
    for n in range(count):
        page_id, html = list(corpus.items())[n % len(corpus)]
        k = 1000 + n // len(corpus)  # copy numbers no other benchmark lake holds
        (dest / f"{page_id}-{k}.html").write_bytes(make_copy(html, k))
    return dest


def main(argv: list[str] | None = None) -> int:
    """Synthesise the large lake, run the three ingests, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=25_000_000)
    parser.add_argument("--pages", type=int, default=1000, help="new real pages to ingest")
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the synthetic lake here")
    parser.add_argument(
        "--probe-only", action="store_true", help="only the lake index and gold on their own"
    )
    parser.add_argument(
        "--index-only",
        action="store_true",
        help="only the lake index on its own, on a lake synthesised without gold",
    )
    args = parser.parse_args(argv)
    if not (SHARED / "corpus" / "extraction-dev" / "html").is_dir():
        print(f"skipped: corpus not found under {SHARED}")
        return 0
    with tempfile.TemporaryDirectory(prefix="newslake-lakescale-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            print(measure(args, tmp))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    return 0


def measure(args: argparse.Namespace, tmp: Path) -> str:
    """Every measurement in order; returns the report."""
    big = args.keep or tmp / "synthetic"
    gold = not args.index_only
    synthesise(big, args.articles, args.claims, gold=gold, index_only=args.index_only)
    size = f"{rows(Lake(big), ARTICLES):,} articles, {rows(Lake(big), CLAIMS):,} claims"
    files = sum(len(Lake(big).data_files(spec)) for spec in TABLES.values())
    log(f"synthetic lake: {size}, {files} files, {disk_mb(big):.0f} MB in {big}")
    lake = tmp / "lake-big"
    shutil.copytree(big, lake)
    if args.index_only:
        return f"{size}: {index_report(lake, tmp)}"
    # As a lake the writer kept has them after every commit; built once here, as the first
    # run after an upgrade does, and reported apart from the runs.
    kept = keep_indexes(lake, tmp / "keep")
    log(f"key segments built: {kept}")
    if args.probe_only:
        return f"{size}: key segments {kept}; {probe(lake, tmp / 'probe-big')}"
    pages, env = new_pages(args.pages, tmp / "pages"), base_env(tmp / "prefect-home")
    empty = ingest(pages, tmp / "lake-empty", env, None, logs=tmp)
    log(f"empty lake: flow {empty.flow_s:.1f} s, peak RSS {empty.peak_rss / MB:.0f} MB")
    into = ingest(pages, lake, env, None, logs=tmp)
    log(f"large lake: flow {into.flow_s:.1f} s, peak RSS {into.peak_rss / MB:.0f} MB")
    idle = ingest(pages, lake, env, None, logs=tmp)
    log(f"no-change run on the large lake: flow {idle.flow_s:.1f} s")
    probes = {"empty": probe(tmp / "lake-empty", tmp / "probe-empty")}
    probes["large"] = probe(lake, tmp / "probe-big")
    shutil.rmtree(lake)
    time_ratio, rss_ratio = into.flow_s / empty.flow_s, into.peak_rss / empty.peak_rss
    table = [
        ("run", "flow s", "peak RSS MB", "articles after"),
        ("into an empty lake", empty.flow_s, empty.peak_rss / MB, empty.articles),
        (f"into {size}", into.flow_s, into.peak_rss / MB, into.articles),
        ("same sources again (no change)", idle.flow_s, idle.peak_rss / MB, idle.articles),
    ]
    lines = [" | ".join(map(str, table[0]))]
    lines += [f"{name} | {flow:.1f} | {rss:.0f} | {n}" for name, flow, rss, n in table[1:]]
    lines += [
        f"flow time ratio {time_ratio:.2f} (target <= {TARGET_RATIO}), "
        f"peak RSS ratio {rss_ratio:.2f} (target <= {TARGET_RATIO}), "
        f"no-change flow body {idle.flow_s:.1f} s (target <= {TARGET_IDLE_S:.0f} s)",
        f"new pages: {args.pages} ({into.summary.get('new', 0):.0f} new articles)",
        f"page and lookup key segments built before the runs (once, as after an upgrade): "
        f"{json.dumps(kept)}",
        "lake index and gold on their own, seconds (after the runs):",
        *(f"  {name} lake: {json.dumps(found)}" for name, found in probes.items()),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
