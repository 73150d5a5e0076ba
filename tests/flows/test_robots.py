"""robots.txt over real HTTP: every case of tests/robots_cases.py served by the loopback site,
asserting which URLs newslake requested; redirects, statuses and the fetch_log rows."""

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import duckdb
import pytest
from news_site import Canned, NewsSite
from robots_cases import CASES, RobotsCase, serve

from newslake.flows.ingest import run_ingest
from newslake.flows.settings import FetchSettings
from newslake.flows.sources.http import Fetcher, FetchMemory
from newslake.transforms.errors import FetchError, RobotsDisallowed

ALL_BODY = b"User-agent: *\nDisallow: /\n"
SETTINGS = FetchSettings(
    allowed_hosts=("127.0.0.1",), min_delay_s=0, timeout_s=2, total_timeout_s=10, retries=0
)


@pytest.fixture(scope="module")
def site(sample_dir) -> Iterator[NewsSite]:
    with NewsSite(sample_dir) as running:
        yield running


def decide(site: NewsSite, paths: list[str], agent: str, memory: FetchMemory) -> dict[str, bool]:
    """Fetch each path with one Fetcher; True where robots.txt let it through."""

    async def go() -> dict[str, bool]:
        allowed = {}
        async with Fetcher(replace(SETTINGS, user_agent=agent), memory) as fetcher:
            for path in paths:
                try:
                    await fetcher.fetch(site.url(path))
                    allowed[path] = True
                except RobotsDisallowed:
                    allowed[path] = False
                except FetchError:  # a 404 (most test paths) was still requested
                    allowed[path] = True
        return allowed

    return asyncio.run(go())


@pytest.mark.parametrize("robots", CASES, ids=[c.name for c in CASES])
def test_conformance_case(site, robots):
    chain = serve(site, robots)
    paths = [path for path, _ in robots.checks]
    decisions = decide(site, paths, robots.agent, FetchMemory())
    assert decisions == dict(robots.checks)
    requested = [r.path for r in site.requests if r.path not in chain]
    assert requested == [path for path, allowed in robots.checks if allowed]
    # The chain is followed up to five redirects, each hop requested once.
    assert [r.path for r in site.requests if r.path in chain] == chain[:6]


def test_crawl_delay_of_our_group_sets_the_host_delay(site):
    serve(site, RobotsCase("delay", "", b"User-agent: newslake\nCrawl-delay: 2.5\n", ()))
    memory = FetchMemory()
    decide(site, ["/a"], "newslake/0.1", memory)
    assert memory.delays == {f"127.0.0.1:{site.port}": 2.5}


def test_crawl_delay_of_another_group_is_not_ours(site):
    text = b"User-agent: otherbot\nCrawl-delay: 9\n\nUser-agent: *\nDisallow: /x\n"
    serve(site, RobotsCase("delay", "", text, ()))
    memory = FetchMemory()
    decide(site, ["/a"], "newslake/0.1", memory)
    assert memory.delays == {}


def test_robots_is_read_through_its_content_type(site):
    serve(site, RobotsCase("type", "", ALL_BODY, ()))
    site.canned["/robots.txt"] = Canned(200, ALL_BODY, (), "application/octet-stream")
    assert decide(site, ["/a"], "newslake/0.1", FetchMemory()) == {"/a": False}


def test_an_unreachable_robots_is_a_fetch_log_row_that_says_so(
    site, tmp_path, prefect_backend, monkeypatch
):
    serve(site, RobotsCase("503", "", b"", (), status=503))
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    monkeypatch.setenv("NEWSLAKE__FETCH__ALLOWED_HOSTS", "127.0.0.1")
    lake = tmp_path / "lake"
    run_ingest(sources=[site.url("/feeds/rss.xml")], lake=str(lake), workers=1)
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        logged = con.execute("SELECT url, outcome, error FROM fetch_log").fetchall()
    finally:
        con.close()
    assert [(url, outcome) for url, outcome, _ in logged] == [
        (site.url("/feeds/rss.xml"), "robots_disallowed")
    ]
    assert "HTTP 503" in logged[0][2] and "disallowed for this run" in logged[0][2]
    assert [r.path for r in site.requests] == ["/robots.txt"]
