"""A table of malformed inputs (feeds, sitemaps, robots files, archives) for crash tests.

Each case is one input of a `newslake run`: a feed or sitemap URL served by the loopback
site, a page on a site whose robots.txt is the case, or an archive file. Bodies are built
from `base`, the case's own URL prefix on the site (`<site>/m/<name>`), so every URL a case
lists is its own. Written from the RSS 2.0, Atom (RFC 4287), sitemaps.org, RFC 9309 and
WARC 1.1 / ARC texts: each case breaks one thing they require.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
XML_TYPE = "application/xml"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Case:
    """One malformed input: `body(base)` is what the site serves (or the archive holds)."""

    name: str
    kind: str  # feed, sitemap, robots or archive
    body: Callable[[str], bytes]
    content_type: str = XML_TYPE
    filename: str = "input.xml"  # the path served under base (feeds, sitemaps)


def rss(items: str, head: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> str:
    return (
        f'{head}<rss version="2.0"><channel><title>T</title><link>x</link>{items}</channel></rss>'
    )


def item(link: str, title: str = "Story") -> str:
    return f"<item><title>{title}</title><link>{link}</link></item>"


def atom(entries: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>T</title><id>urn:x</id><updated>2026-03-12T06:00:00Z</updated>{entries}</feed>"
    )


def urlset(locs: list[str], extra: str = "") -> str:
    rows = "".join(f"<url><loc>{loc}</loc>{extra}</url>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'
    )


def index(locs: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>'
    )


def text(make: Callable[[str], str], encoding: str = "utf-8") -> Callable[[str], bytes]:
    return lambda base: make(base).encode(encoding)


JUNK = bytes(range(256)) * 4
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "lol lol lol lol lol lol lol lol">'
    + "".join(
        f'<!ENTITY {b} "&{a};&{a};&{a};&{a};&{a};&{a};&{a};&{a};">'
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]>\n"
)

FEEDS = [
    Case("feed-unclosed", "feed", text(lambda b: rss(item(f"{b}/a.html"))[:-16]), RSS_TYPE),
    Case("feed-cut-in-link", "feed", text(lambda b: rss(item(f"{b}/a.html"))[:120]), RSS_TYPE),
    Case("feed-empty-body", "feed", lambda b: b"", RSS_TYPE),
    Case("feed-no-items", "feed", text(lambda b: rss("")), RSS_TYPE),
    Case(
        "feed-item-without-link",
        "feed",
        text(lambda b: rss("<item><title>x</title></item>")),
        RSS_TYPE,
    ),
    Case("feed-ipv6-unclosed-bracket", "feed", text(lambda b: rss(item("http://[::1"))), RSS_TYPE),
    Case(
        "feed-port-out-of-range",
        "feed",
        text(lambda b: rss(item("http://127.0.0.1:99999/a"))),
        RSS_TYPE,
    ),
    Case(
        "feed-javascript-link", "feed", text(lambda b: rss(item("javascript:alert(1)"))), RSS_TYPE
    ),
    Case(
        "feed-mailto-link", "feed", text(lambda b: rss(item("mailto:desk@example.org"))), RSS_TYPE
    ),
    Case("feed-relative-link", "feed", text(lambda b: rss(item("a.html"))), RSS_TYPE),
    Case("feed-space-in-link", "feed", text(lambda b: rss(item(f"{b}/a b.html"))), RSS_TYPE),
    Case(
        "feed-control-chars-in-link",
        "feed",
        text(lambda b: rss(item(f"{b}/a&#x1;\t.html"))),
        RSS_TYPE,
    ),
    Case("feed-binary-junk", "feed", lambda b: JUNK, RSS_TYPE),
    Case(
        "feed-html-served-as-rss",
        "feed",
        lambda b: b"<!DOCTYPE html><html><body><p>Hi</p></body></html>",
        RSS_TYPE,
    ),
    Case(
        "feed-utf16-without-bom",
        "feed",
        text(
            lambda b: rss(item(f"{b}/a.html"), '<?xml version="1.0" encoding="utf-16"?>'),
            "utf-16-le",
        ),
        RSS_TYPE,
    ),
    Case(
        "feed-bad-utf8",
        "feed",
        lambda b: rss(item(f"{b}/a.html", "caf\udce9")).encode("utf-8", "surrogateescape"),
        RSS_TYPE,
    ),
    Case(
        "feed-entity-expansion",
        "feed",
        text(lambda b: LAUGHS + rss(item(f"{b}/a.html", "&i;"), "")[0:]),
        RSS_TYPE,
    ),
    Case(
        "feed-external-entity",
        "feed",
        text(
            lambda b: (
                '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + rss(item(f"{b}/a.html", "&x;"), "")
            )
        ),
        RSS_TYPE,
    ),
    Case(
        "feed-atom-link-without-href",
        "feed",
        text(
            lambda b: atom('<entry><title>x</title><link rel="alternate"/><id>urn:1</id></entry>')
        ),
        ATOM_TYPE,
    ),
    Case(
        "feed-atom-huge-title",
        "feed",
        text(
            lambda b: atom(
                f"<entry><title>{'x' * 300_000}</title>"
                f'<link href="{b}/a.html"/><id>urn:2</id></entry>'
            )
        ),
        ATOM_TYPE,
    ),
    Case(
        "feed-garbage-dates",
        "feed",
        text(
            lambda b: rss(
                f"<item><link>{b}/a.html</link>"
                "<pubDate>Sun, 99 Foo 99999 99:99:99 +9999</pubDate></item>"
            )
        ),
        RSS_TYPE,
    ),
    Case(
        "feed-cdf",
        "feed",
        text(
            lambda b: (
                f'<?xml version="1.0"?><CHANNEL HREF="{b}/"><TITLE>T</TITLE>'
                f'<ITEM HREF="{b}/a.html"><TITLE>x</TITLE></ITEM></CHANNEL>'
            )
        ),
        XML_TYPE,
    ),
]

SITEMAPS = [
    Case("sitemap-unclosed", "sitemap", text(lambda b: urlset([f"{b}/a.html"])[:-12])),
    Case("sitemap-empty-urlset", "sitemap", text(lambda b: urlset([]))),
    Case("sitemap-empty-loc", "sitemap", text(lambda b: urlset([""]))),
    Case("sitemap-loc-not-a-url", "sitemap", text(lambda b: urlset(["not a url at all"]))),
    Case("sitemap-loc-ipv6-unclosed-bracket", "sitemap", text(lambda b: urlset(["http://[::1"]))),
    Case("sitemap-index-lists-itself", "sitemap", text(lambda b: index([f"{b}/input.xml"]))),
    Case("sitemap-index-to-missing", "sitemap", text(lambda b: index([f"{b}/missing.xml"]))),
    Case(
        "sitemap-index-holding-urls",
        "sitemap",
        text(
            lambda b: index([]).replace(
                "</sitemapindex>", f"<url><loc>{b}/a.html</loc></url></sitemapindex>"
            )
        ),
    ),
    Case(
        "sitemap-gzip-cut-short",
        "sitemap",
        lambda b: gzip.compress(urlset([f"{b}/a.html"] * 50).encode())[:200],
        "application/x-gzip",
        "input.xml.gz",
    ),
    Case(
        "sitemap-gzip-magic-then-junk",
        "sitemap",
        lambda b: b"\x1f\x8b\x08\x00" + JUNK,
        "application/octet-stream",
        "input.xml.gz",
    ),
    Case(
        "sitemap-plain-text-junk",
        "sitemap",
        text(lambda b: f"not a url\n\x00\n{b}/a.html\n    \nhttp://[::1\n"),
        TEXT_TYPE,
        "input.txt",
    ),
    Case(
        "sitemap-no-namespace",
        "sitemap",
        text(lambda b: f"<urlset><url><loc>{b}/a.html</loc></url></urlset>"),
    ),
    Case(
        "sitemap-garbage-lastmod",
        "sitemap",
        text(lambda b: urlset([f"{b}/a.html"], "<lastmod>the day after</lastmod>")),
    ),
    Case("sitemap-binary-junk", "sitemap", lambda b: JUNK),
]

ROBOTS = [
    Case("robots-binary-junk", "robots", lambda b: JUNK, TEXT_TYPE),
    Case(
        "robots-html-page",
        "robots",
        lambda b: b"<!DOCTYPE html><html><body>Disallow: /</body></html>",
        "text/html",
    ),
    Case(
        "robots-utf16-with-bom",
        "robots",
        text(lambda b: "\ufeffUser-agent: *\nDisallow: /m/\n", "utf-16"),
        TEXT_TYPE,
    ),
    Case(
        "robots-utf8-bom", "robots", text(lambda b: "\ufeffUser-agent: *\nDisallow: /\n"), TEXT_TYPE
    ),
    Case("robots-no-colons", "robots", text(lambda b: "User-agent *\nDisallow /\n"), TEXT_TYPE),
    Case(
        "robots-only-comments",
        "robots",
        text(lambda b: "# nothing here\n#User-agent: *\n"),
        TEXT_TYPE,
    ),
    Case(
        "robots-over-500-kib",
        "robots",
        text(
            lambda b: "User-agent: *\n" + "Disallow: /nothing-here/\n" * 26_000 + "Disallow: /m/\n"
        ),
        TEXT_TYPE,
    ),
    Case(
        "robots-nul-bytes", "robots", lambda b: b"User-agent: *\x00\nDisallow: /m\x00/\n", TEXT_TYPE
    ),
    Case(
        "robots-cr-line-ends",
        "robots",
        text(lambda b: "User-agent: *\rDisallow: /private/\rAllow: /\r"),
        TEXT_TYPE,
    ),
    Case(
        "robots-wildcard-soup",
        "robots",
        text(lambda b: "User-agent: *\nDisallow: /*$*$**\nAllow: $\nDisallow: *\n"),
        TEXT_TYPE,
    ),
    Case(
        "robots-gzip-body",
        "robots",
        lambda b: gzip.compress(b"User-agent: *\nDisallow: /\n"),
        TEXT_TYPE,
    ),
    Case(
        "robots-one-long-line",
        "robots",
        text(lambda b: "User-agent: " + "x" * 200_000 + "\n"),
        TEXT_TYPE,
    ),
    Case(
        "robots-bad-crawl-delays",
        "robots",
        text(lambda b: "User-agent: *\nCrawl-delay: nan\nCrawl-delay: -5\nCrawl-delay: 1e999\n"),
        TEXT_TYPE,
    ),
]


# --------------------------------------------------------------------------- archives


def warc_bytes(records: list[tuple[str, bytes]], gz: bool) -> bytes:
    """A WARC of HTML responses (URI, body), written with warcio."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    for uri, body in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
            )
        )
    return out.getvalue()


