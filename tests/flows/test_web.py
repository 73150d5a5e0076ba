"""Web sources over real HTTP on loopback: the fetcher's rules, discovery, incremental runs."""

import asyncio
import json
from pathlib import Path

import duckdb
import pytest
from news_site import PRIVATE_PATH, write_test_warc

from newslake.flows.ingest import run_ingest
from newslake.flows.settings import FetchSettings
from newslake.flows.sources.http import Fetcher, Validators
from newslake.transforms.errors import (
    BadContentType,
    BlockedAddress,
    ConnectionFailed,
    FetchTimeout,
    HttpStatusError,
    NotModified,
    RedirectError,
    TooLarge,
)
from newslake.transforms.normalise import content_hash

FAST = FetchSettings(
    allowed_hosts=("127.0.0.1",),
    min_delay_s=0,
    timeout_s=1,
    total_timeout_s=10,
    backoff_s=0.05,
    max_retry_after_s=2,
    retries=2,
)
EXPECTED = json.loads((Path(__file__).parents[1] / "sample_expected.json").read_text())
GOOD = {
    p
    for p, e in EXPECTED["pages"].items()
    if e["kind"] in ("article", "syndicated") and p.endswith(".html")
}
TWINS = [
    (p, e["duplicate_of"]) for p, e in EXPECTED["pages"].items() if e["kind"] == "exact_duplicate"
]


def fetch(site, path: str, settings: FetchSettings = FAST, validators=None):
    async def go():
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(site.url(path), validators)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("path", "error", "attempts"),
    [
        ("/slow?s=3", FetchTimeout, 3),
        ("/status/500", HttpStatusError, 3),
        ("/status/404", HttpStatusError, 1),
        ("/reset", ConnectionFailed, 3),
        ("/truncated", ConnectionFailed, 3),
        ("/redirect-loop/a", RedirectError, 1),
        ("/huge", TooLarge, 1),
        ("/huge-chunked", TooLarge, 1),
        ("/gzip-bomb", TooLarge, 1),
        ("/doc.pdf", BadContentType, 1),
    ],
)
def test_hostile_and_broken_responses_become_typed_errors(news_site, path, error, attempts):
    with pytest.raises(error) as info:
        fetch(news_site, path)
    assert info.value.attempts == attempts


@pytest.mark.parametrize("path", ["/flaky/t1", "/ratelimited/t2", "/ratelimited-date/t3"])
def test_transient_failures_are_retried_and_succeed(news_site, path):
    response = fetch(news_site, path)
    assert (response.status, response.attempts) == (200, 2)
    assert response.body.startswith(b"<!")


def test_redirects_are_followed_and_the_final_url_kept(news_site):
    response = fetch(news_site, "/redirect/3")
    assert response.final_url == news_site.url("/redirect/0")
    assert response.url == news_site.url("/redirect/3")


def test_redirect_to_a_loopback_address_that_is_not_allowed_is_refused(news_site):
    with pytest.raises(BlockedAddress, match=r"127\.0\.0\.2"):
        fetch(news_site, "/redirect-to?url=http://127.0.0.2:9/x")


def test_loopback_is_refused_unless_allowed(news_site):
    with pytest.raises(BlockedAddress):
        fetch(news_site, "/latin1", FetchSettings(min_delay_s=0))


def test_conditional_get_gets_304(news_site):
    path = "/news/meridian-press/2026-03-05-orlenko-orla-3-training-cost.html"
    first = fetch(news_site, path)
    with pytest.raises(NotModified):
        fetch(news_site, path, validators=Validators(first.etag, first.last_modified))


def test_user_agent_names_a_contact_and_robots_is_read_once(news_site):
    news_site.reset_requests()
    settings = FetchSettings(
        allowed_hosts=("127.0.0.1",), min_delay_s=0, contact_url="https://example.org/bot"
    )

    async def go():
        async with Fetcher(settings) as fetcher:
            for path in ("/latin1", "/redirect/0", "/feeds/rss.xml"):
                await fetcher.fetch(news_site.url(path))

    asyncio.run(go())
    assert news_site.count("/robots.txt") == 1
    agents = {r.headers["User-Agent"] for r in news_site.requests}
    assert agents == {"newslake/0.1 (+https://example.org/bot)"}


