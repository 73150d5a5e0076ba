"""Takes a run's batches through the floors: the lake index answers what a batch asks,
transforms.placement decides, the run writer stages; outcomes are counted on the way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from newslake.flows.claim_recorder import ClaimRecorder
from newslake.flows.settings import ClaimSettings
from newslake.flows.summary import RunRows, RunSummary
from newslake.transforms.claims.clusters import claim_ref
from newslake.transforms.claims.finding import FoundClaim
from newslake.transforms.claims.placement import ClaimLookup, Ranked
from newslake.transforms.dedup import article_key
from newslake.transforms.discovery import Entry, fill_gaps
from newslake.transforms.placement import (
    KnownArticles,
    Placed,
    PlacementRules,
    Repeat,
    Result,
    batch_keys,
    listed_stubs,
    place_batch,
    place_listed,
    place_repeats,
    triage_pages,
)
from newslake.transforms.records import Extracted, FetchLogRow, Page, RunInfo
from newslake.transforms.topics import TopicMatcher
from newslake.warehouse.lake import Commit
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.run_writer import RunWriter

__all__ = ["Placed", "Result", "RunRecorder"]


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
        """`first_seen` rebuilds from scratch: placement starts from an empty lake index, and
        an article it names keeps that first_seen_at."""
        self.commit = commit
        self.run = run
        self.summary = summary
        self._settings = (outlets, topics, claims)
        self.index = LakeIndex(
            None if first_seen is not None else commit.lake, spill=commit.staging / "index.duckdb"
        )
        self.writer = RunWriter(commit, self.index, run)
        self.rules = PlacementRules(run, outlets, topics, first_seen)
        self.repeats: list[Repeat] = []  # held until the captures they repeat are placed
        self.claims = ClaimRecorder(self.writer, run, claims) if claims and claims.enabled else None
        self.min_stories = claims.min_stories if claims else 2

    @property
    def written(self) -> RunRows:
        """What the run's commit writes (its article rows, their stories, its log days)."""
        w = self.writer
        return RunRows(w.articles_staged, len(w.stories_staged), frozenset(w.log_days))

    @property
    def stored_pages(self) -> set[str]:
        """Pages the lake stores already: extracted again, never staged again."""
        return self.writer.stored_pages

    @property
    def touched_dates(self) -> set[date | None]:
        """Article partitions this run changes."""
        return self.writer.touched_dates

    @property
    def claims_changed(self) -> bool:
        """Whether every claim was regrouped: every claim cluster needs rebuilding."""
        return self.writer.claims_changed

    @property
    def touched_stories(self) -> set[str]:
        """Stories an article joined or left: their representatives are settled."""
        return self.writer.touched_stories

    @property
    def changed_claims(self) -> set[str]:
        """Claim ids staged or removed: the claim clusters to recompute."""
        return self.writer.changed_claims

    def log(self, rows: Sequence[FetchLogRow], entries: dict[str, Entry] | None = None) -> None:
        """Stage fetch_log rows and count their outcomes.

        A `blocked` URL that a feed or sitemap listed with a title is also an article
        (access `blocked`, text the listing's summary), unless the lake already has it.
        """
        stubs = listed_stubs(rows, entries) if entries else {}
        if stubs:
            known = self.index.find([article_key(s)[0] for s in stubs.values()], [])
            rows, articles = place_listed(rows, stubs, known, self.rules)
            self.writer.stage_articles(articles)
        self.writer.log(rows)
        self.summary.outcomes.update(row.outcome for row in rows)

    def hold(self, repeats: Sequence[Repeat]) -> None:
        """Keep rows of inputs that repeat an earlier capture until `place_repeats`."""
        self.repeats += repeats

    def place_repeats(self) -> None:
        """Stage the held repeats, each tied to the article its earlier capture became in
        this run or the lake (call once every batch is staged: that capture may come later
        in the run's reading order, or in a batch still in flight)."""
        repeats, self.repeats = self.repeats, []
        if not repeats:
            return
        articles = self.index.capture_articles(sorted({r.earlier for r in repeats}))
        self.log(place_repeats(repeats, articles))

    def skip_known(self, pages: Sequence[Page]) -> list[Page]:
        """Pages that need extracting; known pages with a known fate are logged as such."""
        known = self.index.known_pages([p.page_id for p in pages])
        self.writer.stored(known)
        triage = triage_pages(pages, known, self.run)
        self.log(triage.log)
        return triage.fresh

    def record(
        self,
        pages: Sequence[Page],
        results: Sequence[Result],
        entries: dict[str, Entry],
        written: tuple[list[str], int] | None = None,
    ) -> list[Placed]:
        """Stage the pages (or take in the bronze files workers `written` for them: names,
        pages), then each result as an article, an update or a log row.

        `entries` are what feeds and sitemaps said of the URLs; they fill metadata gaps.
        Returns the articles staged, each with whether it replaces a stored version: their
        claims go to `record_claims`, in the same order, once found.
        """
        results = [
            fill_gaps(r, entries.get(r.url)) if isinstance(r, Extracted) else r for r in results
        ]
        if written is None:
            self.writer.stage_pages(pages)
        else:
            self.writer.adopt_pages(*written)
        keys = batch_keys(results)
        bands = list(keys.band_keys())
        # A batch of pages the lake knows brings no keys: nothing to ask the lake.
        asks = keys.article_ids or keys.hashes
        known = self.index.find(keys.article_ids, keys.hashes) if asks else KnownArticles()
        candidates = self.index.story_candidates(bands) if bands else {}
        placement = place_batch(pages, results, keys, known, candidates, self.rules)
        self.writer.stage(placement)
        self.summary.outcomes.update(row.outcome for row in placement.log)
        return placement.placed

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

    def look_up_claims(
        self,
        placed: Sequence[Placed],
        claims: Sequence[Sequence[FoundClaim]],
        keys: Sequence[Sequence[list[int]]],
    ) -> ClaimLookup | None:
        """`record_claims` up to its look-up, with the match keys found with the claims: what
        the lake index answers for them (None: no claims); then `place_claims`, before the
        next batch's look-up."""
        if not self.claims or not placed:
            return None
        rows = [(a, found, replaces) for (a, replaces), found in zip(placed, claims, strict=True)]
        found_keys = {
            claim_ref(a.article_id, claim.sentence_index): claim_keys
            for (a, _), found, article_keys in zip(placed, claims, keys, strict=True)
            for claim, claim_keys in zip(found, article_keys, strict=True)
        }
        return self.claims.look_up(rows, found_keys)

    def place_claims(self, lookup: ClaimLookup, rankings: Sequence[Ranked] | None) -> None:
        """Place and stage the claims of a `look_up_claims`, ranked on the workers."""
        assert self.claims is not None  # a look-up is made only when claims are recorded
        self.claims.place(lookup, rankings)

    @property
    def semantic_claims(self) -> bool:
        """Whether claims are compared by meaning too (their keys depend on it)."""
        return self.claims is not None and self.claims.rules.semantic

    @property
    def claims_enabled(self) -> bool:
        """Whether this run finds and groups claims."""
        return self.claims is not None

    def drop_every_claim(self) -> None:
        """Remove every stored claim, before they are all grouped anew."""
        self.writer.drop_every_claim()

    def touch(self, dates: Iterable[date | None], claims: bool = False) -> None:
        """Have the gold refresh redo these article dates (with `claims`, claim clusters too)."""
        self.writer.touch(dates, claims)

    def rebased(self) -> RunRecorder:
        """A recorder placing this run anew against the lake's current commit point (its
        commit restarted, its outcomes counted again); this one is closed."""
        self.close()
        self.commit.restart()
        self.summary.outcomes.clear()
        return RunRecorder(self.commit, self.run, self.summary, *self._settings)

    def close(self) -> None:
        """Release the lake index and the claims prepared for matching (closing twice is
        harmless)."""
        self.index.close()
        if self.claims is not None:
            self.claims.prepared.clear()
