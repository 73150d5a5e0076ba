"""The records that flow between stages; each maps one-to-one onto a lake table row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from newslake.transforms.dates import DateCandidate
from newslake.transforms.errors import NewslakeError
from newslake.transforms.pickling import pickled_by_fields


def short_hash(*parts: str | bytes) -> str:
    """16 hex chars of sha256 over the parts, separated so ('ab','c') != ('a','bc')."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\x1f")
    return digest.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Identity of one flow run; passed in so transforms never read the clock."""

    run_id: str
    started_at: datetime


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Page:
    """Raw bytes of one fetched or read input (a `bronze/pages` row)."""

    page_id: str
    source: str
    url: str
    final_url: str
    status: int | None
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    body: bytes
    body_sha256: str
    fetched_at: datetime
    run_id: str

    @classmethod
    def create(
        cls,
        *,
        source: str,
        url: str,
        body: bytes,
        run: RunInfo,
        final_url: str | None = None,
        status: int | None = None,
        content_type: str | None = None,
        charset: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        fetched_at: datetime | None = None,
    ) -> Page:
        """A page whose ids derive from its URL and bytes: same input, same page_id.

        fetched_at defaults to the run's start; archives pass their capture time.
        """
        body_sha256 = hashlib.sha256(body).hexdigest()
        return cls(
            page_id=short_hash(url, body_sha256),
            source=source,
            url=url,
            final_url=final_url or url,
            status=status,
            content_type=content_type,
            charset=charset,
            etag=etag,
            last_modified=last_modified,
            body=body,
            body_sha256=body_sha256,
            fetched_at=fetched_at or run.started_at,
            run_id=run.run_id,
        )


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FetchLogRow:
    """What happened to one input in one run (a `bronze/fetch_log` row)."""

    url: str
    source: str
    outcome: str
    status: int | None
    error: str | None
    attempts: int
    elapsed_ms: int
    page_id: str | None
    article_id: str | None
    run_id: str
    logged_at: datetime
    encoding: str | None = None  # what the page's bytes were read in, when they were decoded
    encoding_rule: str | None = None  # the sniffing rule that chose it (decode.RULES)

    @classmethod
    def from_error(
        cls,
        url: str,
        source: str,
        exc: NewslakeError,
        run: RunInfo,
        *,
        page_id: str | None = None,
        article_id: str | None = None,
        elapsed_ms: int | None = None,
    ) -> FetchLogRow:
        """The row recording that `url` failed with `exc` (with a FetchError's status, attempts)."""
        return cls(
            url=url,
            source=source,
            outcome=exc.outcome,
            status=getattr(exc, "status", None),
            error=str(exc),
            attempts=getattr(exc, "attempts", 1),
            elapsed_ms=elapsed_ms if elapsed_ms is not None else getattr(exc, "elapsed_ms", 0),
            page_id=page_id,
            article_id=article_id,
            run_id=run.run_id,
            logged_at=run.started_at,
        )

    @classmethod
    def for_page(
        cls,
        page: Page,
        outcome: str,
        run: RunInfo,
        *,
        article_id: str | None = None,
        error: str | None = None,
        elapsed_ms: int = 0,
        decoded: Extracted | NewslakeError | None = None,
    ) -> FetchLogRow:
        """The row recording what became of a page that was read or fetched; `decoded` is
        its extraction result (or error), which tells the encoding it was read in."""
        return cls(
            url=page.url,
            source=page.source,
            outcome=outcome,
            status=page.status,
            error=error,
            attempts=1,
            elapsed_ms=elapsed_ms,
            page_id=page.page_id,
            article_id=article_id,
            run_id=run.run_id,
            logged_at=run.started_at,
            encoding=getattr(decoded, "encoding", None),
            encoding_rule=getattr(decoded, "encoding_rule", None),
        )


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Extracted:
    """What extraction found in one page, before identity and dedup are decided."""

    page_id: str | None  # None for a refused page known only from its listing
    url: str
    source: str
    canonical_url: str | None
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    language: str | None
    site_name: str | None
    text: str
    word_count: int
    content_hash: str
    signature: tuple[int, ...] = ()  # MinHash of the text, for near-duplicate stories
    date_source: str | None = None  # where published_at came from (transforms.dates.SOURCES)
    date_confidence: str = "none"
    is_updated: bool = False  # the page says it was modified after publication
    date_candidates: tuple[DateCandidate, ...] = ()
    access: str = "full"  # full, teaser or blocked (transforms.access)
    encoding: str | None = None  # what the page's bytes were read in (transforms.decode)
    encoding_rule: str | None = None  # the sniffing rule that chose it (decode.RULES)
    published_offset_minutes: int | None = None  # the UTC offset the chosen date states
    published_day: date | None = None  # the publication day as the outlet states it
    # The signature's LSH band keys (stories.band_keys), found with it on the worker;
    # () where they were not: they are then found from the signature where needed.
    band_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """One article, current version (a `silver/articles` row)."""

    article_id: str
    page_id: str | None
    url: str
    canonical_url: str | None
    outlet: str | None
    source: str
    title: str | None
    authors: list[str]
    published_at: datetime | None
    published_offset_minutes: int | None  # the UTC offset the outlet states, in minutes
    published_day: date | None  # the publication day as the outlet states it
    date_source: str | None
    date_confidence: str
    is_updated: bool
    date_candidates: list[dict[str, object]]
    language: str | None
    text: str
    word_count: int
    content_hash: str
    story_id: str
    is_story_canonical: bool
    access: str = "full"
    topics: list[str] = field(default_factory=list)
    topic_hits: list[dict[str, object]] = field(default_factory=list)
    first_seen_at: datetime | None = None
    updated_at: datetime | None = None
    run_id: str = ""


@dataclass(frozen=True, slots=True)
class StoryIndexRow:
    """An article's text indexed for near-duplicate search (a `silver/story_index` row)."""

    article_id: str
    story_id: str
    published_at: datetime | None
    band_keys: list[str]
    signature: list[int]
    indexed_at: datetime
    run_id: str


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """An article's earlier text, replaced by a newer one (a `silver/article_versions` row)."""

    article_id: str
    page_id: str | None
    content_hash: str
    title: str | None
    text: str
    word_count: int
    seen_from: datetime
    seen_to: datetime
    run_id_from: str
    run_id_to: str


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """One claim sentence of an article, placed in a claim cluster (a `silver/claims` row)."""

    claim_id: str
    article_id: str
    sentence_index: int
    story_id: str
    outlet: str | None
    text: str
    normalised: str
    quantities: list[dict[str, object]]  # value, unit, kind, text, high
    attributed_to: str | None
    rule: str
    published_at: datetime | None
    match_keys: list[int]
    run_id: str


def as_row(record: object) -> dict[str, object]:
    """A record as the dict of its fields, in field order: what a lake table stages."""
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]
