"""Exact deduplication: is an extracted page new, an update, unchanged, or a duplicate?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newslake.transforms.records import Article, ArticleVersion, Extracted, RunInfo, short_hash
from newslake.transforms.urls import canonical_url, resolve_canonical


@dataclass(frozen=True, slots=True)
class KnownArticle:
    """What the lake already holds about one article: enough to decide, no text."""

    article_id: str
    content_hash: str
    outlet: str | None
    story_id: str
    first_seen_at: datetime
    is_from_this_run: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome for one extracted page: `ok` (new), `updated`, `unchanged` or `duplicate`."""

    outcome: str
    article_id: str
    article: Article | None = None
    reason: str | None = None


def article_key(ex: Extracted) -> tuple[str, str | None]:
    """The article_id and canonical URL of an extracted page."""
    canonical = resolve_canonical(ex.url, ex.canonical_url)
    return short_hash(canonical or canonical_url(ex.url)), canonical


def decide(
    ex: Extracted,
    *,
    outlet: str | None,
    run: RunInfo,
    same_id: KnownArticle | None,
    same_text_same_outlet: KnownArticle | None,
    same_text_elsewhere: KnownArticle | None,
    topics: dict[str, int] | None = None,
    near_story: str | None = None,
) -> Decision:
    """Place one page against what is known; same text at a second URL of an outlet is a duplicate.

    The same text from another outlet is coverage: a new article sharing that story_id.
    A new article joins `near_story` (a near-duplicate's story) when it has no exact twin;
    an article that is updated keeps its story.
    """
    article_id, canonical = article_key(ex)
    digest = ex.content_hash
    twin = same_text_same_outlet
    if twin is not None and twin.article_id != article_id:
        return Decision(
            "duplicate", twin.article_id, reason=f"same text as article {twin.article_id}"
        )
    if same_id is not None and same_id.is_from_this_run:
        return Decision("duplicate", article_id, reason="another input of this run has its URL")
    if same_id is not None and same_id.content_hash == digest:
        return Decision("unchanged", article_id)
    if same_id is not None:
        story_id, first_seen = same_id.story_id, same_id.first_seen_at
    else:
        twin_story = same_text_elsewhere.story_id if same_text_elsewhere else None
        story_id = twin_story or near_story or article_id
        first_seen = run.started_at
    article = Article(
        article_id=article_id,
        page_id=ex.page_id,
        url=ex.url,
        canonical_url=canonical,
        outlet=outlet,
        source=ex.source,
        title=ex.title,
        authors=list(ex.authors),
        published_at=ex.published_at,
        published_offset_minutes=ex.published_offset_minutes,
        published_day=ex.published_day,
        date_source=ex.date_source,
        date_confidence=ex.date_confidence,
        is_updated=ex.is_updated,
        date_candidates=[
            {"source": c.source, "value": c.value, "kind": c.kind} for c in ex.date_candidates
        ],
        language=ex.language,
        text=ex.text,
        word_count=ex.word_count,
        content_hash=digest,
        story_id=story_id,
        is_story_canonical=story_id == article_id,
        access=ex.access,
        topics=list(topics or {}),
        topic_hits=[{"topic": name, "hits": hits} for name, hits in (topics or {}).items()],
        first_seen_at=first_seen,
        updated_at=run.started_at,
        run_id=run.run_id,
    )
    return Decision("updated" if same_id else "ok", article_id, article)


def earlier_version(old: dict[str, Any], *, replaced_at: datetime, run_id: str) -> ArticleVersion:
    """The article_versions row for a stored article row that a newer text replaces."""
    return ArticleVersion(
        article_id=old["article_id"],
        page_id=old["page_id"],
        content_hash=old["content_hash"],
        title=old["title"],
        text=old["text"],
        word_count=old["word_count"],
        seen_from=old["updated_at"],
        seen_to=replaced_at,
        run_id_from=old["run_id"],
        run_id_to=run_id,
    )
