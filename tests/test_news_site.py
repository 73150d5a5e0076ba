"""The loopback news site and the WARC fixture writer behave as fetcher tests expect."""

import email.utils
import http.client
import socket
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx
import news_site
import pytest
from lxml import etree
from news_site import NewsSite, write_test_warc
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def site() -> Iterator[NewsSite]:
    with NewsSite(news_site.SAMPLE_DIR, generated=3, crawl_delay=0) as running:
        yield running


@pytest.fixture
def client(site: NewsSite) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.base_url, timeout=5) as c:
        yield c


def canonical(page: bytes) -> str:
    return etree.HTML(page).xpath("//link[@rel='canonical']/@href")[0]


# --------------------------------------------------------------------------- discovery


def test_robots_txt(site: NewsSite, client: httpx.Client) -> None:
    r = client.get("/robots.txt")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[:3] == ["User-agent: *", "Disallow: /private/", "Crawl-delay: 0"]
    assert f"Sitemap: {site.url('/sitemap.xml')}" in lines
    with NewsSite(news_site.SAMPLE_DIR) as plain:
        text = httpx.get(plain.url("/robots.txt")).text
    assert "Crawl-delay" not in text and "Disallow: /private/" in text


def test_private_page_is_served_but_disallowed(site: NewsSite, client: httpx.Client) -> None:
    r = client.get(news_site.PRIVATE_PATH)
    assert r.status_code == 200 and "<article>" in r.text
    assert site.url(news_site.PRIVATE_PATH) in site.pages_sitemap_urls


def test_rss_feed(site: NewsSite, client: httpx.Client) -> None:
    r = client.get("/feeds/rss.xml")
    assert r.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo and feed.version == "rss20"
    assert len(feed.entries) == 10
    links = [e.link for e in feed.entries]
    assert links == site.rss_items
    assert all(link.startswith(site.base_url + "/") for link in links)
    for entry in feed.entries:
        assert entry.title and entry.author and entry.summary and entry.published_parsed
        assert client.get(entry.link).status_code == 200
    tracked = feed.entries[0]
    assert tracked.link == site.tracked_url
    assert tracked.link.endswith("?utm_source=rss&utm_medium=feed")
    assert canonical(client.get(tracked.link).content) == site.url(news_site.TRACKED_PATH)


def test_atom_feed(site: NewsSite, client: httpx.Client) -> None:
    r = client.get("/feeds/atom.xml")
    assert r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 10
    links = [e.link for e in feed.entries]
    assert links == site.atom_items
    assert not set(links) & set(site.rss_items)
    broken = {site.url(p) for p in site.broken_paths()}
    for entry in feed.entries:
        assert entry.link not in broken
        assert entry.id and entry.author and entry.summary and entry.published_parsed
        assert client.get(entry.link).status_code == 200


def test_sitemap_index_and_news_sitemap(site: NewsSite, client: httpx.Client) -> None:
    r = client.get("/sitemap.xml")
    assert r.headers["content-type"] == "application/xml"
    index = etree.fromstring(r.content)
    assert index.tag == f"{SM}sitemapindex"
    locs = [e.text for e in index.iter(f"{SM}loc")]
    assert locs == [site.url("/sitemaps/news.xml"), site.url("/sitemaps/pages.xml")]

    news = etree.fromstring(client.get(locs[0]).content)
    urls = news.findall(f"{SM}url")
    assert len(urls) == len(site.page_paths(broken=False)) + 1  # + the tracked story
    for url in urls:
        assert url.find(f"{NEWS}news/{NEWS}publication/{NEWS}name").text
        assert url.find(f"{NEWS}news/{NEWS}publication/{NEWS}language").text in ("en", "es")
        date = url.find(f"{NEWS}news/{NEWS}publication_date").text
        assert datetime.fromisoformat(date).year == 2026
        assert url.find(f"{NEWS}news/{NEWS}title").text
    news_locs = [u.find(f"{SM}loc").text for u in urls]
    assert news_locs == site.news_sitemap_urls

    pages = etree.fromstring(client.get(locs[1]).content)
    page_locs = [e.text for e in pages.iter(f"{SM}loc")]
    assert page_locs == site.pages_sitemap_urls
    assert all(e.text.startswith("2026-") for e in pages.iter(f"{SM}lastmod"))
    listed = {u.removeprefix(site.base_url) for u in news_locs + page_locs}
    assert set(site.page_paths()) <= listed
    assert set(site.broken_paths()) <= {u.removeprefix(site.base_url) for u in page_locs}


