"""Where a batch goes: which pages need extracting, and for each extraction its article
identity, duplicate, version and story, decided against what the lake and the run so far hold.

Pure: the caller asks the lake index the batch's questions first (`batch_keys` says which)
and passes the answers in; nothing here reads the lake, the clock or the environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from newslake.transforms.dedup import Decision, KnownArticle, article_key, decide
from newslake.transforms.discovery import Entry, blocked_extraction
from newslake.transforms.errors import NewslakeError
from newslake.transforms.outlets import resolve_outlet
from newslake.transforms.records import (
    Article,
    Extracted,
    FetchLogRow,
    Page,
    RunInfo,
    StoryIndexRow,
)
from newslake.transforms.stories import Candidate, assign_story, band_keys
from newslake.transforms.topics import TopicMatcher, match_topics

Result = Extracted | NewslakeError
Placed = tuple[Article, bool]  # an article staged, and whether it replaces a stored version
# A stored page that once became an article, but is not its current text, is looked at again.
REEXTRACT = {"ok", "updated", "unchanged"}


@dataclass(frozen=True, slots=True)
class KnownPage:
    """What became of a page the lake already stores."""

    outcome: str
    error: str | None
    article_id: str | None
    is_current: bool  # the page holds the current text of its article


@dataclass(frozen=True, slots=True)
class Triage:
    """A batch's pages split into those to extract and log rows for those whose fate is known."""

    fresh: list[Page]
    log: list[FetchLogRow]


def triage_pages(pages: Sequence[Page], known: Mapping[str, KnownPage], run: RunInfo) -> Triage:
    """Pages that need extracting; a known page with a known fate is logged as such.

    A page that holds its article's current text is `unchanged`; one that was a duplicate or
    failed before gets the same outcome again without new work.
    """
    fresh, log = [], []
    for page in pages:
        seen = known.get(page.page_id)
        if seen is None or (not seen.is_current and seen.outcome in REEXTRACT):
            fresh.append(page)
        elif seen.is_current:
            log.append(FetchLogRow.for_page(page, "unchanged", run, article_id=seen.article_id))
        else:
            log.append(
                FetchLogRow.for_page(
                    page, seen.outcome, run, article_id=seen.article_id, error=seen.error
                )
            )
    return Triage(fresh, log)


@dataclass(frozen=True, slots=True)
class PlacementRules:
    """What a run decides by besides the lake: its id and start, configured outlets per
    source name, topics, and (when rebuilding) the first_seen_at each article keeps."""

    run: RunInfo
    outlets: Mapping[str, str | None]
    topics: TopicMatcher
    first_seen: Mapping[str, datetime] | None = None


@dataclass(frozen=True, slots=True)
class BatchKeys:
    """The questions a batch asks the lake: its article ids, content hashes and band keys."""

    article_ids: list[str]
    hashes: list[str]
    bands: dict[str | None, list[str]]  # page_id -> the band keys of its text

    def band_keys(self) -> Iterator[str]:
        """Every band key of the batch (repeats included)."""
        return (key for keys in self.bands.values() for key in keys)


def batch_keys(results: Sequence[Result]) -> BatchKeys:
    """The keys the lake index is asked about for one batch's extraction results."""
    extracted = [r for r in results if isinstance(r, Extracted)]
    return BatchKeys(
        [article_key(r)[0] for r in extracted],
        [r.content_hash for r in extracted],
        {
            r.page_id: list(r.band_keys) if r.band_keys else band_keys(r.signature)
            for r in extracted
        },
    )


