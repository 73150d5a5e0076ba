"""The address guard's connections go to the address it checked: a resolver that changes its
answer between two lookups (loopback only) shows that there is no second lookup."""

import asyncio
from dataclasses import replace

import httpcore
import pytest

from newslake.flows.settings import FetchSettings
from newslake.flows.sources.http import Fetcher
from newslake.flows.sources.pinning import PinnedBackend
from newslake.transforms.errors import BlockedAddress, ConnectionFailed

HOST = "news.test"
OTHER = "localhost"  # a name the loopback site redirects to
SETTINGS = FetchSettings(
    allowed_hosts=(HOST, OTHER), min_delay_s=0, timeout_s=2, total_timeout_s=10, retries=0
)


class Rebinding:
    """Answers each host's first lookup with `first`, every later one with `then`."""

    def __init__(self, first: str, then: str) -> None:
        self.first, self.then = first, then
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        answer = self.then if host in self.lookups else self.first
        self.lookups.append(host)
        return [answer]


def fetch_all(urls: list[str], resolver: Rebinding, settings: FetchSettings = SETTINGS):
    async def go():
        async with Fetcher(settings, resolver=resolver) as fetcher:
            return [await fetcher.fetch(url) for url in urls]

    return asyncio.run(go())


def test_every_request_goes_to_the_first_answer(news_site):
    # The site listens on 127.0.0.1 only: a connection to 127.0.0.2 would be refused.
    news_site.reset_requests()
    resolver = Rebinding("127.0.0.1", "127.0.0.2")
    base = f"http://{HOST}:{news_site.port}"
    responses = fetch_all([f"{base}/latin1", f"{base}/redirect/2", f"{base}/latin1?x"], resolver)
    assert [r.status for r in responses] == [200, 200, 200]
    assert resolver.lookups == [HOST]
    paths = [r.path for r in news_site.requests]
    assert paths == ["/robots.txt", "/latin1", *(f"/redirect/{i}" for i in (2, 1, 0)), "/latin1?x"]
    assert {r.headers["Host"] for r in news_site.requests} == {f"{HOST}:{news_site.port}"}


def test_a_later_answer_is_never_used(news_site):
    # Checked: 127.0.0.2 (nothing listens). A second lookup would give the site's address.
    news_site.reset_requests()
    resolver = Rebinding("127.0.0.2", "127.0.0.1")
    settings = replace(SETTINGS, obey_robots=False)  # else robots.txt unreachable: disallowed
    with pytest.raises(ConnectionFailed, match="ConnectError"):
        fetch_all([f"http://{HOST}:{news_site.port}/latin1"], resolver, settings)
    assert resolver.lookups == [HOST]
    assert news_site.requests == []


def test_a_redirect_hop_to_another_host_is_resolved_once_and_pinned(news_site):
    news_site.reset_requests()
    resolver = Rebinding("127.0.0.1", "127.0.0.2")
    target = f"http://{OTHER}:{news_site.port}/redirect/0"
    start = f"http://{HOST}:{news_site.port}/redirect-to?url={target}"
    responses = fetch_all([start, target], resolver)
    assert [r.final_url for r in responses] == [target, target]
    assert resolver.lookups == [HOST, OTHER]
    hosts = [r.headers["Host"].split(":")[0] for r in news_site.requests]
    assert hosts == [HOST, HOST, OTHER, OTHER, OTHER]  # robots, hop, robots, page, page again


def test_the_guard_checks_what_the_resolver_answers(news_site):
    news_site.reset_requests()
    resolver = Rebinding("127.0.0.1", "8.8.8.8")
    settings = replace(SETTINGS, allowed_hosts=())
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.1"):
        fetch_all([f"http://{HOST}:{news_site.port}/latin1"], resolver, settings)
    assert news_site.requests == []


def test_a_host_without_a_checked_address_gets_no_connection():
    async def go():
        await PinnedBackend({}).connect_tcp(HOST, 80)

    with pytest.raises(httpcore.ConnectError, match="no checked address"):
        asyncio.run(go())


def test_concurrent_requests_to_a_new_host_share_one_lookup(news_site):
    resolver = Rebinding("127.0.0.1", "127.0.0.2")
    urls = [f"http://{HOST}:{news_site.port}/redirect/0?n={i}" for i in range(20)]

    async def go():
        async with Fetcher(SETTINGS, resolver=resolver) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    assert [r.status for r in asyncio.run(go())] == [200] * 20
    assert resolver.lookups == [HOST]