def rows(lake: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def web_lake(tmp_path_factory, news_site, prefect_backend):
    """Two runs over the site's feeds and sitemap; returns the lake and both summaries."""
    news_site.reset_requests()
    news_site.restore_pages()
    lake = tmp_path_factory.mktemp("web") / "lake"
    sources = [news_site.url(p) for p in ("/feeds/rss.xml", "/feeds/atom.xml", "/sitemap.xml")]
    params = {"sources": sources, "lake": str(lake), "workers": 1}
    env = {"NEWSLAKE__FETCH__MIN_DELAY_S": "0", "NEWSLAKE__FETCH__ALLOWED_HOSTS": "127.0.0.1"}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        first = run_ingest(**params)
        requests_after_first = len(news_site.requests)
        second = run_ingest(**params)
    return lake, first, second, news_site.requests[requests_after_first:]


def test_every_well_formed_page_arrives_once(web_lake, news_site):
    lake, first, _, _ = web_lake
    urls = {u for (u,) in rows(lake, "SELECT url FROM articles")}
    originals = {original for _, original in TWINS}
    assert {news_site.url(f"/news/{p}") for p in GOOD - originals} <= urls
    assert first.count("new") == len(urls)
    assert rows(lake, "SELECT count(*) - count(DISTINCT url) FROM articles") == [(0,)]
    duplicates = {u for (u,) in rows(lake, "SELECT url FROM fetch_log WHERE outcome = 'duplicate'")}
    stories = dict(rows(lake, "SELECT url, story_id FROM articles"))
    for copy, original in TWINS:
        pair = {news_site.url(f"/news/{copy}"), news_site.url(f"/news/{original}")}
        if len(pair & urls) == 1:  # whichever came first is the article, the other a duplicate
            assert len(pair & duplicates) == 1
        else:  # a copy without a canonical link is the test host's page: one story, two outlets
            assert len({stories[u] for u in pair}) == 1


def test_a_tracked_feed_link_and_its_clean_sitemap_url_are_one_article(web_lake, news_site):
    lake, *_ = web_lake
    tracked = rows(lake, "SELECT url, canonical_url FROM articles WHERE url LIKE '%tracked-story%'")
    # Requested as the feed listed it; the canonical URL is its identity.
    assert tracked == [(news_site.tracked_url, news_site.url("/stories/tracked-story.html"))]


def test_robots_disallowed_page_is_logged_and_never_requested(web_lake, news_site):
    lake, *_ = web_lake
    assert rows(lake, "SELECT DISTINCT outcome FROM fetch_log WHERE url LIKE '%private%'") == [
        ("robots_disallowed",)
    ]
    assert all(not r.path.startswith(PRIVATE_PATH) for r in news_site.requests)


def test_broken_pages_are_logged_with_reasons(web_lake):
    lake, *_ = web_lake
    outcomes = dict(
        rows(
            lake,
            "SELECT outcome, count(*) FROM fetch_log WHERE outcome NOT IN ('ok') GROUP BY outcome",
        )
    )
    assert outcomes.get("empty") == 1
    assert outcomes.get("bad_content_type") == 1
    assert outcomes.get("parse_error", 0) >= 2


def test_second_run_is_incremental(web_lake, news_site):
    lake, _, second, requests = web_lake
    assert second.count("new") == second.count("updated") == 0
    fetched = {r.path for r in requests if r.path.startswith("/news/")}
    assert fetched == set()  # entries already ingested are not fetched again
    assert rows(lake, f"SELECT count(*) FROM pages WHERE run_id = '{second.run_id}'") == [(0,)]


def test_a_page_source_is_revalidated_with_a_conditional_get(
    tmp_path, news_site, prefect_backend, monkeypatch
):
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    page = news_site.url("/news/meridian-press/2026-03-09-calder-bay-lead-advisory.html")
    params = {
        "sources": [page],
        "lake": str(tmp_path / "lake"),
        "workers": 1,
        "allow_hosts": ["127.0.0.1"],
    }
    assert run_ingest(**params).count("new") == 1
    assert run_ingest(**params).outcomes["not_modified"] == 1
    news_site.touch(page)
    try:
        assert run_ingest(**params).outcomes["unchanged"] == 1  # new bytes, same text
    finally:
        news_site.restore_pages()


def test_latin1_page_without_charset_comes_out_as_correct_text(
    tmp_path, news_site, prefect_backend, monkeypatch
):
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    lake = tmp_path / "lake"
    run_ingest(
        sources=[news_site.url("/latin1")], lake=str(lake), workers=1, allow_hosts=["127.0.0.1"]
    )
    (text,) = rows(lake, "SELECT text FROM articles")[0]
    assert "café" in text and "señor" in text and "Ã" not in text


def test_warc_html_responses_become_articles_and_the_rest_is_logged(tmp_path, prefect_backend):
    path = tmp_path / "news.warc.gz"
    written = write_test_warc(path)
    lake = tmp_path / "lake"
    summary = run_ingest(sources=[f"warc:{path}"], lake=str(lake), workers=1)
    urls = {u for (u,) in rows(lake, "SELECT url FROM articles")}
    assert urls == set(written["html_responses"])
    logged = dict(rows(lake, "SELECT outcome, count(*) FROM fetch_log GROUP BY outcome"))
    assert logged["duplicate"] == len(written["revisits"])
    assert logged["bad_content_type"] == len(written["non_html"])
    assert logged["http_error"] == len(written["errors"])
    assert logged["parse_error"] == 1  # the corrupt tail, one row, and the run completed
    assert summary.count("new") == len(written["html_responses"])


def test_content_hash_of_fetched_and_archived_copies_agree():
    # The same text reached over HTTP and from an archive must dedupe as one.
    assert content_hash("Café crème.") == content_hash("Café  crème.")


def test_source_limits_select_urls_by_pattern_date_and_count():
    from datetime import UTC, datetime

    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.web import _select
    from newslake.transforms.discovery import Entry

    entries = [
        Entry(
            "https://n.example/news/a?utm_source=x", published_at=datetime(2026, 3, 1, tzinfo=UTC)
        ),
        Entry("https://n.example/news/a", published_at=datetime(2026, 3, 1, tzinfo=UTC)),
        Entry("https://n.example/news/b", published_at=datetime(2026, 3, 9, tzinfo=UTC)),
        Entry("https://n.example/video/c", published_at=datetime(2026, 3, 9, tzinfo=UTC)),
        Entry("https://n.example/news/d"),
    ]
    source = SourceSettings(
        "https://n.example/feed", since="2026-03-05", include=("/news/",), exclude=("/d$",)
    )
    assert [e.url for e in _select(entries, source)] == ["https://n.example/news/b"]
    assert len(_select(entries, SourceSettings("u"))) == 4  # the tracked copy is one URL


def test_an_unreachable_feed_is_one_row_and_other_sources_go_on(
    tmp_path, news_site, prefect_backend, monkeypatch
):
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    monkeypatch.setenv("NEWSLAKE__FETCH__MAX_RETRY_AFTER_S", "0.1")
    monkeypatch.setenv("NEWSLAKE__FETCH__BACKOFF_S", "0.01")
    lake = tmp_path / "lake"
    summary = run_ingest(
        sources=[news_site.url("/feed-down.xml"), news_site.url("/latin1")],
        lake=str(lake),
        workers=1,
        allow_hosts=["127.0.0.1"],
    )
    assert rows(
        lake, "SELECT url, outcome, status, attempts FROM fetch_log WHERE outcome = 'http_error'"
    ) == [(news_site.url("/feed-down.xml"), "http_error", 503, 4)]
    assert summary.count("new") == 1


def test_warc_host_filter_keeps_only_those_hosts(tmp_path, prefect_backend):
    path = tmp_path / "news.warc"
    written = write_test_warc(path)
    host = written["html_responses"][0].split("/")[2].removeprefix("www.")
    lake = tmp_path / "lake"
    run_ingest(sources=[{"path": f"warc:{path}", "hosts": [host]}], lake=str(lake), workers=1)
    urls = {u for (u,) in rows(lake, "SELECT url FROM articles")}
    assert urls and all(host in u for u in urls)
    assert urls == {u for u in written["html_responses"] if host in u}


def test_robots_crawl_delay_sets_the_host_delay(sample_dir):
    from news_site import NewsSite

    from newslake.flows.sources.http import FetchMemory

    memory = FetchMemory()
    with NewsSite(sample_dir, crawl_delay=2) as site:

        async def go():
            async with Fetcher(FAST, memory) as fetcher:
                await fetcher.fetch(site.url("/latin1"))

        asyncio.run(go())
        assert memory.delays == {f"127.0.0.1:{site.port}": 2.0}


def test_waiting_for_a_host_turn_does_not_count_against_the_request_timeout(sample_dir):
    from dataclasses import replace

    from news_site import NewsSite

    settings = replace(FAST, per_host=1, total_timeout_s=0.5, retries=0)
    with NewsSite(sample_dir, crawl_delay=0.3) as site:

        async def go():
            async with Fetcher(settings) as fetcher:
                urls = [site.url(f"/redirect/0?n={i}") for i in range(4)]
                return await asyncio.gather(*(fetcher.fetch(u) for u in urls))

        responses = asyncio.run(go())  # the last starts ~1.2 s in: after its own 0.5 s limit
    assert [r.status for r in responses] == [200] * 4


def test_paywalled_and_refused_articles_are_rows_that_say_so(
    tmp_path, news_site, prefect_backend, monkeypatch
):
    monkeypatch.setenv("NEWSLAKE__FETCH__MIN_DELAY_S", "0")
    lake = tmp_path / "lake"
    summary = run_ingest(
        sources=[news_site.url("/feeds/premium.xml")],
        lake=str(lake),
        workers=1,
        allow_hosts=["127.0.0.1"],
    )
    articles = {
        url.removeprefix(news_site.url("/").rstrip("/")): rest
        for url, *rest in rows(lake, "SELECT url, access, title, text, page_id FROM articles")
    }
    teaser = articles.pop("/premium/ferry-fares.html")
    assert teaser[0] == "teaser" and teaser[3] is not None
    assert articles == {
        "/status/403": [
            "blocked",
            "Port authority sets out its dredging budget",
            "The port authority's board approved a dredging budget of $48 million on Tuesday.",
            None,
        ],
        "/status/451": ["blocked", "Court order keeps the ferry inquiry report offline", "", None],
    }
    refused = rows(
        lake,
        "SELECT status, outcome, article_id IS NOT NULL FROM fetch_log "
        "WHERE url LIKE '%/status/%' ORDER BY status",
    )
    assert refused == [(403, "blocked", True), (451, "blocked", True)]
    assert summary.count("new") == 1  # the blocked pages are failures, kept as rows
    # A second run fetches the refused pages again but adds nothing twice.
    run_ingest(
        sources=[news_site.url("/feeds/premium.xml")],
        lake=str(lake),
        workers=1,
        allow_hosts=["127.0.0.1"],
    )
    assert rows(lake, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [(3, 3)]