PAGE = (
    b"<!DOCTYPE html><html><body><article><p>"
    + b"Harbour news. " * 200
    + b"</p></article></body></html>"
)


def crawl(base: str, gz: bool = True) -> bytes:
    return warc_bytes([(f"{base}/{i}.html", PAGE) for i in range(3)], gz)


def raw_record(headers: str, block: bytes) -> bytes:
    """A hand-made WARC record; Content-Length is the block's unless `headers` give one."""
    if "Content-Length" not in headers:
        headers += f"\r\nContent-Length: {len(block)}"
    return f"WARC/1.0\r\n{headers}\r\n\r\n".encode() + block + b"\r\n\r\n"


def arc(base: str) -> bytes:
    spec = b"1 0 tests\nURL IP-address Archive-date Content-type Archive-length\n"
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE
    return (
        f"filedesc://t.arc 0.0.0.0 20260312060000 text/plain {len(spec)}\n".encode()
        + spec
        + b"\n"
        + f"{base}/a.html 192.0.2.1 20260312060100 text/html {len(http)}\n".encode()
        + http
        + b"\n"
    )


HTTP_HEAD = (
    "WARC-Type: response\r\nWARC-Date: 2026-03-12T06:00:00Z\r\n"
    "Content-Type: application/http; msgtype=response"
)