@dataclass(frozen=True, slots=True)
class KnownArticles:
    """Articles the lake or the run holds for a batch's keys: by id, and by content hash
    (oldest first)."""

    by_id: dict[str, KnownArticle] = field(default_factory=dict)
    by_hash: dict[str, list[KnownArticle]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Placement:
    """Everything decided for one batch, in input order: a log row per page, the articles
    to stage (each with whether it replaces a stored version) and their story index rows."""

    log: list[FetchLogRow]
    placed: list[Placed]
    stories: list[StoryIndexRow]

    @property
    def articles(self) -> list[Article]:
        """The articles to stage."""
        return [article for article, _ in self.placed]


def place_batch(
    pages: Sequence[Page],
    results: Sequence[Result],
    keys: BatchKeys,
    known: KnownArticles,
    candidates: Mapping[str, Sequence[Candidate]],
    rules: PlacementRules,
) -> Placement:
    """Identity, duplicates, versions and stories for one batch (`results[i]` is what
    extracting `pages[i]` gave); `candidates` are the indexed articles per band key.

    Each article placed is visible to the rest of its batch: a second copy of a text is a
    duplicate of the first, and a near copy joins its story.
    """
    batch = _Batch(known, candidates, keys.bands, rules)
    log: list[FetchLogRow] = []
    placed: list[Placed] = []
    stories: list[StoryIndexRow] = []
    for page, result in zip(pages, results, strict=True):
        if isinstance(result, NewslakeError):
            log.append(
                FetchLogRow.for_page(
                    page, result.outcome, rules.run, error=str(result), decoded=result
                )
            )
            continue
        decision = batch.decide(result)
        log.append(
            FetchLogRow.for_page(
                page,
                decision.outcome,
                rules.run,
                article_id=decision.article_id,
                error=decision.reason,
                decoded=result,
            )
        )
        article = decision.article
        if article is None:
            continue
        first_seen = rules.first_seen
        if first_seen and article.article_id in first_seen:
            article = replace(article, first_seen_at=first_seen[article.article_id])
        placed.append((article, decision.outcome == "updated"))
        stories += batch.index_story(article, result)
        batch.remember(article)
    return Placement(log, placed, stories)


@dataclass(frozen=True, slots=True)
class Repeat:
    """The log row of an input that repeats an earlier capture of the URL `earlier` (a WARC
    revisit): it belongs to the article that capture became."""

    row: FetchLogRow
    earlier: str


UNKNOWN_EARLIER = "its earlier capture is in neither this run nor the lake"


def place_repeats(repeats: Sequence[Repeat], articles: Mapping[str, str]) -> list[FetchLogRow]:
    """Each repeat's row naming the article its earlier capture became (`articles`: by URL,
    what the lake index knows); without one, the row stays unplaced and says why."""
    rows = []
    for repeat in repeats:
        row, article_id = repeat.row, articles.get(repeat.earlier)
        if article_id is not None:
            rows.append(replace(row, article_id=article_id))
        else:
            rows.append(replace(row, error=f"{row.error}; {UNKNOWN_EARLIER}"))
    return rows


def listed_stubs(rows: Sequence[FetchLogRow], entries: Mapping[str, Entry]) -> dict[str, Extracted]:
    """Articles known only from their listing, by URL: a `blocked` URL that a feed or sitemap
    listed with a title is an article too (access `blocked`, text the listing's summary)."""
    return {
        row.url: blocked_extraction(entry, row.source)
        for row in rows
        if row.outcome == "blocked" and (entry := entries.get(row.url)) and entry.title
    }


def place_listed(
    rows: Sequence[FetchLogRow],
    stubs: Mapping[str, Extracted],
    known: KnownArticles,
    rules: PlacementRules,
) -> tuple[list[FetchLogRow], list[Article]]:
    """The log rows, each naming the article its listing stub became, and the new articles
    (a stub of an article the lake has already adds nothing)."""
    batch = _Batch(known, {}, {}, rules)
    logged, articles = [], []
    for row in rows:
        stub = stubs.get(row.url)
        if stub is not None:
            decision = batch.decide(stub)
            row = replace(row, article_id=decision.article_id)
            if decision.outcome == "ok" and decision.article is not None:  # ok has an article
                articles.append(decision.article)
                batch.remember(decision.article)
        logged.append(row)
    return logged, articles


class _Batch:
    """The known articles and story candidates of one batch, growing as it is placed."""

    def __init__(
        self,
        known: KnownArticles,
        candidates: Mapping[str, Sequence[Candidate]],
        bands: Mapping[str | None, list[str]],
        rules: PlacementRules,
    ) -> None:
        self.by_id = dict(known.by_id)
        self.by_hash = {digest: list(twins) for digest, twins in known.by_hash.items()}
        self.stories = {key: list(found) for key, found in candidates.items()}
        self.bands, self.rules = bands, rules

    def decide(self, ex: Extracted) -> Decision:
        rules = self.rules
        outlet = resolve_outlet(
            rules.outlets.get(ex.source), ex.site_name, ex.url, ex.canonical_url
        )
        twins = self.by_hash.get(ex.content_hash, [])
        near_story = None
        if not twins and ex.signature:  # exact copies need no near-duplicate search
            found = {
                c.article_id: c for key in self.bands[ex.page_id] for c in self.stories.get(key, [])
            }
            near_story = assign_story(ex.signature, found.values())
        return decide(
            ex,
            outlet=outlet,
            run=rules.run,
            same_id=self.by_id.get(article_key(ex)[0]),
            same_text_same_outlet=next((k for k in twins if k.outlet == outlet), None),
            same_text_elsewhere=twins[0] if twins else None,
            topics=match_topics(rules.topics, ex.title, ex.text),
            near_story=near_story,
        )

    def index_story(self, article: Article, ex: Extracted) -> list[StoryIndexRow]:
        """The story_index row for an article, made a candidate for the rest of its batch."""
        if not ex.signature:
            return []
        keys = self.bands[ex.page_id]
        run = self.rules.run
        row = StoryIndexRow(
            article_id=article.article_id,
            story_id=article.story_id,
            published_at=article.published_at,
            band_keys=keys,
            signature=list(ex.signature),
            indexed_at=run.started_at,
            run_id=run.run_id,
        )
        candidate = Candidate(
            article.story_id, ex.signature, article.published_at, article.article_id
        )
        for key in keys:
            self.stories.setdefault(key, []).append(candidate)
        return [row]

    def remember(self, a: Article) -> None:
        """Make an article visible to the rest of its batch."""
        # decide() always dates an article it places: first_seen_at is never None here
        assert a.first_seen_at is not None
        known = KnownArticle(
            a.article_id,
            a.content_hash,
            a.outlet,
            a.story_id,
            a.first_seen_at,
            is_from_this_run=True,
        )
        self.by_id[a.article_id] = known
        self.by_hash.setdefault(a.content_hash, []).append(known)
