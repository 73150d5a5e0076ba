"""Web sources: a page, feed, sitemap or sitemap index URL becomes article URLs, then pages."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from newslake.flows.settings import FetchSettings, SourceSettings
from newslake.flows.sources.http import Fetcher, FetchMemory, Response, Validators
from newslake.transforms.discovery import Entry, read_listing
from newslake.transforms.errors import ConfigError, FetchError
from newslake.transforms.records import FetchLogRow, Page, RunInfo
from newslake.transforms.urls import canonical_url

MAX_SITEMAPS = 200  # child sitemaps followed from one source per run
MAX_SITEMAP_DEPTH = 3


@dataclass(frozen=True, slots=True)
class WebInput:
    """One article URL to fetch, with the source that listed it and what the listing said."""

    url: str
    source: str
    outlet: str | None
    entry: Entry | None = None


@dataclass
class Discovery:
    """What discovering the web sources found: URLs to fetch, pages already fetched, log rows."""

    inputs: list[WebInput]
    pages: list[Page]
    log: list[FetchLogRow]


def discover_web(
    sources: Sequence[SourceSettings],
    settings: FetchSettings,
    memory: FetchMemory,
    run: RunInfo,
    known_urls: Callable[[list[str]], set[str]],
    validators: Callable[[list[str]], dict[str, Validators]],
) -> Discovery:
    """Fetch each source URL; a page is kept as is, a feed or sitemap gives the new URLs it lists.

    A source that cannot be fetched is one fetch_log row, and the others go on.
    """
    return asyncio.run(_discover(sources, settings, memory, run, known_urls, validators))


def fetch_pages(
    inputs: Sequence[WebInput],
    settings: FetchSettings,
    memory: FetchMemory,
    run: RunInfo,
    validators: dict[str, Validators],
) -> tuple[list[Page], list[FetchLogRow]]:
    """Fetch a batch of article URLs concurrently (within the per-host limits)."""
    return asyncio.run(_fetch_all(inputs, settings, memory, run, validators))


async def _fetch_all(inputs, settings, memory, run, validators):
    async with Fetcher(settings, memory) as fetcher:
        results = await asyncio.gather(
            *(_fetch_one(fetcher, item, run, validators.get(item.url)) for item in inputs)
        )
    pages = [r for r in results if isinstance(r, Page)]
    return pages, [r for r in results if isinstance(r, FetchLogRow)]


async def _fetch_one(
    fetcher: Fetcher, item: WebInput, run: RunInfo, validators: Validators | None
) -> Page | FetchLogRow:
    try:
        response = await fetcher.fetch(item.url, validators)
    except FetchError as exc:
        return FetchLogRow.from_error(item.url, item.source, exc, run)
    return page_from(response, item.source, run)


def page_from(response: Response, source: str, run: RunInfo) -> Page:
    """The bronze page for a fetched response."""
    return Page.create(
        source=source,
        url=response.url,
        body=response.body,
        run=run,
        final_url=response.final_url,
        status=response.status,
        content_type=response.content_type,
        charset=response.charset,
        etag=response.etag,
        last_modified=response.last_modified,
    )


async def _discover(sources, settings, memory, run, known_urls, validators) -> Discovery:
    found = Discovery([], [], [])
    queued: set[str] = set()  # a URL listed by two sources is fetched once
    async with Fetcher(settings, memory) as fetcher:
        for source in sources:
            label = source.label
            entries = await _walk(fetcher, source, label, run, validators, found)
            urls = [e for e in _select(entries, source) if canonical_url(e.url) not in queued]
            seen = known_urls([canonical_url(e.url) for e in urls])
            fresh = [e for e in urls if canonical_url(e.url) not in seen]
            queued.update(canonical_url(e.url) for e in fresh[: source.max_articles or None])
            found.inputs += [
                WebInput(canonical_url(e.url), label, source.outlet, e)
                for e in fresh[: source.max_articles or None]
            ]
    return found


async def _walk(
    fetcher: Fetcher, source: SourceSettings, label: str, run: RunInfo, validators, found: Discovery
) -> list[Entry]:
    """Entries listed under the source URL, following sitemap indexes breadth-first."""
    entries: list[Entry] = []
    queue = [(source.path, 0)]
    followed = 0
    while queue and followed <= MAX_SITEMAPS:
        url, depth = queue.pop(0)
        followed += 1
        try:
            # Only the source itself may be a page that we stored before.
            known = validators([url]).get(url) if depth == 0 else None
            response = await fetcher.fetch(url, known)
        except FetchError as exc:  # NotModified included: a stored page still current
            found.log.append(FetchLogRow.from_error(url, label, exc, run))
            continue
        listing = read_listing(response.body)
        if listing.kind == "page":
            if depth == 0:
                found.pages.append(page_from(response, label, run))
            continue
        for entry in listing.entries:
            try:
                canonical_url(entry.url)
            except ValueError as exc:  # e.g. 'http://[::1' or a port over 65535
                error = FetchError(f"listed URL cannot be parsed: {exc}")
                found.log.append(FetchLogRow.from_error(entry.url, label, error, run))
            else:
                entries.append(entry)
        if depth < MAX_SITEMAP_DEPTH:
            queue += [(child, depth + 1) for child in listing.sitemaps]
    return entries


def parse_since(source: SourceSettings) -> datetime | None:
    """The source's `since` as a UTC datetime; ConfigError if it is not an ISO date."""
    if not source.since:
        return None
    try:
        return datetime.fromisoformat(source.since).replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"source {source.path}: since = {source.since!r} is not a date") from None


def _select(entries: list[Entry], source: SourceSettings) -> list[Entry]:
    """Entries that pass the source's include/exclude patterns and `since` date, each once."""
    try:
        include = [re.compile(p) for p in source.include]
        exclude = [re.compile(p) for p in source.exclude]
    except re.error as exc:
        raise ConfigError(f"source {source.path}: bad URL pattern: {exc}") from None
    since = parse_since(source)
    chosen: dict[str, Entry] = {}
    for entry in entries:
        if include and not any(p.search(entry.url) for p in include):
            continue
        if any(p.search(entry.url) for p in exclude):
            continue
        if since and entry.published_at and entry.published_at < since:
            continue
        chosen.setdefault(canonical_url(entry.url), entry)
    return list(chosen.values())
