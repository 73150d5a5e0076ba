"""The `warc` kind: WARC and ARC archives (e.g. CC-NEWS), streamed record by record."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from newslake.flows.sources import Batch, RunContext, register

if TYPE_CHECKING:
    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.warc import WarcItem

PREFIX = "warc:"
SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


class Warc:
    """Archive files: their HTML captures become pages, the rest log rows or counts."""

    name = "warc"
    about = "warc:PATH or a .warc(.gz) or .arc(.gz) file"
    order = 30

    def recognises(self, path: str) -> bool:
        """warc:PATH, or a path ending in an archive suffix."""
        return path.startswith(PREFIX) or path.lower().endswith(SUFFIXES)

    def default_name(self, path: str) -> str:
        """The archive's file name."""
        return Path(path.removeprefix(PREFIX)).name

    def check(self, sources: Sequence[SourceSettings]) -> None:
        """ConfigError for an archive file that does not exist."""
        from newslake.flows.sources.warc import warc_path

        for source in sources:
            warc_path(source)

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> WarcSource:
        """The archive sources of a run."""
        return WarcSource(sources, context)


class WarcSource:
    """A run's archives, read one after the other; the summary counts their records."""

    def __init__(self, sources: Sequence[SourceSettings], context: RunContext) -> None:
        self.sources, self.context = sources, context

    def discover(self) -> None:
        """Nothing to list ahead: an archive's records are known only as they are read."""
        from newslake.flows.summary import ArchiveCounts

        self.context.summary.archives = ArchiveCounts()

    def batches(self, size: int) -> Iterator[Batch]:
        """Each archive's pages and log rows, `size` records at a time, fewer once the pages
        hold BATCH_BYTES."""
        from newslake.flows.pipeline import take
        from newslake.flows.sources.warc import read_warc
        from newslake.transforms.placement import Repeat

        run, max_bytes = self.context.run, self.context.settings.fetch.max_body_bytes
        for source in self.sources:
            records = read_warc(source, run, max_bytes, self.context.summary.archives)
            while items := take(records, size, _page_bytes):
                yield Batch(
                    [i.page for i in items if i.page],
                    [i.log for i in items if i.log and not i.earlier],
                    repeats=[Repeat(i.log, i.earlier) for i in items if i.log and i.earlier],
                )


def _page_bytes(item: WarcItem) -> int:
    return len(item.page.body) if item.page else 0


register(Warc())
