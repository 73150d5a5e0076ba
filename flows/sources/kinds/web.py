"""The `web` kind: a page, feed, sitemap or site URL, fetched politely and incrementally."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from newslake.flows.sources import Batch, RunContext, register

if TYPE_CHECKING:
    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.http import FetchMemory
    from newslake.flows.sources.web import Discovery


class Web:
    """http(s) URLs: listings give the article URLs not stored yet; pages are kept as they are."""

    name = "web"
    about = "page, feed or sitemap URL"
    order = 20

    def recognises(self, path: str) -> bool:
        """An http or https URL."""
        return path.startswith(("http://", "https://"))

    def default_name(self, path: str) -> str:
        """The URL as configured."""
        return path

    def check(self, sources: Sequence[SourceSettings]) -> None:
        """Nothing beyond the checks every source has: a URL is only known once fetched."""

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> WebSource:
        """The web sources of a run, sharing one memory of hosts (robots, delays, pins)."""
        return WebSource(sources, context)


class WebSource:
    """A run's web sources: listings read at discovery, then article URLs fetched in batches."""

    def __init__(self, sources: Sequence[SourceSettings], context: RunContext) -> None:
        from newslake.flows.sources.http import FetchMemory

        self.sources, self.context = sources, context
        self.memory: FetchMemory = FetchMemory()
        self.found: Discovery | None = None

    def discover(self) -> int:
        """Fetch every source URL: the new article URLs its listings name, or the page it is;
        how many URLs and pages that makes, with the log rows."""
        from newslake.flows.sources.http import Validators
        from newslake.flows.sources.web import discover_web

        index, fetch = self.context.index, self.context.settings.fetch

        def validators(urls: list[str]) -> dict[str, Validators]:
            return {url: Validators(*pair) for url, pair in index.validators(urls).items()}

        self.found = discover_web(
            self.sources, fetch, self.memory, self.context.run, index.known_urls, validators
        )
        return len(self.found.inputs) + len(self.found.pages) + len(self.found.log)

    def batches(self, size: int) -> Iterator[Batch]:
        """The pages and rows of discovery, then the article URLs fetched `size` at a time."""
        from newslake.flows.pipeline import batched
        from newslake.flows.sources.web import fetch_pages
        from newslake.warehouse.failpoints import failpoint

        if self.found is None:
            return
        yield Batch(self.found.pages, self.found.log)
        for urls in batched(self.found.inputs, size):
            entries = {item.url: item.entry for item in urls if item.entry}
            pages, log = fetch_pages(
                urls, self.context.settings.fetch, self.memory, self.context.run, {}
            )
            failpoint("after-fetch")
            yield Batch(pages, log, entries)


register(Web())
