"""Web sources: a page, feed, sitemap or sitemap index URL becomes article URLs, then pages."""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from newslake.flows.settings import FetchSettings, SourceSettings
from newslake.flows.sources.http import (
    GZIP_TYPES,
    TEXT_TYPES,
    Fetcher,
    FetchMemory,
    Response,
    Validators,
    gunzip,
)
from newslake.transforms.discovery import Entry, home_page_feeds, read_listing
from newslake.transforms.errors import (
    BadContentType,
    BadUrl,
    ConfigError,
    EmptyInput,
    FetchError,
    ListingError,
    NotFollowed,
)
from newslake.transforms.records import FetchLogRow, Page, RunInfo
from newslake.transforms.urls import canonical_url, resolve_reference

MAX_SITEMAPS = 200  # listings read under one source per run
MAX_SITEMAP_DEPTH = 3  # a source's listings, then three levels of the listings they name
LISTING_TYPES = TEXT_TYPES + GZIP_TYPES  # a listing may be a gzip file (sitemap.xml.gz)


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
    async with Fetcher(settings, memory, LISTING_TYPES) as fetcher:
        for source in sources:
            entries = await _walk(fetcher, source, run, validators, found)
            chosen = [e for e in _select(entries, source) if canonical_url(e.url) not in queued]
            # Canonical URLs are identity keys; the lake may hold either spelling of a URL.
            seen = known_urls(sorted({u for e in chosen for u in (e.url, canonical_url(e.url))}))
            fresh = [e for e in chosen if e.url not in seen and canonical_url(e.url) not in seen]
            fresh = fresh[: source.max_articles or None]
            queued.update(canonical_url(e.url) for e in fresh)
            # The request goes to the URL as the listing wrote it (made absolute).
            found.inputs += [WebInput(e.url, source.label, source.outlet, e) for e in fresh]
    return found


async def _walk(
    fetcher: Fetcher, source: SourceSettings, run: RunInfo, validators, found: Discovery
) -> list[Entry]:
    """Entries listed under the source, following the listings it names breadth-first.

    A bare site URL stands for its robots.txt (its Sitemap lines) and its home page (the
    feeds it declares). Listings are read once each, at most MAX_SITEMAP_DEPTH levels down
    and MAX_SITEMAPS in all; a listing left unread is a `not_followed` row.
    """
    label = source.label

    def log(url: str, error: FetchError) -> None:
        found.log.append(FetchLogRow.from_error(url, label, error, run))

    try:
        start = resolve_reference("", source.path)
    except ValueError as exc:
        log(source.path, BadUrl(f"source: {exc}"))
        return []
    queue: deque[tuple[str, int, str]] = deque([(start, 0, "source")])
    if is_site(start):
        queue = deque([(start, 0, "home"), (urljoin(start, "/robots.txt"), 0, "listing")])
    read = {canonical_url(url) for url, _, _ in queue}
    entries: list[Entry] = []

    def follow(children: tuple[str, ...], depth: int) -> None:
        for child in children:
            if canonical_url(child) in read:
                log(child, NotFollowed("already read from this source (a loop or a repeat)"))
            elif depth > MAX_SITEMAP_DEPTH:
                log(child, NotFollowed(f"nested more than {MAX_SITEMAP_DEPTH} listings deep"))
            elif len(read) >= MAX_SITEMAPS:
                log(child, NotFollowed(f"over {MAX_SITEMAPS} listings under one source"))
            else:
                read.add(canonical_url(child))
                queue.append((child, depth, "listing"))

    while queue:
        url, depth, role = queue.popleft()
        try:
            # Only the source itself may be a page that we stored before.
            known = validators([url]).get(url) if role == "source" else None
            response = await fetcher.fetch(url, known)
            body = gunzip(response.body, fetcher.settings.max_body_bytes) or response.body
        except FetchError as exc:  # NotModified included: a stored page still current
            log(url, exc)
            continue
        listing = read_listing(body, response.final_url, response.charset)
        if listing.kind == "page" and role == "home":
            listing = home_page_feeds(body, response.final_url)
        for listed, error in listing.rejects:
            log(listed, error)
        if listing.problem is not None:
            log(url, listing.problem)
        elif listing.kind not in ("page", "robots") and not (
            listing.entries or listing.sitemaps or listing.rejects
        ):
            kind = listing.kind.replace("_", " ")
            log(url, EmptyInput(f"the {kind} ({listing.format}) lists no URLs"))
        entries += listing.entries
        follow(listing.sitemaps, depth + 1)
        if listing.kind != "page" or role == "home":
            continue
        if not (response.content_type or "text/").startswith(TEXT_TYPES):
            log(url, BadContentType(f"content type {response.content_type} is not a listing"))
        elif role == "source":
            found.pages.append(page_from(response, label, run))
        else:
            log(url, ListingError("listed as a feed or sitemap, but is neither"))
    return entries


def is_site(url: str) -> bool:
    """Whether url names a whole site (its root, without a query)."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _select(entries: list[Entry], source: SourceSettings) -> list[Entry]:
    """Entries that pass the source's include/exclude patterns and `since` date, each once."""
    try:
        include = [re.compile(p) for p in source.include]
        exclude = [re.compile(p) for p in source.exclude]
    except re.error as exc:
        raise ConfigError(f"source {source.path}: bad URL pattern: {exc}") from None
    since = source.since_time()
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
