"""The run writer: the one door a run's rows go through on their way into its commit.

It stages what placement decided (pages, log rows, articles, earlier versions, story index
rows, claims), keeps the lake index in step so later batches see the run's own rows, and
notes what the gold refresh must redo.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from newslake.transforms.dedup import earlier_version
from newslake.transforms.placement import Placement
from newslake.transforms.records import Article, ClaimRow, FetchLogRow, Page, RunInfo, as_row
from newslake.warehouse.lake import Commit, StagedTable, partition_date
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.schemas import PAGES


def write_pages(staging: Path, name: str, pages: Sequence[Page]) -> tuple[list[str], int]:
    """Write pages as bronze part files into a run's staging directory (`Commit.staging`),
    one per day, named after `name` (unique in the run): what a worker that extracted them
    stages, so their bytes are not written by the flow process. Returns the files (relative
    to the table) and the pages written, for `RunWriter.adopt_pages`."""
    staged = StagedTable(PAGES, staging, name)
    staged.add(as_row(p) for p in pages)
    return staged.close(), staged.rows


class RunWriter:
    """Stages one run's rows into its commit and keeps its lake index in step."""

    def __init__(self, commit: Commit, index: LakeIndex, run: RunInfo) -> None:
        self.commit, self.index, self.run = commit, index, run
        self.stored_pages: set[str] = set()  # pages the lake stores already: never staged again
        self.touched_dates: set[date | None] = set()  # article partitions this run changes
        self.claims_changed = False  # every claim regrouped: claim clusters need rebuilding
        self.changed_claims: set[str] = set()  # claim ids staged or removed: their clusters
        self.touched_stories: set[str] = set()  # stories an article joined or left: settle them
        self.articles_staged = 0  # article rows this run writes, and their stories
        self.stories_staged: set[str] = set()
        self.log_days: set[date] = set()  # fetch_log partitions this run's rows go to

    def log(self, rows: Sequence[FetchLogRow]) -> None:
        """Stage fetch_log rows; the index learns the article each capture became."""
        self.commit.add("fetch_log", map(as_row, rows))
        self.index.remember_captures(rows)
        self.log_days.update(row.logged_at.date() for row in rows)  # as FETCH_LOG partitions

    def stored(self, page_ids: Iterable[str]) -> None:
        """Note pages the lake stores already, so that staging them again is skipped."""
        self.stored_pages.update(page_ids)

    def stage_pages(self, pages: Sequence[Page]) -> None:
        """Stage the pages the lake does not store yet."""
        self.commit.add("pages", (as_row(p) for p in pages if p.page_id not in self.stored_pages))

    def adopt_pages(self, files: Sequence[str], rows: int) -> None:
        """Take in the bronze page files workers wrote with `write_pages` (`rows` pages)."""
        self.commit.tables[PAGES.name].adopt(files, rows)

    def stage_articles(self, articles: Sequence[Article]) -> None:
        """Stage new articles that replace nothing (listing stubs)."""
        self.touched_dates.update(a.published_day for a in articles)
        self.touched_stories.update(a.story_id for a in articles)
        self._add_articles(articles)

    def stage(self, placement: Placement) -> None:
        """Stage a batch's placement: a replaced version leaves its file for
        article_versions; then the articles, their story index rows and the log rows."""
        for article, replaces in placement.placed:
            if replaces:
                old_file = self.index.file_of(article.article_id)
                if old_file:
                    archive = ("article_versions", self._version_row)
                    self.commit.remove("articles", old_file, [article.article_id], archive)
                    self.touched_dates.add(partition_date(old_file))
            self.touched_dates.add(article.published_day)
        articles = placement.articles
        self.touched_stories.update(a.story_id for a in articles)
        self._add_articles(articles)
        self.commit.add("story_index", map(as_row, placement.stories))
        self.index.remember_stories(placement.stories)
        self.log(placement.log)

    def _add_articles(self, articles: Sequence[Article]) -> None:
        self.commit.add("articles", map(as_row, articles))
        self.index.remember(articles)
        self.articles_staged += len(articles)
        self.stories_staged.update(a.story_id for a in articles)

    def drop_claims(self, article_ids: Iterable[str]) -> None:
        """Remove the stored claims of articles whose text was replaced, from the lake and
        from matching."""
        for article_id in article_ids:
            for file, claim_id in self.index.stored_claims_of(article_id):
                self.commit.remove("claims", file, [article_id])
                self.changed_claims.add(claim_id)
            self.index.forget_claims(article_id)

    def drop_every_claim(self) -> None:
        """Remove every stored claim (they are being grouped anew)."""
        self.commit.clear_table("claims")
        self.index.forget_every_claim()
        self.claims_changed = True

    def stage_claims(self, rows: Sequence[ClaimRow]) -> None:
        """Stage claims rows and make them candidates for the rest of the run."""
        self.commit.add("claims", map(as_row, rows))
        self.index.remember_claims(rows)
        self.changed_claims.update(row.claim_id for row in rows)

    def touch(self, dates: Iterable[date | None], claims: bool = False) -> None:
        """Have the gold refresh redo these article dates (and, with `claims`, every claim
        cluster)."""
        self.touched_dates.update(dates)
        self.claims_changed = self.claims_changed or claims

    def publish(self) -> dict[str, int]:
        """Publish everything staged in one atomic commit; returns rows staged per table."""
        return self.commit.publish()

    def _version_row(self, old: dict[str, Any]) -> dict[str, Any]:
        """The article_versions row for an article version this run replaces (called as the
        commit publishes); the story it leaves is settled too."""
        self.touched_stories.add(old["story_id"])
        version = earlier_version(old, replaced_at=self.run.started_at, run_id=self.run.run_id)
        return as_row(version)
