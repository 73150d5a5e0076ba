"""The lake index: what the lake already holds (ids, hashes, band and match keys, no article
text), loaded once per run, answering the questions a batch's placement asks, and growing
with what the run stages."""

from __future__ import annotations

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
from newslake.warehouse.engine import work_connection
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, CLAIMS, FETCH_LOG, PAGES, STORY_INDEX

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


class LakeIndex:
    """Page ids, article identities, story and claim keys already in the lake, plus this
    run's additions; `lake=None` is the index of an empty lake (a rebuild starts from one).

    With a `spill` path the index lives in a DuckDB file there, and memory stays within
    engine.MEMORY_LIMIT however large the lake grows (DuckDB pages the rest to that file).
    """

    def __init__(self, lake: Lake | None, spill: Path | None = None) -> None:
        if spill is not None:
            self.con = work_connection(spill.parent / "state.tmp", spill)
        else:
            self.con = duckdb.connect(":memory:")
            self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(
            "CREATE TABLE pages (page_id VARCHAR, outcome VARCHAR, error VARCHAR, "
            "article_id VARCHAR)"
        )
        self.con.execute(
            "CREATE TABLE articles (article_id VARCHAR, page_id VARCHAR, content_hash VARCHAR, "
            "outlet VARCHAR, story_id VARCHAR, first_seen_at TIMESTAMPTZ, file VARCHAR, "
            "this_run BOOLEAN)"
        )
        self.con.execute("CREATE TABLE urls (url VARCHAR)")
        self.con.execute("CREATE TABLE run_captures (url VARCHAR, article_id VARCHAR)")
        self.con.execute(
            "CREATE TABLE story_sigs (article_id VARCHAR, story_id VARCHAR, "
            "published_at TIMESTAMPTZ, signature BIGINT[])"
        )
        self.con.execute("CREATE TABLE story_keys (band_key VARCHAR, article_id VARCHAR)")
        self.con.execute(
            "CREATE TABLE claim_info (ref VARCHAR, article_id VARCHAR, claim_id VARCHAR, "
            "text VARCHAR, file VARCHAR)"
        )
        self.con.execute("CREATE TABLE claim_keys (match_key BIGINT, ref VARCHAR)")
        self.pages_files: list[str] | None = None
        self.log_files: list[str] | None = None
        if lake is not None:
            self._load(lake)

    def _load(self, lake: Lake) -> None:
        """Fill the index from the lake's committed files."""
        if lake.data_files(FETCH_LOG):
            self.log_files = lake.file_list(FETCH_LOG)
            # Every stored page has log rows from the commit that stored it; the latest says
            # what became of it.
            self.con.execute(
                "INSERT INTO pages SELECT page_id, arg_max(outcome, logged_at), "
                "arg_max(error, logged_at), arg_max(article_id, logged_at) "
                "FROM read_parquet(?) WHERE page_id IS NOT NULL GROUP BY page_id",
                [lake.file_list(FETCH_LOG)],
            )
        self.pages_files = lake.file_list(PAGES) if lake.data_files(PAGES) else None
        if self.pages_files:
            self.con.execute(
                "INSERT INTO urls SELECT url FROM read_parquet(?) "
                "UNION SELECT final_url FROM read_parquet(?)",
                [self.pages_files, self.pages_files],
            )
        if lake.data_files(STORY_INDEX):
            # The latest indexing of each article counts (an updated text is indexed again).
            self.con.execute(
                "CREATE TEMP TABLE latest AS SELECT arg_max(COLUMNS(*), indexed_at) "
                "FROM read_parquet(?) GROUP BY article_id",
                [lake.file_list(STORY_INDEX)],
            )
            self.con.execute(
                "INSERT INTO story_sigs SELECT article_id, story_id, published_at, signature "
                "FROM latest"
            )
            self.con.execute(
                "INSERT INTO story_keys SELECT unnest(band_keys), article_id FROM latest"
            )
            self.con.execute("DROP TABLE latest")
        if lake.data_files(CLAIMS):
            prefix = len(str(lake.table_dir(CLAIMS))) + 2
            self.con.execute(
                f"INSERT INTO claim_info SELECT {CLAIM_REF_SQL}, article_id, "
                "claim_id, text, substr(filename, ?) FROM read_parquet(?, filename = true)",
                [prefix, lake.file_list(CLAIMS)],
            )
            self.con.execute(
                f"INSERT INTO claim_keys SELECT unnest(match_keys), {CLAIM_REF_SQL} "
                "FROM read_parquet(?)",
                [lake.file_list(CLAIMS)],
            )
        if lake.data_files(ARTICLES):
            self.con.execute(
                "INSERT INTO urls SELECT canonical_url FROM read_parquet(?) "
                "WHERE canonical_url IS NOT NULL",
                [lake.file_list(ARTICLES)],
            )
            prefix = len(str(lake.table_dir(ARTICLES))) + 2
            self.con.execute(
                "INSERT INTO articles SELECT article_id, page_id, content_hash, outlet, story_id, "
                "first_seen_at, substr(filename, ?), false FROM read_parquet(?, filename = true)",
                [prefix, lake.file_list(ARTICLES)],
            )

    def story_candidates(self, keys: Iterable[str]) -> dict[str, list[Candidate]]:
        """Indexed articles sharing each of these band keys: candidates for story assignment.

        Keys shared by more than MAX_BAND_KEY_SHARERS articles (stock openings, templates) are
        left out: they find nothing that a rarer key would not, at a cost growing with the lake.
        """
        self._keys(band_key=sorted(set(keys)))
        hits = self.con.execute(
            "WITH hits AS (SELECT k.band_key, s.article_id FROM keys k "
            "JOIN story_keys s USING (band_key)), "
            "rare AS (SELECT band_key FROM hits GROUP BY band_key HAVING count(*) <= ?) "
            "SELECT band_key, article_id FROM hits JOIN rare USING (band_key)",
            [MAX_BAND_KEY_SHARERS],
        ).fetchall()
        # Each article once, however many keys it shares: a signature is hundreds of numbers,
        # and near-copies share most keys (measured: 700 MB for one batch of copies otherwise).
        self._keys(article_id=sorted({article_id for _, article_id in hits}))
        rows = self.con.execute(
            "SELECT i.story_id, i.signature, i.published_at, i.article_id "
            "FROM story_sigs i JOIN keys USING (article_id)"
        ).fetchall()
        candidates = {row[3]: Candidate(*row) for row in rows}
        found: dict[str, list[Candidate]] = {}
        for key, article_id in hits:
            if article_id in candidates:
                found.setdefault(key, []).append(candidates[article_id])
        return found

    def remember_stories(self, rows: Sequence[StoryIndexRow]) -> None:
        """Index this batch's articles for the rest of the run (they are staged for the lake)."""
        if not rows:
            return
        sigs = pa.Table.from_pylist(
            [{k: getattr(r, k) for k in _STORY_SIGS.names} for r in rows], schema=_STORY_SIGS
        )
        self.con.register("batch", sigs)
        self.con.execute(
            "DELETE FROM story_sigs WHERE article_id IN (SELECT article_id FROM batch)"
        )
        self.con.execute("INSERT INTO story_sigs SELECT * FROM batch")
        keys = pa.table(
            {
                "band_key": [k for r in rows for k in r.band_keys],
                "article_id": [r.article_id for r in rows for _ in r.band_keys],
            }
        )
        self.con.register("batch", keys)
        self.con.execute("INSERT INTO story_keys SELECT band_key, article_id FROM batch")
        self.con.unregister("batch")

    def claim_candidates(self, keys: Iterable[int]) -> dict[int, list[tuple[str, str, str]]]:
        """Stored claims sharing each of these match keys: (ref, claim_id, text) per key.

        Keys shared by more than claims.clusters.MAX_CLAIMS_PER_KEY claims are left out.
        """
        self.con.register("keys", pa.table({"match_key": pa.array(sorted(set(keys)), pa.int64())}))
        rows = self.con.execute(
            "WITH hits AS (SELECT k.match_key, c.ref FROM keys k JOIN claim_keys c "
            "USING (match_key)), "
            "rare AS (SELECT match_key FROM hits GROUP BY match_key HAVING count(*) <= ?) "
            "SELECT hits.match_key, i.ref, i.claim_id, i.text "
            "FROM hits JOIN rare USING (match_key) JOIN claim_info i USING (ref)",
            [CLAIM_KEY_SHARERS],
        ).fetchall()
        found: dict[int, list[tuple[str, str, str]]] = {}
        for key, *claim in rows:
            found.setdefault(key, []).append(tuple(claim))
        return found

    def claim_exact(self, keys: Iterable[int]) -> dict[int, str]:
        """The cluster holding the stored claim of each of these exact keys (see
        claims.clusters.exact_key), however many claims share it: copies of a sentence join
        its cluster whatever their number. Where several clusters hold it, the lowest ref's.
        """
        self.con.register("keys", pa.table({"match_key": pa.array(sorted(set(keys)), pa.int64())}))
        rows = self.con.execute(
            "SELECT k.match_key, arg_min(i.claim_id, i.ref) FROM keys k "
            "JOIN claim_keys c USING (match_key) JOIN claim_info i USING (ref) GROUP BY ALL"
        ).fetchall()
        return dict(rows)

    def claim_heads(self, claim_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The head of each of these claim clusters: its member with the lowest ref, as
        (ref, text)."""
        self._keys(claim_id=sorted(set(claim_ids)))
        rows = self.con.execute(
            "SELECT claim_id, min(ref), arg_min(text, ref) FROM claim_info "
            "WHERE claim_id IN (SELECT claim_id FROM keys) GROUP BY claim_id"
        ).fetchall()
        return {claim_id: (ref, text) for claim_id, ref, text in rows}

    def claim_files(self, article_id: str) -> list[str]:
        """Committed claims files (relative to the table) holding an article's claims."""
        rows = self.con.execute(
            "SELECT DISTINCT file FROM claim_info WHERE article_id = ? AND file IS NOT NULL "
            "ORDER BY file",
            [article_id],
        ).fetchall()
        return [file for (file,) in rows]

    def forget_claims(self, article_id: str) -> None:
        """Drop an article's claims (its text was replaced) from matching."""
        self.con.execute(
            "DELETE FROM claim_keys WHERE ref IN (SELECT ref FROM claim_info WHERE article_id = ?)",
            [article_id],
        )
        self.con.execute("DELETE FROM claim_info WHERE article_id = ?", [article_id])

    def forget_every_claim(self) -> None:
        """Drop every stored claim from matching (they are being grouped anew)."""
        self.con.execute("DELETE FROM claim_keys")
        self.con.execute("DELETE FROM claim_info")

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
        self.con.execute("INSERT INTO claim_info SELECT *, NULL FROM batch")
        keys = pa.table(
            {
                "match_key": pa.array([k for r in rows for k in r.match_keys], pa.int64()),
                "ref": [ref for ref, r in zip(refs, rows, strict=True) for _ in r.match_keys],
            }
        )
        self.con.register("batch", keys)
        self.con.execute("INSERT INTO claim_keys SELECT * FROM batch")
        self.con.unregister("batch")

    def known_pages(self, page_ids: Sequence[str]) -> dict[str, KnownPage]:
        """Of these page ids, those already stored, with what became of each."""
        self._keys(page_id=page_ids)
        rows = self.con.execute(
            "SELECT k.page_id, p.outcome, p.error, coalesce(any_value(a.article_id), "
            "any_value(p.article_id)), count(a.article_id) > 0 FROM keys k "
            "JOIN pages p USING (page_id) LEFT JOIN articles a ON a.page_id = k.page_id "
            "GROUP BY ALL"
        ).fetchall()
        return {row[0]: KnownPage(*row[1:]) for row in rows}

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """Of these URLs, those fetched before or declared canonical by a stored article."""
        self._keys(url=urls)
        rows = self.con.execute("SELECT url FROM keys WHERE url IN (SELECT url FROM urls)")
        return {url for (url,) in rows.fetchall()}

    def capture_articles(self, urls: Sequence[str]) -> dict[str, str]:
        """Of these URLs, those whose latest capture (this run's, else the lake's) became or
        repeats an article, with that article's id."""
        if not urls:
            return {}
        self._keys(url=urls)
        found = {}
        if self.log_files:
            found = dict(
                self.con.execute(
                    "SELECT url, arg_max(article_id, logged_at) FROM read_parquet(?) "
                    "WHERE page_id IS NOT NULL AND article_id IS NOT NULL "
                    "AND url IN (SELECT url FROM keys) GROUP BY url",
                    [self.log_files],
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
        if not self.pages_files or not urls:
            return {}
        self._keys(url=urls)
        rows = self.con.execute(
            "SELECT url, arg_max(etag, fetched_at), arg_max(last_modified, fetched_at) "
            "FROM read_parquet(?) WHERE url IN (SELECT url FROM keys) GROUP BY url",
            [self.pages_files],
        ).fetchall()
        return {url: (etag, modified) for url, etag, modified in rows if etag or modified}

    def find(self, article_ids: Sequence[str], hashes: Sequence[str]) -> KnownArticles:
        """Known articles by id, and by content hash (oldest first), for one batch."""
        self._keys(article_id=article_ids)
        by_id = {
            a.article_id: a for a in self._known("JOIN keys USING (article_id) ORDER BY this_run")
        }
        self._keys(content_hash=hashes)
        by_hash: dict[str, list[KnownArticle]] = {}
        for known in self._known(
            "JOIN keys USING (content_hash) ORDER BY first_seen_at, article_id"
        ):
            by_hash.setdefault(known.content_hash, []).append(known)
        return KnownArticles(by_id, by_hash)

    def file_of(self, article_id: str) -> str | None:
        """The committed file (relative to the articles table) holding an article, if any."""
        # fetchall: DuckDB 2 refuses new work while a result is only partly fetched.
        rows = self.con.execute(
            "SELECT file FROM articles WHERE article_id = ? AND NOT this_run LIMIT 1", [article_id]
        ).fetchall()
        return rows[0][0] if rows else None

    def remember(self, articles: Sequence[Article]) -> None:
        """Add this run's articles, so that later batches see them."""
        rows = [{name: getattr(a, name) for name in _RUN_ARTICLES.names} for a in articles]
        self.con.register("keys", pa.Table.from_pylist(rows, schema=_RUN_ARTICLES))
        self.con.execute("INSERT INTO articles SELECT *, NULL, true FROM keys")

    def close(self) -> None:
        """Release the index's database."""
        self.con.close()

    def _keys(self, **column: Sequence[str]) -> None:
        ((name, values),) = column.items()
        self.con.register("keys", pa.table({name: pa.array(values, pa.string())}))

    def _known(self, clause: str) -> list[KnownArticle]:
        rows = self.con.execute(f"SELECT {_KNOWN_COLUMNS} FROM articles {clause}").fetchall()
        return [KnownArticle(*row) for row in rows]
