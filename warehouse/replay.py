"""A run's journal of the batches it read and what their pages extracted to, kept in its
staging so that the run can place them again against a newer commit point without fetching
or extracting anything a second time (`Commit.section` says when)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newslake.warehouse.lake import REPLAY, Commit


class ReplayLog:
    """Batches and their extraction results, one pickle file per batch, in reading order; and the
    claims found for their articles."""

    def __init__(self, commit: Commit) -> None:
        self.path: Path = commit.staging / REPLAY
        self.path.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.claim_sets = 0

    def add(self, batch: Any, results: dict[str, Any]) -> None:
        """Keep a batch and its pages' results (by page id)."""
        with (self.path / f"{self.count:08d}.pickle").open("wb") as out:
            pickle.dump((batch, results), out, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def add_claims(self, found: dict[str, Any]) -> None:
        """Keep the claims found for articles (by a key of what they depend on)."""
        with (self.path / f"claims-{self.claim_sets:08d}.pickle").open("wb") as out:
            pickle.dump(found, out, protocol=pickle.HIGHEST_PROTOCOL)
        self.claim_sets += 1

    def claims(self) -> dict[str, Any]:
        """Every claim set kept, by key."""
        found: dict[str, Any] = {}
        for n in range(self.claim_sets):
            with (self.path / f"claims-{n:08d}.pickle").open("rb") as source:
                found.update(pickle.load(source))
        return found

    def __iter__(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        for n in range(self.count):
            with (self.path / f"{n:08d}.pickle").open("rb") as source:
                yield pickle.load(source)
