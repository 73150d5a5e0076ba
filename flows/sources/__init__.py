"""Where pages come from: the source protocol and the registry of source kinds.

A kind (files, web, warc, ...) is one module in `newslake.flows.sources.kinds` that calls
`register` with a `SourceKind`. The registry is all that settings, the CLI and the ingest
flow know of kinds: which names `kind = ...` accepts, what `auto` picks for a path, what the
CLI's help lists, and how a run discovers and reads each kind's sources. Kind modules are
imported to list kinds (`newslake --help` does), so they import their machinery (HTTP, WARC
readers) only when a run opens them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from newslake.transforms.errors import ConfigError

if TYPE_CHECKING:
    from newslake.flows.settings import Settings, SourceSettings
    from newslake.flows.summary import RunSummary
    from newslake.transforms.discovery import Entry
    from newslake.transforms.placement import Repeat
    from newslake.transforms.records import FetchLogRow, Page, RunInfo
    from newslake.warehouse.lake_index import LakeIndex

AUTO = "auto"  # the kind of a source that does not name one: taken from its path
DEFAULT_KIND = "files"  # what `auto` means for a path no kind recognises: a local path


@dataclass(slots=True)
class Batch:
    """Pages read together, the log rows of inputs that gave none, what listings said
    of the pages' URLs (feed and sitemap entries, by URL), the rows of inputs that repeat
    an earlier capture (tied to its article once the run has placed it), and, for pages read
    from local files, the file of each (by page id: workers on this machine read the bytes
    there rather than receive them)."""

    pages: list[Page]
    log: list[FetchLogRow]
    entries: dict[str, Entry] = field(default_factory=dict)
    repeats: list[Repeat] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)


class RunContext:
    """What a run gives its sources: settings, run, the lake index (which URLs are known,
    their validators) and the summary (kinds with counts of their own add them)."""

    __slots__ = ("index", "run", "settings", "summary")

    def __init__(
        self, settings: Settings, run: RunInfo, index: LakeIndex, summary: RunSummary
    ) -> None:
        self.settings, self.run, self.index, self.summary = settings, run, index, summary


class Source(Protocol):
    """A kind's configured sources, opened for one run: discovered, then read in batches."""

    def discover(self) -> int | None:
        """Find what there is to read; the number of inputs, or None when only reading tells
        (a stream). Raises ConfigError for a source that cannot work."""
        ...

    def batches(self, size: int) -> Iterator[Batch]:
        """What was discovered, read as batches of at most `size` inputs (fewer once their
        pages are large); every input ends as a page or a log row."""
        ...


class SourceKind(Protocol):
    """One kind of source, as the registry holds it."""

    name: str  # 'files': `kind = "files"` in the config, 'files:<name>' in the tables
    about: str  # what a path of this kind is, for the CLI's help
    order: int  # kinds are read in this order in a run (ties by name)

    def recognises(self, path: str) -> bool:
        """Whether a source with `kind = "auto"` and this path is of this kind."""
        ...

    def default_name(self, path: str) -> str:
        """The name of a source without one, as shown after 'kind:'."""
        ...

    def check(self, sources: Sequence[SourceSettings]) -> None:
        """Raise ConfigError for a source of this kind that cannot work (a missing path, a
        bad pattern), before a run starts."""
        ...

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> Source:
        """The sources of this kind, ready to be discovered and read in a run."""
        ...


REGISTRY: dict[str, SourceKind] = {}


def register(kind: SourceKind) -> SourceKind:
    """Add a kind to the registry (a kind module calls this when imported)."""
    if kind.name == AUTO or ":" in kind.name:
        raise ValueError(f"{kind.name!r} cannot name a source kind")
    REGISTRY[kind.name] = kind
    return kind


def source_kinds() -> list[SourceKind]:
    """Every registered kind, in the order a run reads them."""
    _import_kind_modules()
    return sorted(REGISTRY.values(), key=lambda kind: (kind.order, kind.name))


@functools.cache
def _import_kind_modules() -> None:
    """Import every module of `kinds` once: each registers its kind."""
    from newslake.flows.sources import kinds

    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{module.name}")


def kind_names() -> tuple[str, ...]:
    """The names `kind = ...` accepts: `auto`, then every registered kind."""
    return (AUTO, *(kind.name for kind in source_kinds()))


def kind_named(name: str) -> SourceKind:
    """The registered kind called `name`; ConfigError if there is none."""
    kinds = {kind.name: kind for kind in source_kinds()}
    if name not in kinds:
        raise ConfigError(f"kind must be one of {', '.join(kind_names())}, not {name!r}")
    return kinds[name]


def kind_for(path: str) -> SourceKind:
    """The kind `auto` means for a path: the first kind (in run order) that recognises it,
    else DEFAULT_KIND."""
    for kind in source_kinds():
        if kind.recognises(path):
            return kind
    return kind_named(DEFAULT_KIND)


def by_kind(sources: Sequence[SourceSettings]) -> list[tuple[SourceKind, list[SourceSettings]]]:
    """The sources grouped by kind, kinds in run order, sources in configured order."""
    return [
        (kind, chosen)
        for kind in source_kinds()
        if (chosen := [s for s in sources if s.source_kind == kind.name])
    ]


def check_sources(sources: Sequence[SourceSettings]) -> None:
    """Raise ConfigError for a source that cannot work: a missing path, a bad date or pattern."""
    for source in sources:
        source.since_time()
    for kind, chosen in by_kind(sources):
        kind.check(chosen)


def sources_help() -> str:
    """What `--source` accepts, kind by kind, for the CLI's help."""
    kinds = "; ".join(f"{kind.about} ({kind.name})" for kind in source_kinds())
    return f"{kinds[:1].upper()}{kinds[1:]}. Repeatable."