ARCHIVES = [
    Case("warc-gz-cut-at-10", "archive", lambda b: crawl(b)[:10], filename="a.warc.gz"),
    Case(
        "warc-gz-cut-mid-record",
        "archive",
        lambda b: crawl(b)[: len(crawl(b)) // 2],
        filename="a.warc.gz",
    ),
    Case("warc-gz-cut-in-trailer", "archive", lambda b: crawl(b)[:-3], filename="a.warc.gz"),
    Case(
        "warc-plain-cut-mid-record",
        "archive",
        lambda b: crawl(b, gz=False)[:5000],
        filename="a.warc",
    ),
    Case(
        "warc-not-an-archive",
        "archive",
        lambda b: b"WARCIO: WARC file that is not one at all\nhello\n",
        filename="a.warc",
    ),
    Case("warc-empty-file", "archive", lambda b: b"", filename="a.warc.gz"),
    Case("warc-html-named-warc", "archive", lambda b: PAGE, filename="a.warc"),
    Case(
        "warc-zstd-compressed",
        "archive",
        lambda b: b"\x28\xb5\x2f\xfd" + JUNK,
        filename="a.warc.zst.warc",
    ),
    Case(
        "warc-gzipped-whole",
        "archive",
        lambda b: gzip.compress(crawl(b, gz=False)),
        filename="a.warc.gz",
    ),
    Case("warc-garbage-tail", "archive", lambda b: crawl(b) + JUNK, filename="a.warc.gz"),
    Case(
        "warc-content-length-not-a-number",
        "archive",
        lambda b: raw_record(
            f"{HTTP_HEAD}\r\nWARC-Target-URI: {b}/a.html\r\nContent-Length: twelve",
            b"HTTP/1.1 200 OK\r\n\r\nhi",
        ),
        filename="a.warc",
    ),
    Case(
        "warc-no-record-type",
        "archive",
        lambda b: raw_record(f"WARC-Target-URI: {b}/a.html", b"hi"),
        filename="a.warc",
    ),
    Case(
        "warc-response-without-uri",
        "archive",
        lambda b: raw_record(f"{HTTP_HEAD}", b"HTTP/1.1 200 OK\r\n\r\n"),
        filename="a.warc",
    ),
    Case(
        "warc-bad-http-status",
        "archive",
        lambda b: raw_record(
            f"{HTTP_HEAD}\r\nWARC-Target-URI: {b}/a.html", b"HTTP/1.1 2OO OK\r\n\r\nhi"
        ),
        filename="a.warc",
    ),
    Case(
        "warc-broken-chunked-body",
        "archive",
        lambda b: raw_record(
            f"{HTTP_HEAD}\r\nWARC-Target-URI: {b}/a.html",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
            b"zz\r\nhi\r\n",
        ),
        filename="a.warc",
    ),
    Case(
        "warc-corrupt-gzip-body",
        "archive",
        lambda b: raw_record(
            f"{HTTP_HEAD}\r\nWARC-Target-URI: {b}/a.html",
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/html\r\n\r\n"
            b"\x1f\x8b\x08\x00junkjunk",
        ),
        filename="a.warc",
    ),
    Case("arc-cut-mid-record", "archive", lambda b: arc(b)[:-500], filename="a.arc"),
]

CASES = FEEDS + SITEMAPS + ROBOTS + ARCHIVES

# Known gaps, owned by the feed and sitemap code (flows/sources/web.py,
# transforms/discovery.py) and the fetcher (flows/sources/http.py), not by this table.
# KNOWN_GAPS: cases that end with no fetch_log row at all; the run must still exit cleanly.
# KNOWN_CRASHES: cases that crash `newslake run`, so the test leaves them out of its run.
# Remove a case from either once it is fixed.
KNOWN_GAPS: dict[str, str] = {}
KNOWN_CRASHES: dict[str, str] = {}


def write_archive(case: Case, directory: Path, base: str) -> Path:
    """The case's archive file, under its own folder."""
    path = directory / case.name / case.filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.body(base))
    return path
