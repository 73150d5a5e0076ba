"""The lake index: what the lake already holds (ids, hashes, band and match keys), asked
per batch about only the keys that batch brings, plus what the run has staged.

Nothing is loaded at start, and nothing is opened until a question needs it: each question
is a DuckDB query over the key columns of the lake's Parquet files (the snapshot of files
listed when the run began), joined with the keys asked, so a run's memory and start-up do not
grow with the lake (benchmarks/lake_scale.py). Which pages the lake knows is read from the
page key segments of warehouse/page_keys.py, and story candidates and known URLs from the
lookup key segments of warehouse/lookup_keys.py (B-trees read per key), each with the files
its segments do not cover.
Claims are found by match key through the writer's claim key index (claim_keys.py), which
reads a page or two per key and counts crowded keys without reading them; a lake whose index
does not cover its claims (none yet, NEWSLAKE_CLAIM_INDEX=scan) is scanned instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from newslake.transforms.claims.clusters import CLAIM_REF_SQL, claim_ref
from newslake.transforms.claims.clusters import MAX_CLAIMS_PER_KEY as CLAIM_KEY_SHARERS
from newslake.transforms.dedup import KnownArticle
from newslake.transforms.placement import KnownArticles, KnownPage
from newslake.transforms.records import Article, ClaimRow, FetchLogRow, StoryIndexRow
from newslake.transforms.stories import Candidate
from newslake.warehouse import page_keys
from newslake.warehouse.claim_keys import CLAIM_KEYS, ClaimKeys
from newslake.warehouse.engine import work_connection
from newslake.warehouse.lake import Lake
from newslake.warehouse.lookup_keys import LookupKeys
from newslake.warehouse.page_keys import PageKeys
from newslake.warehouse.schemas import ARTICLES, CLAIMS, FETCH_LOG, PAGES, STORY_INDEX, TableSpec

MAX_BAND_KEY_SHARERS = 100  # band keys held by more articles are not used to find stories
_STORY_SIGS = pa.schema(
    [
        ("article_id", pa.string()),
        ("story_id", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("signature", pa.list_(pa.int64())),
    ]
)
_KNOWN_COLUMNS = "article_id, content_hash, outlet, story_id, first_seen_at, this_run"
_RUN_ARTICLES = pa.schema(
    [
        ("article_id", pa.string()),
        ("page_id", pa.string()),
        ("content_hash", pa.string()),
        ("outlet", pa.string()),
        ("story_id", pa.string()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
    ]
)
# The claim key index's answers as tables (claim_keys.Holding, claim_keys.Member).
_HOLDINGS = pa.schema(
    [
        ("match_key", pa.int64()),
        ("article_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("claim_id", pa.string()),
        ("text", pa.string()),
    ]
)
_MEMBERS = pa.schema(
    [
        ("claim_id", pa.string()),
        ("file", pa.string()),
        ("article_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("text", pa.string()),
    ]
)
# The columns of each lake table that the questions read (`file`: the file relative to the
# table, for tables whose rows a run may remove), as views over the table's files.
_LAKE_VIEWS: dict[str, tuple[TableSpec, str]] = {
    "lake_log": (
        FETCH_LOG,
        "url VARCHAR, page_id VARCHAR, outcome VARCHAR, error VARCHAR, article_id VARCHAR, "
        "logged_at TIMESTAMPTZ",
    ),
    "lake_pages": (
        PAGES,
        "url VARCHAR, final_url VARCHAR, etag VARCHAR, last_modified VARCHAR, "
        "fetched_at TIMESTAMPTZ",
    ),
    "lake_articles": (
        ARTICLES,
        "article_id VARCHAR, page_id VARCHAR, content_hash VARCHAR, outlet VARCHAR, "
        "story_id VARCHAR, first_seen_at TIMESTAMPTZ, canonical_url VARCHAR, file VARCHAR",
    ),
    "lake_claims": (
        CLAIMS,
        "article_id VARCHAR, sentence_index INTEGER, claim_id VARCHAR, text VARCHAR, "
        "match_keys BIGINT[], file VARCHAR",
    ),
}
# The same, over only the files the lookup key segments do not cover (lookup_keys.py).
_UNINDEXED_VIEWS: dict[str, tuple[TableSpec, str]] = {
    "unindexed_stories": (
        STORY_INDEX,
        "article_id VARCHAR, indexed_at TIMESTAMPTZ, band_keys VARCHAR[], file VARCHAR",
    ),
    "unindexed_pages": (PAGES, "url VARCHAR, final_url VARCHAR"),
    "unindexed_articles": (ARTICLES, "canonical_url VARCHAR"),
}


class LakeIndex:
    """Page ids, article identities, story and claim keys already in the lake, plus this
    run's additions; `lake=None` is the index of an empty lake (a rebuild starts from one).

    With a `spill` path the run's additions live in a DuckDB file there, and memory stays
    within engine.MEMORY_LIMIT however large the run (DuckDB pages the rest to that file).
    """

    def __init__(self, lake: Lake | None, spill: Path | None = None) -> None:
        if spill is not None:
            self.con = work_connection(spill.parent / "state.tmp", spill)
        else:
            self.con = duckdb.connect(":memory:")
            self.con.execute("SET TimeZone = 'UTC'")
        # The lake's files do not change during a run: read each footer once, not per question.
        self.con.execute("SET parquet_metadata_cache = true")
        self.con.execute(
            "CREATE TABLE run_articles (article_id VARCHAR, page_id VARCHAR, "
            "content_hash VARCHAR, outlet VARCHAR, story_id VARCHAR, first_seen_at TIMESTAMPTZ)"
        )
        self.con.execute("CREATE TABLE run_captures (url VARCHAR, article_id VARCHAR)")
        self.con.execute(
            "CREATE TABLE run_sigs (article_id VARCHAR, story_id VARCHAR, "
            "published_at TIMESTAMPTZ, signature BIGINT[])"
        )
        self.con.execute("CREATE TABLE run_keys (band_key VARCHAR, article_id VARCHAR)")
        self.con.execute(
            "CREATE TABLE run_claims (ref VARCHAR, article_id VARCHAR, claim_id VARCHAR, "
            "text VARCHAR)"
        )
        self.con.execute("CREATE TABLE run_claim_keys (match_key BIGINT, ref VARCHAR)")
        # Articles whose stored claims no longer count (their text was replaced).
        self.con.execute("CREATE TABLE forgotten (article_id VARCHAR)")
        self.con.execute("CREATE TABLE forgotten_keys (match_key BIGINT)")  # their holdings
        self._claims_dropped = False
        # The lake as the run began; its views are made when a question first needs them.
        self._lake = None if lake is None else Lake(lake.root, dict(lake.versions()))
        self._opened: set[str] = set()
        self._claim_index: ClaimKeys | None = None
        self._claim_index_opened = False
        self._lookup: LookupKeys | None = None

    @property
    def claim_keys(self) -> ClaimKeys | None:
        """The lake's claim key index, opened when a claim question first needs it."""
        if not self._claim_index_opened:
            self._claim_index_opened = True
            if not self._claims_dropped:
                self._claim_index = open_claim_keys(self._lake)
        return self._claim_index

    @property
    def stored_claims(self) -> str:
        """The stored claims that still count, as a relation and WHERE clause."""
        self._open("lake_claims")
        if self._claims_dropped:
            return "lake_claims WHERE false"
        return "lake_claims WHERE article_id NOT IN (SELECT * FROM forgotten)"

    def _open(self, *views: str) -> None:
        """Make the views of the lake's tables over the run's snapshot of their files."""
        for view in views:
            if view not in self._opened:
                self._opened.add(view)
                spec, columns = _LAKE_VIEWS[view]
                files = [] if self._lake is None else self._lake.data_files(spec)
                self._view(view, spec, columns, files)

    def _view(self, view: str, spec: TableSpec, columns: str, files: Sequence[Path]) -> None:
        """A view of these columns (`file` last: the file relative to the table) of a table's
        files; with none, a view of no rows."""
        lake = self._lake
        if lake is None or not files:
            typed = (column.split(maxsplit=1) for column in columns.split(", "))
            nulls = ", ".join(f"NULL::{kind} AS {name}" for name, kind in typed)
            self.con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT {nulls} WHERE false")
            return
        names = [column.split()[0] for column in columns.split(", ")]
        if names[-1] == "file":
            prefix = len(str(lake.table_dir(spec))) + 2
            names[-1] = f"substr(filename, {prefix}) AS file"
        paths = ", ".join(_literal(str(path)) for path in files)
        self.con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT {', '.join(names)} "
            f"FROM read_parquet([{paths}], filename = true)"
        )

    @property
    def lookup(self) -> LookupKeys:
        """The lake's lookup key segments at the run's snapshot, opened when a story or URL
        question first needs them, with views `unindexed_*` over the files they do not cover."""
        if self._lookup is None:
            self._lookup = LookupKeys.of(self._lake)
            for view, (spec, columns) in _UNINDEXED_VIEWS.items():
                files = self._lookup.uncovered(spec)
                self._view(view, spec, columns, [self._table_dir(spec) / f for f in files])
        return self._lookup

    def _table_dir(self, spec: TableSpec) -> Path:
        assert self._lake is not None  # an empty lake has no files to name
        return self._lake.table_dir(spec)

    def _open_pages(self) -> None:
        """View `page_rows`: the page-keyed rows of the snapshot's fetch_log and articles
        (`tbl` names which), from the lake's page key segments where they cover a file, else
        from the file (warehouse/page_keys.py)."""
        if "pages" in self._opened:
            return
        self._opened.add("pages")
        lake, keys = self._lake, PageKeys()
        live: dict[str, list[str]] = {spec.name: [] for spec in page_keys.TABLES}
        if lake is not None:
            keys = page_keys.segments(lake)
            live = {spec.name: page_keys.relative_files(lake, spec) for spec in page_keys.TABLES}
        self.con.register("live", page_keys.live_files(live))
        self.con.execute("CREATE OR REPLACE TABLE live_files AS SELECT * FROM live")
        self.con.unregister("live")
        self.con.execute(
            "CREATE OR REPLACE VIEW page_segments AS SELECT s.* FROM "
            f"({page_keys.segment_rows_sql(keys)}) s JOIN live_files USING (tbl, file)"
        )
        parts = ["SELECT tbl, page_id, outcome, error, article_id, logged_at FROM page_segments"]
        for spec in page_keys.TABLES:
            files = [f for f in live[spec.name] if f not in keys.covered[spec.name]]
            direct = _EMPTY_PAGES if lake is None else page_keys.page_rows_sql(lake, spec, files)
            parts.append(
                f"SELECT '{spec.name}' AS tbl, page_id, outcome, error, article_id, logged_at "
                f"FROM ({direct})"
            )
        self.con.execute(f"CREATE OR REPLACE VIEW page_rows AS {' UNION ALL '.join(parts)}")

    def story_candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        """Indexed articles sharing each of these band keys: candidates for story assignment.

        Keys shared by more than MAX_BAND_KEY_SHARERS articles (stock openings, templates) are
        left out: they find nothing that a rarer key would not, at a cost growing with the lake.
        A stored article counts by its latest indexing (an updated text is indexed again).
        """
        asked = sorted(set(keys))
        self.con.register("indexed", self.lookup.bands(asked))
        self._keys(band_key=asked)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE stored AS SELECT * FROM indexed UNION ALL "
            "SELECT s.band_key, s.article_id, s.indexed_at, s.file FROM (SELECT article_id, "
            "indexed_at, file, unnest(band_keys) AS band_key FROM unindexed_stories) s "
            "JOIN keys USING (band_key)"
        )
        ids = self.con.execute("SELECT DISTINCT article_id FROM stored ORDER BY 1").fetchall()
        self.con.register("indexed", self.lookup.indexings([i for (i,) in ids]))
        self.con.execute(  # each article's latest indexing, and the file holding it
            "CREATE OR REPLACE TEMP TABLE latest AS SELECT article_id, "
            "max(indexed_at) AS indexed_at, arg_max(file, indexed_at) AS file FROM "
            "(SELECT * FROM indexed UNION ALL SELECT article_id, indexed_at, file "
            "FROM unindexed_stories WHERE article_id IN (SELECT article_id FROM stored)) "
            "GROUP BY article_id"
        )
        self.con.unregister("indexed")
        hits = self.con.execute(
            "WITH hits AS (SELECT band_key, article_id FROM stored "
            "JOIN latest USING (article_id, indexed_at) UNION ALL "
            "SELECT r.band_key, r.article_id FROM run_keys r JOIN keys USING (band_key)), "
            "rare AS (SELECT band_key FROM hits GROUP BY band_key HAVING count(*) <= ?) "
            "SELECT band_key, article_id FROM hits JOIN rare USING (band_key) ORDER BY ALL",
            [MAX_BAND_KEY_SHARERS],
        ).fetchall()
        # Each article once, however many keys it shares: a signature is hundreds of numbers,
        # and near-copies share most keys (measured: 700 MB for one batch of copies otherwise).
        self._keys(article_id=sorted({article_id for _, article_id in hits}))
        rows = self.con.execute(
            "SELECT story_id, signature, published_at, article_id FROM run_sigs "
            f"JOIN keys USING (article_id) UNION ALL {self._stored_signatures()}"
        ).fetchall()
        candidates = {row[3]: Candidate(*row) for row in rows}
        found: dict[str, list[Candidate]] = {}
        for key, article_id in hits:
            if article_id in candidates:
                found.setdefault(key, []).append(candidates[article_id])
        return found

    def _stored_signatures(self) -> str:
        """A query of the latest stored indexing of each article in `keys` that this run did
        not index, read from the files holding them: (story_id, signature, published_at,
        article_id)."""
        wanted = (
            "FROM latest WHERE article_id IN (SELECT article_id FROM keys) "
            "AND article_id NOT IN (SELECT article_id FROM run_sigs)"
        )
        files = self.con.execute(f"SELECT DISTINCT file {wanted} ORDER BY 1").fetchall()
        columns = "story_id VARCHAR, signature BIGINT[], published_at TIMESTAMPTZ, " + (
            "article_id VARCHAR, indexed_at TIMESTAMPTZ, file VARCHAR"
        )
        paths = [self._table_dir(STORY_INDEX) / file for (file,) in files]
        self._view("holding", STORY_INDEX, columns, paths)
        return (
            "SELECT story_id, signature, published_at, article_id FROM holding "
            f"JOIN (SELECT article_id, indexed_at, file {wanted}) "
            "USING (article_id, indexed_at, file)"
        )

    def remember_stories(self, rows: Sequence[StoryIndexRow]) -> None:
        """Index this batch's articles for the rest of the run (they are staged for the lake)."""
        if not rows:
            return
        sigs = pa.Table.from_pylist(
            [{k: getattr(r, k) for k in _STORY_SIGS.names} for r in rows], schema=_STORY_SIGS
        )
        self.con.register("batch", sigs)
        self.con.execute("DELETE FROM run_sigs WHERE article_id IN (SELECT article_id FROM batch)")
        self.con.execute("INSERT INTO run_sigs SELECT * FROM batch")
        keys = pa.table(
            {
                "band_key": [k for r in rows for k in r.band_keys],
                "article_id": [r.article_id for r in rows for _ in r.band_keys],
            }
        )
        self.con.register("batch", keys)
        self.con.execute("INSERT INTO run_keys SELECT band_key, article_id FROM batch")
        self.con.unregister("batch")

    def claim_candidates(self, keys: Iterable[int]) -> dict[int, list[tuple[str, str, str]]]:
        """Stored claims sharing each of these match keys: (ref, claim_id, text) per key.

        Keys shared by more than claims.clusters.MAX_CLAIMS_PER_KEY claims are left out.
        """
        # Which keys are rare is counted first, so that keys every claim shares (an embedding
        # band has 256 values) never bring their crowds of claims out of the files.
        asked = self._claim_keys(keys)
        if self.claim_keys is not None:  # counted by the index, less the forgotten holdings
            held = self.claim_keys.counts(asked)
            self.con.register(
                "held",
                pa.table(
                    {
                        "match_key": pa.array(list(held), pa.int64()),
                        "holders": pa.array(list(held.values()), pa.int64()),
                    }
                ),
            )
            stored = (
                "SELECT match_key, holders FROM held UNION ALL SELECT f.match_key, -1 "
                "FROM forgotten_keys f JOIN keys USING (match_key)"
            )
        else:
            stored = (
                "SELECT s.match_key, 1 FROM (SELECT unnest(match_keys) AS match_key "
                f"FROM {self.stored_claims}) s JOIN keys USING (match_key)"
            )
        rare = self.con.execute(
            f"SELECT match_key FROM ({stored} UNION ALL SELECT r.match_key, 1 "
            "FROM run_claim_keys r JOIN keys USING (match_key)) AS h (match_key, holders) "
            "GROUP BY match_key HAVING sum(holders) <= ?",
            [CLAIM_KEY_SHARERS],
        ).fetchall()
        self._claim_hits(key for (key,) in rare)
        stored = (  # the key index holds each hit's text; a scan reads the claims again
            "SELECT DISTINCT ref, claim_id, text FROM hits WHERE article_id IS NOT NULL"
            if self.claim_keys is not None
            else f"SELECT {CLAIM_REF_SQL} AS ref, claim_id, text FROM {self.stored_claims} "
            "AND article_id IN (SELECT article_id FROM hits)"
        )
        # Each holder once, numbered in (ref, claim_id) order, and each key's holders as those
        # numbers: a batch brings hundreds of thousands of (key, claim), and a claim holding
        # many keys is one tuple in all their lists, not a copy of its text in each.
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE key_holders AS SELECT row_number() OVER "
            "(ORDER BY ref, claim_id) - 1 AS n, ref, claim_id, text FROM "
            f"({stored} UNION ALL SELECT ref, claim_id, text FROM run_claims) "
            "WHERE ref IN (SELECT ref FROM hits)"
        )
        holders = self.con.execute("SELECT ref, claim_id, text FROM key_holders ORDER BY n")
        found = holders.fetchall()
        rows = self.con.execute(
            "SELECT h.match_key, list(i.n ORDER BY i.n) FROM hits h "
            "JOIN key_holders i USING (ref) GROUP BY h.match_key"
        ).fetchall()
        return {key: [found[n] for n in numbers] for key, numbers in rows}

    def claim_exact(self, keys: Iterable[int]) -> dict[int, str]:
        """The cluster holding the stored claim of each of these exact keys (see
        claims.clusters.exact_key), however many claims share it: copies of a sentence join
        its cluster whatever their number. Where several clusters hold it, the lowest ref's.
        """
        self._claim_hits(keys)
        rows = self.con.execute(
            "WITH info AS (SELECT DISTINCT ref, claim_id FROM hits WHERE article_id IS NOT NULL "
            "UNION ALL SELECT ref, claim_id FROM run_claims) "
            "SELECT h.match_key, arg_min(i.claim_id, i.ref) FROM hits h "
            "JOIN info i USING (ref) GROUP BY ALL"
        ).fetchall()
        return dict(rows)

    def _claim_hits(self, keys: Iterable[int]) -> None:
        """Table `hits`: (match_key, ref, article_id, claim_id, text) of every claim, stored or
        this run's, holding one of these keys (article_id, claim_id and text null for this
        run's; text also null when the claims were scanned)."""
        asked = self._claim_keys(keys)
        if self.claim_keys is not None:
            held = _rows_table(self.claim_keys.holders(asked), _HOLDINGS)
            self.con.register("held", held)
            stored = (
                f"SELECT match_key, {CLAIM_REF_SQL} AS ref, article_id, claim_id, text FROM held "
                "WHERE article_id NOT IN (SELECT * FROM forgotten)"
            )
        else:
            stored = (
                "SELECT s.match_key, s.ref, s.article_id, s.claim_id, NULL AS text FROM (SELECT "
                f"{CLAIM_REF_SQL} AS ref, article_id, claim_id, unnest(match_keys) AS match_key "
                f"FROM {self.stored_claims}) s JOIN keys USING (match_key)"
            )
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE hits AS {stored} "
            "UNION ALL SELECT r.match_key, r.ref, NULL, NULL, NULL FROM run_claim_keys r "
            "JOIN keys USING (match_key)"
        )

    def _claim_keys(self, keys: Iterable[int]) -> list[int]:
        """Register these keys as table `keys`; returns them sorted, each once."""
        asked = sorted(set(keys))
        self.con.register("keys", pa.table({"match_key": pa.array(asked, pa.int64())}))
        return asked

    def claim_heads(self, claim_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The head of each of these claim clusters: its member with the lowest ref, as
        (ref, text)."""
        asked = sorted(set(claim_ids))
        self._keys(claim_id=asked)
        index = self.claim_keys
        if index is not None and index.by_cluster:  # the members, from the key index
            self.con.register("members", _rows_table(index.members(asked), _MEMBERS))
            stored = "members WHERE article_id NOT IN (SELECT * FROM forgotten)"
        else:
            stored = f"{self.stored_claims} AND claim_id IN (SELECT claim_id FROM keys)"
        rows = self.con.execute(
            f"WITH info AS (SELECT claim_id, {CLAIM_REF_SQL} AS ref, text FROM {stored} "
            "UNION ALL SELECT claim_id, ref, text FROM run_claims "
            "WHERE claim_id IN (SELECT claim_id FROM keys)) "
            "SELECT claim_id, min(ref), arg_min(text, ref) FROM info GROUP BY claim_id"
        ).fetchall()
        return {claim_id: (ref, text) for claim_id, ref, text in rows}

    def stored_claims_of(self, article_id: str) -> list[tuple[str, str]]:
        """(committed claims file relative to the table, claim_id) of an article's claims."""
        rows = self.con.execute(
            f"SELECT DISTINCT file, claim_id FROM {self.stored_claims} AND article_id = ? "
            "ORDER BY file, claim_id",
            [article_id],
        ).fetchall()
        return [(file, claim_id) for file, claim_id in rows]

    def forget_claims(self, article_id: str) -> None:
        """Drop an article's claims (its text was replaced) from matching."""
        if self.claim_keys is not None:  # the key index still counts their holdings
            self.con.execute(
                f"INSERT INTO forgotten_keys SELECT unnest(match_keys) FROM {self.stored_claims} "
                "AND article_id = ?",
                [article_id],
            )
        self.con.execute("INSERT INTO forgotten VALUES (?)", [article_id])
        self.con.execute(
            "DELETE FROM run_claim_keys WHERE ref IN "
            "(SELECT ref FROM run_claims WHERE article_id = ?)",
            [article_id],
        )
        self.con.execute("DELETE FROM run_claims WHERE article_id = ?", [article_id])

    def forget_every_claim(self) -> None:
        """Drop every stored claim from matching (they are being grouped anew)."""
        self._claims_dropped = True
        if self._claim_index is not None:
            self._claim_index.close()
        self._claim_index, self._claim_index_opened = None, True
        self.con.execute("DELETE FROM run_claim_keys")
        self.con.execute("DELETE FROM run_claims")

    def remember_claims(self, rows: Sequence[ClaimRow]) -> None:
        """Make this batch's claims candidates for the rest of the run."""
        if not rows:
            return
        refs = [claim_ref(r.article_id, r.sentence_index) for r in rows]
        info = pa.table(
            {
                "ref": refs,
                "article_id": [r.article_id for r in rows],
                "claim_id": [r.claim_id for r in rows],
                "text": [r.text for r in rows],
            }
        )
        self.con.register("batch", info)
        self.con.execute("INSERT INTO run_claims SELECT * FROM batch")
        keys = pa.table(
            {
                "match_key": pa.array([k for r in rows for k in r.match_keys], pa.int64()),
                "ref": [ref for ref, r in zip(refs, rows, strict=True) for _ in r.match_keys],
            }
        )
        self.con.register("batch", keys)
        self.con.execute("INSERT INTO run_claim_keys SELECT * FROM batch")
        self.con.unregister("batch")

    def known_pages(self, page_ids: Sequence[str]) -> dict[str, KnownPage]:
        """Of these page ids, those already stored, with what became of each (its latest
        log row says)."""
        self._keys(page_id=page_ids)
        try:
            self._open_pages()
            return self._known_pages()
        except duckdb.IOException:  # a segment merged away since the views were made
            self._opened.discard("pages")
            self._open_pages()
            return self._known_pages()

    def _known_pages(self) -> dict[str, KnownPage]:
        self.con.execute(  # one read of the segments for both tables' rows
            "CREATE OR REPLACE TEMP TABLE asked_pages AS SELECT * FROM page_rows "
            "WHERE page_id IN (SELECT page_id FROM keys)"
        )
        rows = self.con.execute(
            "WITH pages AS (SELECT page_id, arg_max(outcome, logged_at) AS outcome, "
            "arg_max(error, logged_at) AS error, arg_max(article_id, logged_at) AS article_id "
            "FROM asked_pages WHERE tbl = 'fetch_log' GROUP BY page_id), "
            "articles AS (SELECT article_id, page_id FROM asked_pages WHERE tbl = 'articles' "
            "UNION ALL SELECT article_id, page_id FROM run_articles) "
            "SELECT k.page_id, p.outcome, p.error, coalesce(any_value(a.article_id), "
            "any_value(p.article_id)), count(a.article_id) > 0 FROM keys k "
            "JOIN pages p USING (page_id) LEFT JOIN articles a ON a.page_id = k.page_id "
            "GROUP BY ALL"
        ).fetchall()
        return {row[0]: KnownPage(*row[1:]) for row in rows}

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """Of these URLs, those fetched before or declared canonical by a stored article."""
        found = self.lookup.urls(urls)
        self._keys(url=urls)
        rows = self.con.execute(
            "SELECT url FROM keys WHERE url IN (SELECT url FROM unindexed_pages "
            "WHERE url IN (SELECT url FROM keys) UNION ALL SELECT final_url FROM unindexed_pages "
            "WHERE final_url IN (SELECT url FROM keys) UNION ALL SELECT canonical_url "
            "FROM unindexed_articles WHERE canonical_url IN (SELECT url FROM keys))"
        )
        return found | {url for (url,) in rows.fetchall()}

    def capture_articles(self, urls: Sequence[str]) -> dict[str, str]:
        """Of these URLs, those whose latest capture (this run's, else the lake's) became or
        repeats an article, with that article's id."""
        if not urls:
            return {}
        self._open("lake_log")
        self._keys(url=urls)
        found = dict(
            self.con.execute(
                "SELECT url, arg_max(article_id, logged_at) FROM lake_log "
                "WHERE page_id IS NOT NULL AND article_id IS NOT NULL "
                "AND url IN (SELECT url FROM keys) GROUP BY url"
            ).fetchall()
        )
        rows = self.con.execute(
            "SELECT url, last(article_id ORDER BY rowid) FROM run_captures "
            "WHERE url IN (SELECT url FROM keys) GROUP BY url"
        ).fetchall()
        return found | dict(rows)

    def remember_captures(self, rows: Sequence[FetchLogRow]) -> None:
        """Note the article each of this run's captures became, by URL."""
        captures = [r for r in rows if r.page_id and r.article_id]
        if captures:
            urls = pa.array([r.url for r in captures], pa.string())
            ids = pa.array([r.article_id for r in captures], pa.string())
            self.con.register("keys", pa.table({"url": urls, "article_id": ids}))
            self.con.execute("INSERT INTO run_captures SELECT url, article_id FROM keys")

    def validators(self, urls: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """ETag and Last-Modified of the latest stored page of each URL, for a conditional GET."""
        if not urls:
            return {}
        self._open("lake_pages")
        self._keys(url=urls)
        rows = self.con.execute(
            "SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at) "
            "FROM lake_pages WHERE url IN (SELECT url FROM keys) GROUP BY url"
        ).fetchall()
        return {url: (etag, modified) for url, etag, modified in rows if etag or modified}

    def find(self, article_ids: Sequence[str], hashes: Sequence[str]) -> KnownArticles:
        """Known articles by id, and by content hash (oldest first), for one batch."""
        self._open("lake_articles")
        self.con.register("ids", pa.table({"article_id": pa.array(article_ids, pa.string())}))
        self.con.register("hashes", pa.table({"content_hash": pa.array(hashes, pa.string())}))
        columns = _KNOWN_COLUMNS.removesuffix(", this_run")
        self.con.execute(  # one pass over the stored articles for both questions
            f"CREATE OR REPLACE TEMP TABLE found AS SELECT {columns}, false AS this_run "
            "FROM lake_articles WHERE article_id IN (SELECT article_id FROM ids) "
            "OR content_hash IN (SELECT content_hash FROM hashes) "
            f"UNION ALL SELECT {columns}, true FROM run_articles"
        )
        by_id = {a.article_id: a for a in self._known("ids", "article_id", "this_run")}
        by_hash: dict[str, list[KnownArticle]] = {}
        order = "first_seen_at, article_id, this_run"
        for known in self._known("hashes", "content_hash", order):
            by_hash.setdefault(known.content_hash, []).append(known)
        return KnownArticles(by_id, by_hash)

    def file_of(self, article_id: str) -> str | None:
        """The committed file (relative to the articles table) holding an article, if any."""
        self._open("lake_articles")
        # fetchall: DuckDB 2 refuses new work while a result is only partly fetched.
        rows = self.con.execute(
            "SELECT file FROM lake_articles WHERE article_id = ? LIMIT 1", [article_id]
        ).fetchall()
        return rows[0][0] if rows else None

    def remember(self, articles: Sequence[Article]) -> None:
        """Add this run's articles, so that later batches see them."""
        rows = [{name: getattr(a, name) for name in _RUN_ARTICLES.names} for a in articles]
        self.con.register("keys", pa.Table.from_pylist(rows, schema=_RUN_ARTICLES))
        self.con.execute("INSERT INTO run_articles SELECT * FROM keys")

    def close(self) -> None:
        """Release the index's database."""
        if self._claim_index is not None:
            self._claim_index.close()
        if self._lookup is not None:
            self._lookup.close()
        self.con.close()

    def _keys(self, **column: Sequence[str]) -> None:
        ((name, values),) = column.items()
        self.con.register("keys", pa.table({name: pa.array(values, pa.string())}))

    def _known(self, keys: str, key: str, order: str) -> list[KnownArticle]:
        rows = self.con.execute(
            f"SELECT {_KNOWN_COLUMNS} FROM found JOIN {keys} USING ({key}) ORDER BY {order}"
        ).fetchall()
        return [KnownArticle(*row) for row in rows]


_EMPTY_PAGES = (
    "SELECT NULL::VARCHAR AS page_id, NULL::VARCHAR AS outcome, NULL::VARCHAR AS error, "
    "NULL::VARCHAR AS article_id, NULL::TIMESTAMPTZ AS logged_at WHERE false"
)


def open_claim_keys(lake: Lake | None) -> ClaimKeys | None:
    """The lake's claim key index at its snapshot, if it has one that covers its claims and
    NEWSLAKE_CLAIM_INDEX is not `scan` (a benchmark's comparison)."""
    if lake is None or os.environ.get("NEWSLAKE_CLAIM_INDEX") == "scan":
        return None
    if CLAIM_KEYS.name not in lake.versions():
        return None
    claims_dir = lake.table_dir(CLAIMS)
    live = [path.relative_to(claims_dir).as_posix() for path in lake.data_files(CLAIMS)]
    index = ClaimKeys(lake.data_files(CLAIM_KEYS), live)
    if not index.complete:
        index.close()
        return None
    return index


def _rows_table(rows: Sequence[tuple[object, ...]], schema: pa.Schema) -> pa.Table:
    """Rows of the claim key index (tuples in the schema's column order) as a table."""
    columns = [pa.array([row[i] for row in rows], f.type) for i, f in enumerate(schema)]
    return pa.table(columns, schema=schema)


def _literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
