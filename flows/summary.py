"""The one-screen result of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

SUCCESS = {
    "ok": "new",
    "updated": "updated",
    "unchanged": "unchanged",
    "not_modified": "unchanged",
    "duplicate": "duplicates",
}


@dataclass
class ArchiveCounts:
    """What a run read from WARC/ARC archives, record by record.

    Every record read is a page, a revisit, skipped (by record type, or outside the source's
    hosts and `since`) or failed; a stretch of a file that could not be read as records (a
    corrupt or cut-off tail, a file that is not an archive) counts as one failed record.
    Revisits and failures are the archives' fetch_log rows.
    """

    records: int = 0
    pages: int = 0
    revisits: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: int = 0

    def adds_up(self) -> bool:
        """Whether every record read is counted once as a page, revisit, skip or failure."""
        accounted = self.pages + self.revisits + sum(self.skipped.values()) + self.failed
        return self.records == accounted

    def as_dict(self) -> dict[str, object]:
        """Plain values, skips by reason, most common first."""
        return {
            "records": self.records,
            "pages": self.pages,
            "revisits": self.revisits,
            "skipped": dict(self.skipped.most_common()),
            "failed": self.failed,
        }


@dataclass(frozen=True, slots=True)
class RunRows:
    """What a run's commit wrote, counted as it was staged: the article rows, their distinct
    stories, and the days (fetch_log partitions) of its log rows."""

    articles: int
    stories: int
    log_days: frozenset[date]


@dataclass
class RunSummary:
    """Counts of what a run did with its inputs, by outcome."""

    run_id: str
    lake: str
    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rows_written: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    archives: ArchiveCounts | None = None  # when the run read archives
    section_seconds: float = 0.0  # held the lake's single-writer section (commit and gold)
    replaced: bool = False  # placed again: another run committed while this one staged
    written: RunRows | None = None  # once the run's commit is published

    @property
    def failed(self) -> int:
        """Inputs that became neither an article nor a known duplicate."""
        return sum(n for outcome, n in self.outcomes.items() if outcome not in SUCCESS)

    def count(self, label: str) -> int:
        """Inputs with the outcome shown under this label ('new', 'updated', ...)."""
        return sum(n for outcome, n in self.outcomes.items() if SUCCESS.get(outcome) == label)

    def failures(self) -> dict[str, int]:
        """Failed inputs by outcome, most common first."""
        return {k: v for k, v in self.outcomes.most_common() if k not in SUCCESS}

    def as_dict(self) -> dict[str, object]:
        """Plain values, for logs, JSON and Prefect artifacts."""
        return {
            "run_id": self.run_id,
            "lake": self.lake,
            "read": self.inputs,
            **{label: self.count(label) for label in SUCCESS.values()},
            "failed": self.failed,
            "failures": self.failures(),
            "rows_written": self.rows_written,
            **({"archives": self.archives.as_dict()} if self.archives else {}),
            "seconds": round(self.seconds, 2),
            "section_seconds": round(self.section_seconds, 2),
            "replaced": self.replaced,
        }
