"""The lake's tables: one schema definition each, with column docs and partitioning."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")
DATE = pa.date32()
NO_DATE = "__HIVE_DEFAULT_PARTITION__"  # Hive's name for a null partition value


@dataclass(frozen=True, slots=True)
class Column:
    """One column: name, Arrow type, whether it may be null, and what it means.

    `unique` columns (page bodies, texts) hold values that rarely repeat: they are written
    without a dictionary, which for them costs time (measured: a quarter of writing the pages
    table) and saves nothing.
    """

    name: str
    type: pa.DataType
    doc: str
    nullable: bool = True
    unique: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A lake table: where it lives, its columns, its partition column and its key."""

    name: str
    path: str
    columns: tuple[Column, ...]
    partition: str
    partition_of: Callable[[dict[str, Any]], date | None]
    partition_doc: str
    key: str | None = None  # rows are removed (replaced) by this column
    sort_by: str | None = None
    grain: str = ""  # what one row is
    partition_type: pa.DataType = DATE  # of the partition column

    @property
    def schema(self) -> pa.Schema:
        """Arrow schema of the files (the partition column lives in the path, not the file)."""
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def dictionary_columns(self) -> list[str]:
        """Columns worth dictionary encoding in Parquet: all but the `unique` ones."""
        return [c.name for c in self.columns if not c.unique]

    def to_table(self, rows: Sequence[dict[str, Any]]) -> pa.Table:
        """Rows as an Arrow table; a row that does not fit the schema fails here."""
        return pa.Table.from_pylist(list(rows), schema=self.schema)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A table read from an older file in today's schema: columns added since are filled in
    (empty lists, or nulls), so files written by earlier versions stay readable."""
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table[field.name].cast(field.type))
        elif pa.types.is_list(field.type):
            columns.append(pa.array([[]] * table.num_rows, field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


def _utc_date(column: str) -> Callable[[dict[str, Any]], date | None]:
    def partition_of(row: dict[str, Any]) -> date | None:
        value = row.get(column)
        return value.date() if value is not None else None

    return partition_of


PAGES = TableSpec(
    name="pages",
    grain="one row per distinct content fetched or read (`page_id`)",
    path="bronze/pages",
    partition="fetch_date",
    partition_of=_utc_date("fetched_at"),
    partition_doc="UTC date the bytes were first fetched or read",
    key="page_id",
    sort_by="page_id",
    columns=(
        Column("page_id", pa.string(), "hash of url and body: one row per distinct content", False),
        Column("source", pa.string(), "source that produced it, as kind:name", False),
        Column("url", pa.string(), "URL requested, or file:// URL of a local file", False),
        Column("final_url", pa.string(), "URL after redirects"),
        Column("status", pa.int32(), "HTTP status; null for files"),
        Column("content_type", pa.string(), "media type from the server or the file name"),
        Column("charset", pa.string(), "charset declared by the server"),
        Column("etag", pa.string(), "ETag header, for conditional re-fetch"),
        Column("last_modified", pa.string(), "Last-Modified header, for conditional re-fetch"),
        Column("body", pa.binary(), "raw bytes as received", False, unique=True),
        Column("body_sha256", pa.string(), "sha256 of body", False),
        Column("fetched_at", TS, "when the bytes were first fetched or read (UTC)", False),
        Column("run_id", pa.string(), "run that fetched them", False),
    ),
)

FETCH_LOG = TableSpec(
    name="fetch_log",
    grain="one row per input (URL or file) per run",
    path="bronze/fetch_log",
    partition="fetch_date",
    partition_of=_utc_date("logged_at"),
    partition_doc="UTC date of the run",
    sort_by="url",
    columns=(
        Column("url", pa.string(), "URL or file:// URL of the input", False),
        Column("source", pa.string(), "source that listed it, as kind:name", False),
        Column(
            "outcome",
            pa.string(),
            "ok, updated, unchanged, duplicate, empty, "
            "bad_content_type, parse_error, read_error, too_large, …",
            False,
        ),
        Column("status", pa.int32(), "HTTP status; null for files"),
        Column("error", pa.string(), "why it failed, or what it duplicates"),
        Column("attempts", pa.int32(), "fetch attempts made", False),
        Column("elapsed_ms", pa.int64(), "time spent fetching or reading", False),
        Column("page_id", pa.string(), "bronze page, when bytes were read"),
        Column("article_id", pa.string(), "article it became or duplicates"),
        Column("run_id", pa.string(), "run that logged it", False),
        Column("logged_at", TS, "start of that run (UTC)", False),
        Column(
            "encoding",
            pa.string(),
            "encoding the page was read in (Encoding Standard name, e.g. windows-1252); "
            "null when it was not decoded",
        ),
        Column(
            "encoding_rule",
            pa.string(),
            "HTML encoding-sniffing rule that chose it: bom, http, meta, xml, utf8, detected "
            "or default",
        ),
    ),
)

ARTICLES = TableSpec(
    name="articles",
    grain="one row per article (`article_id`), its current version",
    path="silver/articles",
    partition="published_date",
    partition_of=lambda row: row.get("published_day") or _utc_date("published_at")(row),
    partition_doc="the publication day as the outlet states it (published_day; the UTC date "
    f"of published_at in rows written before it); articles without a date are under {NO_DATE}",
    key="article_id",
    sort_by="article_id",
    columns=(
        Column(
            "article_id", pa.string(), "hash of the canonical URL (of the path for files)", False
        ),
        Column("page_id", pa.string(), "bronze page it was extracted from (null when blocked)"),
        Column("url", pa.string(), "URL or file:// URL it was read from", False),
        Column("canonical_url", pa.string(), "canonical URL the page declares"),
        Column("outlet", pa.string(), "configured outlet, else site name, else registered domain"),
        Column("source", pa.string(), "source that produced it, as kind:name", False),
        Column("title", pa.string(), "headline without the site-name suffix"),
        Column("authors", pa.list_(pa.string()), "author names, cleaned", False),
        Column("published_at", TS, "publication time (UTC), null when the page states none"),
        Column(
            "published_offset_minutes",
            pa.int32(),
            "UTC offset the outlet states with published_at, in minutes (+540 for Tokyo); "
            "null when it states a day or a local time without one, or when a UTC date's day "
            "comes from the day the page shows (its offset then unknown)",
        ),
        Column(
            "published_day",
            pa.date32(),
            "publication day as the outlet states it, in its own offset (not converted to "
            "UTC): the day articles are partitioned and counted by",
        ),
        Column(
            "date_source",
            pa.string(),
            "where published_at came from: jsonld, "
            "meta:published, meta:generic, time, text, feed, url or htmldate",
        ),
        Column(
            "date_confidence",
            pa.string(),
            "high (two kinds of source agree on the day), "
            "medium (one stated source), low (URL, feed or guess only), none",
            False,
        ),
        Column("is_updated", pa.bool_(), "the page states a modification after publication", False),
        Column(
            "date_candidates",
            pa.list_(pa.struct([("source", pa.string()), ("value", TS), ("kind", pa.string())])),
            "every date found (published or modified), with its source",
            False,
        ),
        Column("language", pa.string(), "ISO 639-1 code, stated or detected"),
        Column(
            "text",
            pa.string(),
            "clean article text in the page's characters (NFC, spaces tidied), paragraphs "
            "separated by blank lines",
            False,
            unique=True,
        ),
        Column("word_count", pa.int32(), "words in text", False),
        Column(
            "content_hash",
            pa.string(),
            "hash of the normalised text: case, punctuation and quote style folded (exact "
            "duplicates)",
            False,
        ),
        Column("story_id", pa.string(), "story the article belongs to: copies share it", False),
        Column(
            "is_story_canonical",
            pa.bool_(),
            "the story's representative: earliest published, then longest, then lowest id",
            False,
        ),
        Column(
            "access",
            pa.string(),
            "full, teaser (paywalled or cut short: only a summary or lede) or blocked "
            "(refused with HTTP 401/402/403/451; title and summary from the feed)",
        ),
        Column("topics", pa.list_(pa.string()), "configured topics it matches", False),
        Column(
            "topic_hits",
            pa.list_(pa.struct([("topic", pa.string()), ("hits", pa.int32())])),
            "term hits in title and text, per matched topic",
            False,
        ),
        Column("first_seen_at", TS, "start of the run that first stored it (UTC)", False),
        Column("updated_at", TS, "start of the run that stored this version (UTC)", False),
        Column("run_id", pa.string(), "run that stored this version", False),
    ),
)

STORY_INDEX = TableSpec(
    name="story_index",
    grain="one row per indexing of an article's text; the latest counts",
    path="silver/story_index",
    partition="indexed_date",
    partition_of=_utc_date("indexed_at"),
    partition_doc="UTC date of the run that indexed the text",
    sort_by="article_id",
    columns=(
        Column("article_id", pa.string(), "article whose text this is", False),
        Column("story_id", pa.string(), "story the article was assigned to", False),
        Column("published_at", TS, "publication time, to prefer the earliest story"),
        Column("band_keys", pa.list_(pa.string()), "LSH band keys: shared key = candidate", False),
        Column("signature", pa.list_(pa.int64()), "MinHash signature of the text", False),
        Column("indexed_at", TS, "start of the run that indexed it; the latest row counts", False),
        Column("run_id", pa.string(), "run that indexed it", False),
    ),
)

ARTICLE_VERSIONS = TableSpec(
    name="article_versions",
    grain="one row per earlier version of an article",
    path="silver/article_versions",
    partition="replaced_date",
    partition_of=_utc_date("seen_to"),
    partition_doc="UTC date the version was replaced",
    sort_by="article_id",
    columns=(
        Column("article_id", pa.string(), "article this was a version of", False),
        Column("page_id", pa.string(), "bronze page the version was extracted from"),
        Column("content_hash", pa.string(), "hash of the version's normalised text", False),
        Column("title", pa.string(), "the version's headline"),
        Column("text", pa.string(), "the version's clean text", False, unique=True),
        Column("word_count", pa.int32(), "words in that text", False),
        Column("seen_from", TS, "when this version was stored (its updated_at)", False),
        Column("seen_to", TS, "start of the run that replaced it", False),
        Column("run_id_from", pa.string(), "run that stored it", False),
        Column("run_id_to", pa.string(), "run that replaced it", False),
    ),
)

COVERAGE_DAILY = TableSpec(
    name="coverage_daily",
    grain="one row per date, outlet, topic and access",
    path="gold/coverage_daily",
    partition="date",
    partition_of=lambda row: row["date"],
    partition_doc="publication day as the outlet states it (articles.published_day); "
    "undated articles are under " + NO_DATE,
    sort_by="outlet",
    columns=(
        Column("outlet", pa.string(), "outlet, '(unknown)' when none was found", False),
        Column(
            "topic", pa.string(), "configured topic, '(none)' for articles matching none", False
        ),
        Column(
            "access",
            pa.string(),
            "full, teaser or blocked: leave out teasers with WHERE access = 'full'",
            False,
        ),
        Column("articles", pa.int64(), "articles published (raw volume)", False),
        Column("stories", pa.int64(), "distinct stories: copies of one story count once", False),
        Column("words", pa.int64(), "words in those articles", False),
    ),
)


def _share(field: str, what: str) -> Column:
    return Column(f"share_with_{field}", pa.float64(), f"share of those articles with {what}")


def _trailing(column: str, what: str) -> Column:
    return Column(
        f"trailing_{column}", pa.float64(), f"median of {what} over the trailing window's days"
    )


OUTLET_HEALTH = TableSpec(
    name="outlet_health",
    grain="one row per outlet per day the lake fetched (`date`, `outlet`)",
    path="gold/outlet_health",
    partition="date",
    partition_of=lambda row: row["date"],
    partition_doc="UTC date of the runs (fetch_log's fetch_date)",
    sort_by="outlet",
    columns=(
        Column(
            "outlet",
            pa.string(),
            "the articles' outlet; for a URL that never became one, the outlet most articles "
            "from its host (or folder) carry, else its host, else its source",
            False,
        ),
        Column(
            "urls_discovered",
            pa.int64(),
            "distinct URLs logged that day; 0 on a day the outlet was silent after being "
            "seen within the trailing window",
            False,
        ),
        Column(
            "fetched",
            pa.int64(),
            "URLs whose bytes came and were used (ok, updated, unchanged, duplicate)",
            False,
        ),
        Column("not_modified", pa.int64(), "URLs only ever answered 304 that day", False),
        Column("failed", pa.int64(), "URLs that failed on every run that day", False),
        Column(
            "failures_by_outcome",
            pa.list_(pa.struct([("outcome", pa.string()), ("urls", pa.int64())])),
            "failed URLs by their last failure outcome that day",
            False,
        ),
        Column("not_modified_share", pa.float64(), "not_modified / urls_discovered"),
        Column("robots_refusals", pa.int64(), "failed URLs refused by robots.txt", False),
        Column("blocked", pa.int64(), "failed URLs refused with HTTP 401, 402, 403 or 451", False),
        Column(
            "articles",
            pa.int64(),
            "articles extracted and stored that day (new or updated), in their current version",
            False,
        ),
        _share("title", "a title"),
        _share("date", "a published_at"),
        _share("author", "an author"),
        _share("language", "a language"),
        Column("median_text_chars", pa.float64(), "median characters of their text"),
        Column("teaser_share", pa.float64(), "share of them that are teasers (access = teaser)"),
        Column(
            "history_days",
            pa.int64(),
            "days with a row for the outlet in the trailing window (the days just before)",
            False,
        ),
        _trailing("articles", "articles"),
        _trailing("urls", "urls_discovered"),
        _trailing("share_with_title", "share_with_title"),
        _trailing("share_with_date", "share_with_date"),
        _trailing("share_with_author", "share_with_author"),
        _trailing("share_with_language", "share_with_language"),
        _trailing("median_text_chars", "median_text_chars"),
        Column(
            "volume_anomaly",
            pa.bool_(),
            "articles or urls_discovered fell far below their trailing median "
            "(thresholds in warehouse/health.py)",
            False,
        ),
        Column(
            "completeness_anomaly",
            pa.bool_(),
            "a share_with_* fell far below its trailing median, or median_text_chars did "
            "(thresholds in warehouse/health.py)",
            False,
        ),
        Column(
            "anomaly_reason",
            pa.string(),
            "what fell, e.g. 'articles 3 vs trailing median 40'; null when nothing did",
        ),
    ),
)

QUANTITY = pa.struct(
    [
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("kind", pa.string()),
        ("text", pa.string()),
        ("high", pa.float64()),
    ]
)

CLAIMS = TableSpec(
    name="claims",
    grain="one row per claim sentence (`article_id`, `sentence_index`)",
    path="silver/claims",
    partition="published_date",
    partition_of=_utc_date("published_at"),
    partition_doc="UTC publication date of the article; undated articles are under " + NO_DATE,
    key="article_id",
    sort_by="article_id",
    columns=(
        Column("claim_id", pa.string(), "claim cluster: sentences stating the same claim", False),
        Column("article_id", pa.string(), "article the sentence is from", False),
        Column("sentence_index", pa.int32(), "position of the sentence in the article text", False),
        Column("story_id", pa.string(), "the article's story: copies count once as support", False),
        Column("outlet", pa.string(), "the article's outlet"),
        Column("text", pa.string(), "the sentence as published", False),
        Column(
            "normalised",
            pa.string(),
            "lower-cased, figures as <num>, attribution removed: the form claims are matched on",
            False,
        ),
        Column(
            "quantities",
            pa.list_(QUANTITY),
            "figures stated: value normalised in unit (money in currency units, percent, "
            "ratio, count of a noun, date as days since 1970-01-01), kind, text, range top",
            False,
        ),
        Column("attributed_to", pa.string(), "who the sentence says made the claim"),
        Column(
            "rule",
            pa.string(),
            "why the sentence was kept as a claim (figure, attribution, comparison, date, "
            "statement); `newslake claims-audit` shows every sentence's decision",
            False,
        ),
        Column("published_at", TS, "the article's publication time (UTC)"),
        Column(
            "match_keys",
            pa.list_(pa.int64()),
            "blocking keys: claims sharing one are compared when later runs add claims",
            False,
        ),
        Column("run_id", pa.string(), "run that stored it", False),
    ),
)

CLAIM_CLUSTERS = TableSpec(
    name="claim_clusters",
    grain="one row per claim (`claim_id`)",
    path="gold/claim_clusters",
    partition="first_seen_date",
    partition_of=_utc_date("first_seen"),
    partition_doc="UTC date the claim first appeared; undated claims are under " + NO_DATE,
    sort_by="claim_id",
    key="claim_id",
    columns=(
        Column("claim_id", pa.string(), "the claim", False),
        Column("representative", pa.string(), "its earliest published wording", False),
        Column("articles", pa.int64(), "articles stating it", False),
        Column("stories", pa.int64(), "independent stories stating it (copies count once)", False),
        Column("outlets", pa.int64(), "distinct outlets stating it", False),
        Column("first_seen", TS, "earliest publication time of an article stating it"),
        Column("last_seen", TS, "latest publication time of an article stating it"),
        Column("outlet_order", pa.list_(pa.string()), "outlets in order of first mention", False),
        Column(
            "figures",
            pa.list_(
                pa.struct(
                    [
                        ("kind", pa.string()),
                        ("unit", pa.string()),
                        ("value", pa.float64()),
                        ("text", pa.string()),
                        ("mentions", pa.int64()),
                    ]
                )
            ),
            "distinct figures stated, with how many sentences state each",
            False,
        ),
        Column("attributed_to", pa.list_(pa.string()), "sources the claim is attributed to", False),
        Column(
            "is_recurring",
            pa.bool_(),
            "stated by at least claims.min_stories independent stories (config, default 2)",
            False,
        ),
    ),
)

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        PAGES,
        FETCH_LOG,
        ARTICLES,
        ARTICLE_VERSIONS,
        STORY_INDEX,
        CLAIMS,
        COVERAGE_DAILY,
        OUTLET_HEALTH,
        CLAIM_CLUSTERS,
    )
}
