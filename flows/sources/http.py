"""Fetching over HTTP: polite (robots, per-host limits), incremental (conditional GET) and safe.

Every httpx exception is translated into a typed FetchError here and nowhere else.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from newslake.flows.settings import FetchSettings
from newslake.flows.sources.pinning import PinnedTransport, Pins, Resolver, system_resolver
from newslake.transforms.errors import (
    BadContentType,
    BadUrl,
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    HttpStatusError,
    NotModified,
    RedirectError,
    RobotsDisallowed,
    TooLarge,
)
from newslake.transforms.robots import (
    MAX_PARSED_BYTES,
    RobotsPolicy,
    allow_all,
    disallow_all,
    policy_for_response,
)

TEXT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    # Feed types seen in the wild besides the registered ones.
    "application/x-rss+xml",
    "application/x-atom+xml",
    "text/rss+xml",
    "text/atom+xml",
    "text/rdf",
    "application/x-cdf",
)
# How gzip files (sitemap.xml.gz) are served; only listings are fetched accepting them.
GZIP_TYPES = ("application/x-gzip", "application/gzip", "application/octet-stream")
_REDIRECTS = {301, 302, 303, 307, 308}
_METADATA_HOSTS = {"metadata.google.internal", "metadata"}
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 §2.3.1.2: follow at least five


@dataclass(frozen=True, slots=True)
class Validators:
    """What we stored last time, for a conditional GET."""

    etag: str | None
    last_modified: str | None


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched body, decoded from its transfer compression, with what the server said."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    body: bytes
    attempts: int
    elapsed_ms: int


@dataclass
class FetchMemory:
    """What one run learns about hosts, kept across its batches (each has its own event loop)."""

    robots: dict[str, RobotsPolicy] = field(default_factory=dict)  # origin -> policy
    delays: dict[str, float] = field(default_factory=dict)  # host -> seconds between requests
    next_at: dict[str, float] = field(default_factory=dict)  # host -> monotonic time
    addresses: Pins = field(default_factory=dict)  # (host, port) -> checked, connected to


@dataclass
class _Host:
    key: str
    slots: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Fetcher:
    """An httpx client with the rules that keep fetching polite and safe; one per run.

    resolver (host, port -> addresses) is how hosts are looked up, once each per run."""

    def __init__(
        self,
        settings: FetchSettings,
        memory: FetchMemory | None = None,
        types: tuple[str, ...] = TEXT_TYPES,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.settings = settings
        self.types = types  # the media types accepted
        self.memory = memory or FetchMemory()
        self.resolver = resolver
        self.user_agent = f"{settings.user_agent} (+{settings.contact_url})"
        limits = httpx.Limits(max_connections=settings.concurrency)
        self.client = httpx.AsyncClient(
            transport=PinnedTransport(self.memory.addresses, settings.http2, limits),
            timeout=httpx.Timeout(settings.timeout_s),
            follow_redirects=False,
            # Our own decoder caps what compressed bodies expand to; brotli is not offered
            # because its decoder cannot be capped.
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self.slots = asyncio.Semaphore(settings.concurrency)
        self.hosts: dict[str, _Host] = {}
        self.robots_locks: dict[str, asyncio.Lock] = {}
        self.address_locks: dict[tuple[str, int], asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, validators: Validators | None = None) -> Response:
        """The response for url after redirects and retries; raises a FetchError subclass."""
        started = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            try:
                return await self._follow(url, validators, attempts, started)
            except FetchError as exc:
                error = exc
            if not error.retryable or attempts > self.settings.retries:
                error.attempts, error.elapsed_ms = attempts, _ms(started)
                raise error
            await asyncio.sleep(self._backoff(error, attempts))

    async def _follow(
        self, url: str, validators: Validators | None, attempts: int, started: float
    ) -> Response:
        seen = [url]
        current = url
        for _ in range(self.settings.max_redirects + 1):
            await self._check_allowed(current)
            headers = _conditional_headers(validators) if current == url else {}
            async with self._host_turn(current):
                response = await self._send(current, headers)
            if response.status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise RedirectError(f"{response.status} without a Location header")
                current = urljoin(current, location)
                if current in seen:
                    raise RedirectError("redirect loop: " + " -> ".join([*seen, current]))
                seen.append(current)
                continue
            if response.status == 304:
                raise NotModified("304 Not Modified")
            if response.status >= 400:
                raise HttpStatusError(
                    f"HTTP {response.status}", response.status, _retry_after(response.headers)
                )
            return Response(
                url=url,
                final_url=current,
                status=response.status,
                content_type=response.content_type,
                charset=response.charset,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                body=response.body,
                attempts=attempts,
                elapsed_ms=_ms(started),
            )
        raise RedirectError(f"more than {self.settings.max_redirects} redirects from {url}")

    async def _send(self, url: str, headers: dict[str, str], truncate: int = 0) -> _Raw:
        """One request, under the global limit and the total timeout (waiting for a host's
        turn is not counted: a slow host's queue must not time out its own requests).
        With truncate, any content type is read and only its first truncate bytes kept."""
        try:
            async with self.slots:
                return await asyncio.wait_for(
                    self._request(url, headers, truncate), self.settings.total_timeout_s
                )
        except TimeoutError:
            raise FetchTimeout(
                f"no complete response within {self.settings.total_timeout_s:g} s"
            ) from None

    async def _request(self, url: str, headers: dict[str, str], truncate: int) -> _Raw:
        try:
            async with self.client.stream("GET", url, headers=headers) as response:
                return await _read(response, self.settings.max_body_bytes, self.types, truncate)
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out: {type(exc).__name__}") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc or 'connection broken'}") from None
        except httpx.HTTPError as exc:
            raise ConnectionFailed(f"{type(exc).__name__}: {exc}") from None
        except httpx.InvalidURL as exc:  # e.g. a control character in a listed URL
            raise BadUrl(f"not a URL httpx can request: {exc}") from None

    def _host_turn(self, url: str) -> _HostTurn:
        """Wait for a free slot and the minimum delay for url's host."""
        key = urlsplit(url).netloc.lower()
        if key not in self.hosts:
            self.hosts[key] = _Host(key, asyncio.Semaphore(self.settings.per_host))
        return _HostTurn(self.hosts[key], self.memory, self.settings.min_delay_s)

    async def _check_allowed(self, url: str) -> None:
        await self._check_address(url)
        if not self.settings.obey_robots:
            return
        policy = await self._robots_policy(url)
        if not policy.allows(url):
            parts = urlsplit(url)
            if policy.refusal:
                raise RobotsDisallowed(
                    f"robots.txt of {parts.netloc} could not be fetched ({policy.refusal}): "
                    "every URL of the host is disallowed for this run (RFC 9309)"
                )
            raise RobotsDisallowed(f"robots.txt of {parts.netloc} disallows {parts.path or '/'}")

    async def _check_address(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RedirectError(f"not an http(s) URL: {url}")
        try:  # the host as httpx will connect to it (IDNA), so that its pin is found
            host = httpx.URL(url).raw_host.decode("ascii")
        except httpx.InvalidURL as exc:
            raise RedirectError(f"not a valid URL: {url} ({exc})") from None
        await self._guard_address(host, parts.port or _default_port(parts.scheme))

    async def _guard_address(self, host: str, port: int) -> None:
        """Resolve host once per run and pin its connections to those addresses, refusing
        private, loopback, link-local or reserved ones unless the host is allowed."""
        if (host, port) in self.memory.addresses:
            return
        async with self.address_locks.setdefault((host, port), asyncio.Lock()):
            if (host, port) not in self.memory.addresses:  # else resolved while we waited
                await self._resolve_and_check(host, port)

    async def _resolve_and_check(self, host: str, port: int) -> None:
        allowed = host in self.settings.allowed_hosts
        if not allowed and host in _METADATA_HOSTS:
            raise BlockedAddress(f"{host} is a cloud metadata endpoint")
        try:
            addresses = await self.resolver(host, port)
        except OSError as exc:
            raise ConnectionFailed(f"cannot resolve {host}: {exc.strerror or exc}") from None
        if not addresses:
            raise ConnectionFailed(f"cannot resolve {host}: no addresses")
        for address in map(ipaddress.ip_address, addresses):
            if not allowed and _is_internal(address):
                raise BlockedAddress(
                    f"{host} resolves to {address}, a non-public address "
                    "(allow it with fetch.allowed_hosts or --allow-host)"
                )
        self.memory.addresses[(host, port)] = addresses

    async def _robots_policy(self, url: str) -> RobotsPolicy:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self.robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt fetch per host per run
            if origin not in self.memory.robots:
                self.memory.robots[origin] = await self._load_robots(origin)
        return self.memory.robots[origin]

    async def _load_robots(self, origin: str) -> RobotsPolicy:
        """The robots.txt policy of origin (RFC 9309 §2.3.1): up to five redirects followed
        (more: no robots.txt), 4xx allows all, 5xx or no answer disallows all for this run."""
        url = f"{origin}/robots.txt"
        try:
            for _ in range(ROBOTS_MAX_REDIRECTS + 1):
                await self._check_address(url)
                async with self._host_turn(url):
                    raw = await self._send(url, {}, truncate=MAX_PARSED_BYTES + 1)
                location = raw.headers.get("location")
                if raw.status not in _REDIRECTS or not location:
                    break
                url = urljoin(url, location)
            else:
                return allow_all()
        except FetchError as exc:
            return disallow_all(str(exc))
        policy = policy_for_response(raw.status, raw.body, self.settings.user_agent)
        if policy.crawl_delay:
            key = urlsplit(origin).netloc.lower()
            self.memory.delays[key] = min(policy.crawl_delay, self.settings.max_crawl_delay_s)
        return policy

    def _backoff(self, error: FetchError, attempts: int) -> float:
        retry_after = getattr(error, "retry_after_s", None)
        if retry_after is not None:
            return min(retry_after, self.settings.max_retry_after_s)
        return self.settings.backoff_s * 2 ** (attempts - 1) * (0.5 + random.random())


class _HostTurn:
    """Hold one of a host's slots, starting no sooner than its delay after the last start."""

    def __init__(self, host: _Host, memory: FetchMemory, min_delay_s: float) -> None:
        self.host = host
        self.memory = memory
        self.delay_s = max(min_delay_s, memory.delays.get(host.key, 0.0))

    async def __aenter__(self) -> None:
        await self.host.slots.acquire()
        async with self.host.lock:
            wait = self.memory.next_at.get(self.host.key, 0.0) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.memory.next_at[self.host.key] = time.monotonic() + self.delay_s

    async def __aexit__(self, *exc: object) -> None:
        self.host.slots.release()


@dataclass(frozen=True, slots=True)
class _Raw:
    status: int
    headers: httpx.Headers
    content_type: str | None
    charset: str | None
    body: bytes


async def _read(
    response: httpx.Response, max_bytes: int, types: tuple[str, ...] = TEXT_TYPES, truncate: int = 0
) -> _Raw:
    """Headers and the decoded body, refusing what is too large or not of the accepted types;
    with truncate, any type, and only the first truncate bytes (the rest is not read)."""
    media, charset = _media_type(response.headers.get("content-type"))
    if response.status_code in _REDIRECTS or response.status_code == 304:
        return _Raw(response.status_code, response.headers, media, charset, b"")
    if truncate:
        max_bytes = truncate
    elif response.status_code < 400 and media and not media.startswith(types):
        raise BadContentType(f"content type {media} is not HTML, XML or text")
    declared = response.headers.get("content-length")
    if not truncate and declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"Content-Length {declared} is over the {max_bytes}-byte limit")
    decoder = _Decoder(response.headers.get("content-encoding", ""), max_bytes, bool(truncate))
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
        if decoder.full:
            break
    return _Raw(response.status_code, response.headers, media, charset, decoder.finish())


class _Decoder:
    """Undo gzip/deflate while reading, never holding more than max_bytes of output (more is
    an error, or with truncate is dropped and marks the decoder full)."""

    def __init__(self, encoding: str, max_bytes: int, truncate: bool = False) -> None:
        encoding = encoding.strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise BadContentType(f"unsupported Content-Encoding {encoding!r}")
        # wbits 47 accepts both gzip and zlib headers.
        self.inflater = zlib.decompressobj(47) if encoding not in ("", "identity") else None
        self.max_bytes = max_bytes
        self.truncate = truncate
        self.full = False
        self.parts: list[bytes] = []
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        if self.inflater is None:
            self._keep(chunk)
            return
        try:
            data = self.inflater.decompress(chunk, self.max_bytes - self.size + 1)
            self._keep(data)
            while self.inflater.unconsumed_tail and not self.full:
                tail = self.inflater.unconsumed_tail
                self._keep(self.inflater.decompress(tail, self.max_bytes - self.size + 1))
        except zlib.error as exc:
            raise ConnectionFailed(f"corrupt compressed body: {exc}") from None

    def finish(self) -> bytes:
        return b"".join(self.parts)

    def _keep(self, data: bytes) -> None:
        if self.truncate and self.size + len(data) >= self.max_bytes:
            data = data[: self.max_bytes - self.size]
            self.full = True
        self.size += len(data)
        if self.size > self.max_bytes:
            kind = "decompressed body" if self.inflater else "body"
            raise TooLarge(f"{kind} is over the {self.max_bytes}-byte limit")
        self.parts.append(data)


def gunzip(body: bytes, max_bytes: int) -> bytes | None:
    """The content of a gzip file, at most max_bytes of it (else TooLarge); None when the
    body is not a whole gzip stream (no gzip magic, corrupt or cut short)."""
    if not body.startswith(b"\x1f\x8b"):
        return None
    decoder = _Decoder("gzip", max_bytes)
    try:
        decoder.feed(body)
    except ConnectionFailed:
        return None
    complete = decoder.inflater is not None and decoder.inflater.eof
    return decoder.finish() if complete else None


def _media_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return media.strip().lower() or None, charset


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    if validators is None:
        return {}
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from a Retry-After header in seconds or as an HTTP-date."""
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