def test_home_page_links_feeds(client: httpx.Client) -> None:
    page = etree.HTML(client.get("/").content)
    assert page.xpath("//link[@rel='alternate']/@href") == ["/feeds/rss.xml", "/feeds/atom.xml"]


# --------------------------------------------------------------------------- pages


def test_every_sample_page_is_served_as_is(site: NewsSite, client: httpx.Client) -> None:
    paths = site.page_paths()
    assert len(paths) == len(list(news_site.SAMPLE_DIR.rglob("*.html")))
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.content == site.pages[path].body
        assert r.headers["etag"] == site.pages[path].etag
    empty = "/news/calder-bay-herald/2026-03-09-photo-gallery-port-strike.html"
    png = "/news/bayline-business/2026-03-10-chart-container-backlog.html"
    assert empty in site.broken_paths() and png in site.broken_paths()
    assert client.get(empty).headers["content-length"] == "0"
    assert client.get(png).content.startswith(b"\x89PNG")
    assert client.get(paths[0] + "?utm_source=x").content == site.pages[paths[0]].body


def test_conditional_get_and_touch(site: NewsSite, client: httpx.Client) -> None:
    path = "/news/meridian-press/2026-03-12-port-tentative-deal.html"
    first = client.get(path)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert modified == "Thu, 12 Mar 2026 12:00:00 GMT"
    assert etag.startswith('"') and len(etag) == 42

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    since = client.get(path, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    older = client.get(path, headers={"If-Modified-Since": "Wed, 11 Mar 2026 12:00:00 GMT"})
    assert older.status_code == 200

    new_etag = site.touch(site.url(path))
    changed = client.get(path, headers={"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200 and changed.headers["etag"] == new_etag != etag
    assert changed.content.startswith(first.content)
    assert changed.content.rstrip().endswith(b"-->")
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 200
    assert client.get(path, headers={"If-None-Match": new_etag}).status_code == 304
    site.restore_pages()
    assert client.get(path).headers["etag"] == etag


def test_head_sends_headers_only(site: NewsSite, client: httpx.Client) -> None:
    path = site.page_paths(broken=False)[0]
    r = client.head(path)
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == len(site.pages[path].body)


def test_generated_pages(site: NewsSite, client: httpx.Client) -> None:
    urls = etree.fromstring(client.get("/gen/sitemap.xml").content).iter(f"{SM}loc")
    urls = [u.text for u in urls]
    assert urls == [site.url(f"/gen/{i}.html") for i in range(3)]
    bodies = [client.get(u).content for u in urls]
    assert len(set(bodies)) == 3
    for url, body in zip(urls, bodies, strict=True):
        assert canonical(body) == url
        page = etree.HTML(body)
        words = " ".join(page.xpath("//article//p/text()")).split()
        assert 380 <= len(words) <= 480
        assert page.xpath("//meta[@property='article:published_time']/@content")
        assert page.xpath("//footer") and page.xpath("//nav")
    assert client.get("/gen/3.html").status_code == 404
    with NewsSite(news_site.SAMPLE_DIR) as none:
        assert httpx.get(none.url("/gen/sitemap.xml")).status_code == 404


def test_other_content(client: httpx.Client) -> None:
    pdf = client.get("/doc.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")

    latin = client.get("/latin1")
    assert latin.headers["content-type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        latin.content.decode("utf-8")
    text = latin.content.decode("latin-1")
    assert all(word in text for word in news_site.LATIN1_WORDS)
    assert "charset" not in text.lower()

    assert client.get("/feed-down.xml").status_code == 503
    assert client.get("/no/such/page").status_code == 404


# --------------------------------------------------------------------------- faults


def test_slow(client: httpx.Client) -> None:
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/slow?s=5", timeout=0.5)
    assert time.monotonic() - started < 2
    assert client.get("/slow?s=0.05").status_code == 200


def test_flaky_then_ok(site: NewsSite, client: httpx.Client) -> None:
    assert client.get("/flaky/a").status_code == 500
    ok = client.get("/flaky/a")
    assert ok.status_code == 200 and canonical(ok.content) == site.url("/flaky/a")
    assert client.get("/flaky/b").status_code == 500
    site.reset_requests()
    assert client.get("/flaky/a").status_code == 500


def test_rate_limited(client: httpx.Client) -> None:
    first = client.get("/ratelimited/x")
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert client.get("/ratelimited/x").status_code == 200

    dated = client.get("/ratelimited-date/x")
    assert dated.status_code == 429
    when = email.utils.parsedate_to_datetime(dated.headers["retry-after"])
    ahead = (when - datetime.now(UTC)).total_seconds()
    assert 0 < ahead <= 2.1
    assert client.get("/ratelimited-date/x").status_code == 200


@pytest.mark.parametrize("code", [403, 404, 410, 500, 502])
def test_status(client: httpx.Client, code: int) -> None:
    r = client.get(f"/status/{code}")
    assert r.status_code == code and str(code) in r.text


def test_reset_mid_body(client: httpx.Client) -> None:
    with client.stream("GET", "/reset") as r:
        assert r.status_code == 200 and r.headers["content-length"] == "100000"
        with pytest.raises(httpx.ReadError, match="reset"):
            r.read()
    with pytest.raises(httpx.ReadError):
        client.get("/reset")


def test_truncated_body(client: httpx.Client) -> None:
    with client.stream("GET", "/truncated") as r:
        assert r.headers["content-length"] == "100000"
        received = 0
        with pytest.raises(httpx.RemoteProtocolError, match="received 2048 bytes"):
            for chunk in r.iter_raw():
                received += len(chunk)
    assert received == 2048


def test_redirects(site: NewsSite, client: httpx.Client) -> None:
    r = client.get("/redirect/3", follow_redirects=True)
    assert r.status_code == 200 and len(r.history) == 3
    assert [h.headers["location"] for h in r.history] == [
        "/redirect/2",
        "/redirect/1",
        "/redirect/0",
    ]
    assert client.get("/redirect/1").status_code == 302

    with pytest.raises(httpx.TooManyRedirects):
        client.get("/redirect-loop/a", follow_redirects=True)
    loop = client.get("/redirect-loop/b")
    assert loop.headers["location"] == "/redirect-loop/a"

    target = f"http://127.0.0.2:{site.port}/x"
    hop = client.get("/redirect-to", params={"url": target})
    assert hop.status_code == 302 and hop.headers["location"] == target
    for outside in ("http://example.com/", "http://10.0.0.1/", "ftp://127.0.0.1/"):
        assert client.get("/redirect-to", params={"url": outside}).status_code == 400


def test_huge_is_not_read_whole(client: httpx.Client) -> None:
    with client.stream("GET", "/huge") as r:
        assert r.headers["content-length"] == str(50 * 1024 * 1024) == "52428800"
        assert r.headers["content-type"].startswith("text/html")
        assert next(r.iter_raw()).startswith(b"<!DOCTYPE html>")
    with client.stream("GET", "/huge-chunked") as r:
        assert r.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in r.headers
        assert next(r.iter_raw())
    assert client.get("/robots.txt").status_code == 200  # server still fine


def test_gzip_bomb(client: httpx.Client) -> None:
    with client.stream("GET", "/gzip-bomb") as r:
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["content-type"].startswith("text/html")
        assert 150_000 < int(r.headers["content-length"]) < 300_000
        raw = next(r.iter_raw(16_384))
    inflater = zlib.decompressobj(31)
    head = inflater.decompress(raw, 1_000_000)
    assert head.startswith(b"<!DOCTYPE html><html><body>   ")
    assert len(head) == 1_000_000  # 16 KB already inflates past 1 MB


# --------------------------------------------------------------------------- server mechanics


def test_request_log(site: NewsSite, client: httpx.Client) -> None:
    site.reset_requests()
    client.get("/robots.txt", headers={"User-Agent": "newslake-test/1.0"})
    client.get("/robots.txt?x=1", headers={"If-None-Match": '"abc"'})
    method, path, headers = site.requests[0]
    assert (method, path) == ("GET", "/robots.txt")
    assert headers["User-Agent"] == headers["user-agent"] == "newslake-test/1.0"
    assert site.requests[1].path == "/robots.txt?x=1"
    assert site.requests[1].headers.get("if-none-match") == '"abc"'
    assert site.count("/robots.txt") == 2
    assert site.count(news_site.PRIVATE_PATH) == 0
    site.reset_requests()
    assert site.requests == []


def test_keep_alive(site: NewsSite) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    conn.request("GET", "/robots.txt")
    conn.getresponse().read()
    sock = conn.sock
    conn.request("GET", "/feeds/rss.xml")
    r = conn.getresponse()
    assert r.status == 200 and r.read() and conn.sock is sock
    conn.close()


def test_latency_and_shutdown() -> None:
    with NewsSite(news_site.SAMPLE_DIR, latency_s=0.2) as slow:
        started = time.monotonic()
        assert httpx.get(slow.url("/robots.txt")).status_code == 200
        assert time.monotonic() - started >= 0.2
        port = slow.port
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
        pass


# --------------------------------------------------------------------------- WARC


def read_warc(path: Path) -> tuple[Counter, list, Exception | None]:
    counts: Counter = Counter()
    records = []
    error = None
    with path.open("rb") as fh:
        try:
            for record in ArchiveIterator(fh):
                counts[record.rec_type] += 1
                records.append(
                    (
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Target-URI"),
                        record.http_headers.get_statuscode() if record.http_headers else None,
                        record.http_headers.get_header("Content-Type")
                        if record.http_headers
                        else None,
                        record.length,
                        len(record.content_stream().read()),
                    )
                )
        except ArchiveLoadFailed as exc:
            error = exc
    return counts, records, error


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_fixture(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    info = write_test_warc(path)
    counts, records, error = read_warc(path)
    assert counts == {"warcinfo": 1, "response": 9, "request": 6, "revisit": 1, "metadata": 1}
    assert dict(counts) == info["records"]
    assert isinstance(error, ArchiveLoadFailed)  # the corrupt tail, after every valid record
    assert "Invalid WARC record" in str(error)
    assert info["corrupt"] == 1 and len(info["html_responses"]) == 6
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"WA")

    html = [r for r in records if r[0] == "response" and r[2] == "200" and "html" in r[3]]
    assert [r[1] for r in html] == info["html_responses"]
    assert all(r[1].startswith("https://www.") and r[3] == news_site.HTML for r in html)
    assert {r[1] for r in records if r[0] == "revisit"} == set(info["revisits"])
    types = {r[1]: r[3] for r in records if r[0] == "response"}
    assert [types[u] for u in info["non_html"]] == ["application/pdf", "image/png"]
    assert [r[2] for r in records if r[1] in info["errors"]] == ["404"]


def test_warc_truncated_tail_and_custom_pages(tmp_path: Path) -> None:
    path = tmp_path / "custom.warc.gz"
    pages = {"https://www.example.org/a.html": b"<html><body><p>A</p></body></html>"}
    info = write_test_warc(path, site_pages=pages, corrupt="truncated")
    counts, records, error = read_warc(path)
    assert error is None  # warcio yields the cut record without complaint
    assert counts["response"] == 1 + 2 + 1 + 1 and counts["request"] == 1
    last = records[-1]
    assert last[4] == 50000 and last[5] < 1000  # declared vs. actually present
    assert info["html_responses"] == list(pages)
