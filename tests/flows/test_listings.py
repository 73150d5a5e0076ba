"""Feeds and sitemaps as they come (tests/feed_cases.py), through the real ingest flow.

Each case's files are served by a loopback news site of this module's own; one run reads
them all as sources, a second run shows what is already known is not requested again.
"""

import io
from collections import Counter
from pathlib import Path

import duckdb
import feedparser
import pytest
from feed_cases import FEED_CASES, SITEMAP_CASES, Case
from news_site import NewsSite, synthetic_article

from newslake.flows.ingest import new_run, run_ingest
from newslake.flows.settings import FetchSettings, SourceSettings
from newslake.flows.sources.http import FetchMemory, gunzip
from newslake.flows.sources.web import discover_web
from newslake.transforms.discovery import read_listing
from newslake.transforms.urls import canonical_url

CASES = FEED_CASES + SITEMAP_CASES
SITE_CAP = 2  # new articles taken from the bare site source
FETCH = FetchSettings(allowed_hosts=("127.0.0.1",), min_delay_s=0)


def folder(case: Case) -> str:
    return f"/cases/{case.name}/"


def query(lake: Path, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def site(sample_dir):
    with NewsSite(sample_dir) as site:
        for case in CASES:
            base = site.url(folder(case))
            for file in case.files:
                site.serve(folder(case) + file.path, file.body(base), file.content_type)
            for article in case.articles:
                path = folder(case) + article.split("?")[0]
                site.serve(path, synthetic_article(base + article, path), "text/html")
        yield site


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory, prefect_backend):
    """Two runs over every case (and the bare site); the lake and each run's requests."""
    lake = tmp_path_factory.mktemp("listings") / "lake"
    sources = [{"path": site.url(folder(c) + c.source_path), "name": c.name} for c in CASES] + [
        {"path": site.url("/"), "name": "bare_site", "max_articles": SITE_CAP}
    ]
    params = {"sources": sources, "lake": str(lake), "workers": 1, "allow_hosts": ["127.0.0.1"]}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
        site.reset_requests()
        run_id = run_ingest(**params).run_id
        first = site.requests
        run_ingest(**params)
        second = site.requests[len(first) :]
    return lake, first, second, run_id


def test_the_tables_cover_what_the_issue_asks():
    assert len(FEED_CASES) >= 30 and len(SITEMAP_CASES) >= 20
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c for c in CASES if c.format], ids=lambda c: c.name)
def test_listing_is_read_as_its_format(case: Case):
    base = f"http://news.test{folder(case)}"
    file = case.files[0]
    body = file.body(base)
    listing = read_listing(gunzip(body, 10_000_000) or body, base + file.path)
    assert listing.format == case.format
    if case.title:
        assert listing.entries[0].title == case.title


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_requests_articles_and_rows(runs, site, case: Case):
    lake, first, _, run_id = runs
    base = site.url(folder(case))
    requested = Counter(
        r.path.removeprefix(folder(case)) for r in first if r.path.startswith(folder(case))
    )
    # Exactly these paths, each once, with the query as listed.
    assert requested == Counter(case.requested)
    articles = query(lake, "SELECT url FROM articles WHERE source = ?", f"web:{case.name}")
    assert {u for (u,) in articles} == {case.url(base, a) for a in case.articles}
    logged = query(
        lake,
        "SELECT outcome, url FROM fetch_log WHERE source = ? AND run_id = ? AND outcome <> 'ok'",
        f"web:{case.name}",
        run_id,
    )
    assert sorted(logged) == sorted((o, case.url(base, u)) for o, u in case.rows)


def test_ill_formed_listings_say_so(runs):
    lake, *_ = runs
    errors = query(
        lake,
        "SELECT source, error FROM fetch_log WHERE outcome = 'parse_error' "
        "AND source IN ('web:illformed_ampersand', 'web:sm_illformed')",
    )
    assert {s for s, e in errors if e.startswith("ill-formed")} == {
        "web:illformed_ampersand",
        "web:sm_illformed",
    }


def test_a_second_run_requests_no_article_again(runs):
    _, _, second, _ = runs
    articles = {folder(c) + a for c in CASES for a in c.articles}
    assert [r.path for r in second if r.path in articles] == []


def test_a_bare_site_leads_to_its_robots_sitemaps_and_declared_feeds(runs, site):
    lake, first, _, run_id = runs
    paths = Counter(r.path for r in first if not r.path.startswith("/cases/"))
    for listing in ("/", "/feeds/rss.xml", "/feeds/atom.xml", "/sitemap.xml"):
        assert paths[listing] == 1
    assert paths["/sitemaps/news.xml"] == paths["/sitemaps/pages.xml"] == 1
    assert paths["/robots.txt"] == 2  # once for its rules, once for its Sitemap lines
    articles = query(
        lake, "SELECT url FROM articles WHERE source = 'web:bare_site' AND run_id = ?", run_id
    )
    assert len(articles) == SITE_CAP
    assert query(lake, "SELECT count(*) FROM pages WHERE url = ?", site.url("/")) == [(0,)]


def discover(site, paths, known=()):
    """discover_web over sources on the module's site, with a lake that knows `known`."""
    asked: list[str] = []

    def known_urls(urls):
        asked.extend(urls)
        return set(known) & set(urls)

    sources = [SourceSettings(p if "://" in p else site.url(p)) for p in paths]
    found = discover_web(sources, FETCH, FetchMemory(), new_run(), known_urls, lambda u: {})
    return found, asked


def test_the_lake_is_asked_for_both_spellings_and_either_one_is_known(site):
    salmon = next(c for c in CASES if c.name == "query_salmon")
    source = folder(salmon) + salmon.source_path
    listed = site.url(folder(salmon) + "a.html?salmon")
    found, asked = discover(site, [source])
    assert listed in asked and canonical_url(listed) in asked and listed != canonical_url(listed)
    assert listed in {i.url for i in found.inputs}
    # A lake written before requests kept the listed spelling holds only the canonical one.
    found, _ = discover(site, [source], known=[canonical_url(listed)])
    assert listed not in {i.url for i in found.inputs}


def test_a_malformed_source_url_is_a_row(site):
    found, _ = discover(site, ["http://[::1/feed.xml", "http://127.0.0.1:99999/x"])
    assert [(r.url, r.outcome) for r in found.log] == [
        ("http://[::1/feed.xml", "bad_url"),
        ("http://127.0.0.1:99999/x", "bad_url"),
    ]
    assert found.inputs == found.pages == []


@pytest.mark.parametrize("case", FEED_CASES, ids=lambda c: c.name)
def test_every_link_feedparser_finds_alone_is_listed_or_a_row(case: Case):
    # Never less right than the tool wrapped: feedparser on the raw bytes, same base URL.
    base = f"http://news.test{folder(case)}"
    url = base + case.files[0].path
    body = case.files[0].body(base)
    alone = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    listing = read_listing(body, url)
    ours = {e.url for e in listing.entries} | {u for u, _ in listing.rejects}
    assert {e.link for e in alone.entries if e.get("link")} <= ours
    assert len(listing.entries) + len(listing.rejects) >= len(alone.entries)
