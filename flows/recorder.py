"""Turns a run's pages and extraction results into staged rows, deciding identity on the way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from newslake.flows.claim_recorder import ClaimRecorder
from newslake.flows.settings import ClaimSettings
from newslake.flows.summary import RunSummary
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.dedup import Decision, KnownArticle, article_key, decide, earlier_version
from newslake.transforms.discovery import Entry, blocked_extraction, fill_gaps
from newslake.transforms.errors import NewslakeError
from newslake.transforms.outlets import resolve_outlet
from newslake.transforms.records import Article, Extracted, FetchLogRow, Page, RunInfo
from newslake.transforms.stories import Candidate, assign_story, band_keys
from newslake.transforms.topics import TopicMatcher, match_topics
from newslake.warehouse.lake import Commit, Lake, partition_value
from newslake.warehouse.state import LakeState

Result = Extracted | NewslakeError
Placed = tuple[Article, bool]  # an article staged, and whether it replaces a stored version
FoundClaims = tuple[list[Placed], list[tuple[FoundClaim, ...]]]  # a batch's, in placed order
# A stored page that once became an article, but is not its current text, is looked at again.
REEXTRACT = {"ok", "updated", "unchanged"}


def _row(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}  # type: ignore[attr-defined]


class RunRecorder:
    """Everything one run writes goes through here, so nothing is lost and nothing doubles."""

    def __init__(
        self,
        commit: Commit,
        run: RunInfo,
        summary: RunSummary,
        outlets: dict[str, str | None],
        topics: TopicMatcher,
        claims: ClaimSettings | None = None,
        first_seen: dict[str, datetime] | None = None,
    ) -> None:
        """`first_seen` rebuilds from scratch: the lake's articles are ignored, and an article
        it names keeps that first_seen_at."""
        self.commit = commit
        self.run = run
        self.summary = summary
        self.outlets = outlets  # configured outlet per source name
        self.topics = topics
        self.first_seen = first_seen
        known = Lake(commit.staging / "nothing") if first_seen is not None else commit.lake
        self.state = LakeState(known, spill=commit.staging / "state.duckdb")
        self.claims = (
            ClaimRecorder(commit, run, self.state, claims) if claims and claims.enabled else None
        )
        self.min_stories = claims.min_stories if claims else 2
        self.claims_changed = False  # claims staged or removed: claim clusters need rebuilding
        self.stored_pages: set[str] = set()
        self.touched_dates: set[date | None] = set()  # article partitions this run changes
        self._story_keys: dict[str, list[Candidate]] = {}  # band key -> candidates, per batch
        # page_id -> its text's band keys, per batch
        self._band_keys: dict[str | None, list[str]] = {}

    def log(self, rows: Sequence[FetchLogRow], entries: dict[str, Entry] | None = None) -> None:
        """Stage fetch_log rows and count their outcomes.

        A `blocked` URL that a feed or sitemap listed with a title is also an article
        (access `blocked`, text the listing's summary), unless the lake already has it.
        """
        if entries:
            rows = self._record_blocked(rows, entries)
        self.commit.add("fetch_log", map(_row, rows))
        self.summary.outcomes.update(row.outcome for row in rows)

    def _record_blocked(
        self, rows: Sequence[FetchLogRow], entries: dict[str, Entry]
    ) -> list[FetchLogRow]:
        stubs = {
            row.url: blocked_extraction(entry, row.source)
            for row in rows
            if row.outcome == "blocked" and (entry := entries.get(row.url)) and entry.title
        }
        if not stubs:
            return list(rows)
        by_id, _ = self.state.find([article_key(s)[0] for s in stubs.values()], [])
        articles: list[Article] = []
        logged = []
        for row in rows:
            stub = stubs.get(row.url)
            if stub is not None:
                decision = self._decide(stub, by_id, {})
                row = replace(row, article_id=decision.article_id)
                if decision.outcome == "ok" and decision.article is not None:  # ok has an article
                    articles.append(decision.article)
                    self.touched_dates.add(stub.published_day)
                    self._remember(decision.article, by_id, {})
            logged.append(row)
        self.commit.add("articles", map(_row, articles))
        self.state.remember(articles)
        return logged

    def skip_known(self, pages: Sequence[Page]) -> list[Page]:
        """Pages that need extracting; known pages with a known fate are logged as such.

        A page that holds its article's current text is `unchanged`; one that was a
        duplicate or failed before gets the same outcome again without new work.
        """
        known = self.state.known_pages([p.page_id for p in pages])
        self.stored_pages.update(known)
        logs, fresh = [], []
        for page in pages:
            seen = known.get(page.page_id)
            if seen is None or (not seen.is_current and seen.outcome in REEXTRACT):
                fresh.append(page)
            elif seen.is_current:
                logs.append(
                    FetchLogRow.for_page(page, "unchanged", self.run, article_id=seen.article_id)
                )
            else:
                logs.append(
                    FetchLogRow.for_page(
                        page, seen.outcome, self.run, article_id=seen.article_id, error=seen.error
                    )
                )
        self.log(logs)
        return fresh

    def record(
        self, pages: Sequence[Page], results: Sequence[Result], entries: dict[str, Entry]
    ) -> list[Placed]:
        """Stage the pages, then each result as an article, an update or a log row.

        `entries` are what feeds and sitemaps said of the URLs; they fill metadata gaps.
        Returns the articles staged, each with whether it replaces a stored version: their
        claims go to `record_claims`, in the same order, once found.
        """
        results = [
            fill_gaps(r, entries.get(r.url)) if isinstance(r, Extracted) else r for r in results
        ]
        self.commit.add("pages", (_row(p) for p in pages if p.page_id not in self.stored_pages))
        keys = [article_key(r)[0] for r in results if isinstance(r, Extracted)]
        hashes = [r.content_hash for r in results if isinstance(r, Extracted)]
        by_id, by_hash = self.state.find(keys, hashes)
        self._band_keys = {
            r.page_id: band_keys(r.signature) for r in results if isinstance(r, Extracted)
        }
        self._story_keys = self.state.story_candidates(
            key for keys in self._band_keys.values() for key in keys
        )
        indexed: list[dict] = []
        logs: list[FetchLogRow] = []
        articles: list[Article] = []
        placed: list[Placed] = []
        for page, result in zip(pages, results, strict=True):
            if isinstance(result, NewslakeError):
                logs.append(
                    FetchLogRow.for_page(
                        page, result.outcome, self.run, error=str(result), decoded=result
                    )
                )
                continue
            decision = self._decide(result, by_id, by_hash)
            logs.append(
                FetchLogRow.for_page(
                    page,
                    decision.outcome,
                    self.run,
                    article_id=decision.article_id,
                    error=decision.reason,
                    decoded=result,
                )
            )
            article = decision.article
            if article is None:
                continue
            if decision.outcome == "updated":
                old_file = self.state.file_of(decision.article_id)
                if old_file:
                    archive = ("article_versions", self._version_row)
                    self.commit.remove("articles", old_file, [decision.article_id], archive)
                    self.touched_dates.add(partition_value(old_file))
            self.touched_dates.add(article.published_day)
            if self.first_seen and article.article_id in self.first_seen:
                article = replace(article, first_seen_at=self.first_seen[article.article_id])
            articles.append(article)
            placed.append((article, decision.outcome == "updated"))
            indexed += self._index_story(article, result)
            self._remember(article, by_id, by_hash)
        self.commit.add("articles", map(_row, articles))
        self.commit.add("story_index", indexed)
        self.state.remember_stories(indexed)
        self.state.remember(articles)
        self.log(logs)
        return placed

    def record_claims(
        self, placed: Sequence[Placed], claims: Sequence[Sequence[FoundClaim]]
    ) -> None:
        """Stage the claims found in articles `record` placed (batches in the order placed).

        Only articles that `record` staged have their claims found: a copy of a stored text
        has none to add.
        """
        if self.claims and placed:
            rows = [
                (a, found, replaces) for (a, replaces), found in zip(placed, claims, strict=True)
            ]
            self.claims.record(rows)
            self.claims_changed = True

    def _decide(self, ex: Extracted, by_id, by_hash) -> Decision:
        outlet = resolve_outlet(self.outlets.get(ex.source), ex.site_name, ex.url, ex.canonical_url)
        twins = by_hash.get(ex.content_hash, [])
        near_story = None
        if not twins and ex.signature:  # exact copies need no near-duplicate search
            found = {
                c.article_id: c
                for key in self._band_keys[ex.page_id]
                for c in self._story_keys.get(key, [])
            }
            near_story = assign_story(ex.signature, found.values())
        return decide(
            ex,
            outlet=outlet,
            run=self.run,
            same_id=by_id.get(article_key(ex)[0]),
            same_text_same_outlet=next((k for k in twins if k.outlet == outlet), None),
            same_text_elsewhere=twins[0] if twins else None,
            topics=match_topics(self.topics, ex.title, ex.text),
            near_story=near_story,
        )

    def _version_row(self, old: dict) -> dict:
        """The article_versions row for an article version this run replaces."""
        return earlier_version(old, replaced_at=self.run.started_at, run_id=self.run.run_id)

    def _index_story(self, article: Article, ex: Extracted) -> list[dict]:
        """The story_index row for an article, made visible to the rest of its batch."""
        if not ex.signature:
            return []
        keys = self._band_keys[ex.page_id]
        row = {
            "article_id": article.article_id,
            "story_id": article.story_id,
            "published_at": article.published_at,
            "band_keys": keys,
            "signature": list(ex.signature),
            "indexed_at": self.run.started_at,
            "run_id": self.run.run_id,
        }
        candidate = Candidate(
            article.story_id, ex.signature, article.published_at, article.article_id
        )
        for key in keys:
            self._story_keys.setdefault(key, []).append(candidate)
        return [row]

    def _remember(self, a: Article, by_id, by_hash) -> None:
        """Make an article visible to the rest of its own batch."""
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
        by_id[a.article_id] = known
        by_hash.setdefault(a.content_hash, []).append(known)

    def close(self) -> None:
        """Release the lake state and the claims prepared for matching (closing twice is
        harmless)."""
        self.state.close()
        if self.claims is not None:
            self.claims.prepared.clear()
