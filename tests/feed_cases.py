"""Feed and sitemap files for discovery tests, each with what newslake must do with it.

Every case is a folder of files served by the loopback news site under ``/cases/<name>/``.
``{base}`` in a file's text stands for that folder's URL (ending in ``/``). A case says
which paths under its folder newslake must request (exactly as written, query included),
which of them become articles, and which fetch_log rows (outcome, URL) result; URLs are
relative to the folder unless they start with a scheme. Written from the RSS 0.91/0.92/2.0,
RSS 1.0, Atom 0.3 and RFC 4287, CDF (W3C NOTE-CDFsubmit), XML 1.0 (appendix F),
sitemaps.org and RFC 9309 texts.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
XML = "application/xml"
GZ = "application/x-gzip"
TEXT = "text/plain; charset=utf-8"
SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
WIDE_TITLE = "Café ☕ 東京 bridge reopens"  # needs every byte of UTF-16/32


@dataclass(frozen=True)
class File:
    """One served file: its text (``{base}`` = the case folder URL) and how it is served."""

    path: str
    text: str | bytes
    content_type: str | None = RSS
    encoding: str = "utf-8"
    gzip: bool = False

    def body(self, base: str) -> bytes:
        """The bytes served when the case folder is at ``base``."""
        if isinstance(self.text, bytes):
            return self.text
        data = self.text.replace("{base}", base).encode(self.encoding)
        return gzip.compress(data, mtime=0) if self.gzip else data


@dataclass(frozen=True)
class Case:
    """A listing newslake is given as a source, and what must come of it."""

    name: str
    files: tuple[File, ...]
    requested: frozenset[str]  # paths (with query) requested under the case folder
    articles: frozenset[str]  # of those, the URLs (as listed) that become articles
    rows: tuple[tuple[str, str], ...] = ()  # (outcome, URL) fetch_log rows, in any order
    format: str | None = None  # the listing's format as read_listing names it
    title: str | None = None  # the first entry's title, when the case checks decoding
    source: str = ""  # the source path in the folder; default the first file

    @property
    def source_path(self) -> str:
        return self.source or self.files[0].path

    def url(self, base: str, path: str) -> str:
        """A case path (or a URL with a scheme) made absolute against the folder URL."""
        return path if re.match(r"[a-z][a-z0-9+.-]*:\S*$", path) else base + path


def case(name: str, *files: File, requested=(), articles=(), rows=(), **extra) -> Case:
    return Case(
        name,
        files,
        frozenset(requested) | frozenset(articles) | {files[0].path},
        frozenset(articles),
        tuple(rows),
        **extra,
    )


# --------------------------------------------------------------------------- feed texts


def rss(links: list[str], version: str = "2.0", head: str = "", title: str = "Story") -> str:
    items = "".join(
        f"<item><title>{title} {i}</title><link>{link}</link></item>"
        for i, link in enumerate(links, 1)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="{version}"><channel>'
        f"<title>Harbour news</title><link>{{base}}</link><description>d</description>"
        f"{items}</channel></rss>"
    )


def rdf(links: list[str], namespace: str) -> str:
    items = "".join(
        f'<item rdf:about="{link}"><title>Story {i}</title><link>{link}</link></item>'
        for i, link in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0"?><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns="{namespace}"><channel rdf:about="{{base}}"><title>t</title>'
        f"<link>{{base}}</link><description>d</description></channel>{items}</rdf:RDF>"
    )


def atom(links: list[str], base_attr: str = "") -> str:
    entries = "".join(
        f"<entry><title>Story {i}</title><id>urn:x:{i}</id>"
        f'<updated>2026-03-0{i}T10:00:00Z</updated><link rel="alternate" href="{link}"/></entry>'
        for i, link in enumerate(links, 1)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"'
        f"{base_attr}><title>t</title><id>urn:x</id><updated>2026-03-09T10:00:00Z</updated>"
        f"{entries}</feed>"
    )


def atom03(links: list[str]) -> str:
    entries = "".join(
        f'<entry><title>Story {i}</title><link rel="alternate" type="text/html" href="{link}"/>'
        f"<id>urn:y:{i}</id><issued>2026-03-0{i}T10:00:00Z</issued>"
        f"<modified>2026-03-0{i}T10:00:00Z</modified></entry>"
        for i, link in enumerate(links, 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed version="0.3" '
        'xmlns="http://purl.org/atom/ns#"><title>t</title>'
        f'<link rel="alternate" type="text/html" href="{{base}}"/>'
        f"<modified>2026-03-09T10:00:00Z</modified>{entries}</feed>"
    )


def cdf(hrefs: list[str]) -> str:
    items = "".join(
        f'<ITEM HREF="{href}" LASTMOD="2026-03-0{i}T10:00"><TITLE>Story {i}</TITLE></ITEM>'
        for i, href in enumerate(hrefs, 1)
    )
    return (
        '<?xml version="1.0"?><CHANNEL HREF="{base}" BASE="{base}">'
        f"<TITLE>Harbour channel</TITLE><ABSTRACT>News</ABSTRACT>{items}</CHANNEL>"
    )


def wide(encoding: str, bom: bool) -> File:
    """An RSS 2.0 feed in UTF-16/32 of one byte order, with or without a BOM."""
    text = rss(["a.html"], title=WIDE_TITLE).replace(
        'encoding="utf-8"', f'encoding="{encoding[:6]}"'
    )
    return File("feed.xml", ("\ufeff" if bom else "") + text, encoding=encoding.lower())


def urlset(locs: list[str], news: bool = False) -> str:
    rows = []
    for i, loc in enumerate(locs, 1):
        extra = (
            f"<news:news><news:publication><news:name>Harbour</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>2026-03-0{i}T08:00:00+01:00</news:publication_date>"
            f"<news:title>Story {i}</news:title></news:news>"
            if news
            else ""
        )
        rows.append(f"<url><loc>{loc}</loc><lastmod>2026-03-09</lastmod>{extra}</url>")
    ns = f"{SM_NS} {NEWS_NS}" if news else SM_NS
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {ns}>{"".join(rows)}</urlset>'


def index(locs: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {SM_NS}>{rows}</sitemapindex>'


def absolute(paths: list[str]) -> list[str]:
    return ["{base}" + p for p in paths]


AB = ["a.html", "b.html"]

# --------------------------------------------------------------------------- feeds

FEED_CASES = [
    case("rss20", File("feed.xml", rss(absolute(AB))), articles=AB, format="rss20"),
    case(
        "rss091u",
        File("feed.xml", rss(absolute(AB), "0.91").replace('encoding="utf-8"', "")),
        articles=AB,
        format="rss091u",
    ),
    case(
        "rss091n",
        File(
            "feed.xml",
            rss(
                absolute(AB),
                "0.91",
                '\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
            ),
        ),
        articles=AB,
        format="rss091n",
    ),
    case("rss092", File("feed.xml", rss(absolute(AB), "0.92")), articles=AB, format="rss092"),
    case("rss093", File("feed.xml", rss(absolute(AB), "0.93")), articles=AB, format="rss093"),
    case("rss094", File("feed.xml", rss(absolute(AB), "0.94")), articles=AB, format="rss094"),
    case(
        "rss090",
        File("feed.xml", rdf(absolute(AB), "http://my.netscape.com/rdf/simple/0.9/")),
        articles=AB,
        format="rss090",
    ),
    case(
        "rss10",
        File("feed.xml", rdf(absolute(AB), "http://purl.org/rss/1.0/"), "application/rdf+xml"),
        articles=AB,
        format="rss10",
    ),
    case("atom10", File("feed.xml", atom(absolute(AB)), ATOM), articles=AB, format="atom10"),
    case("atom03", File("feed.xml", atom03(absolute(AB)), ATOM), articles=AB, format="atom03"),
    case("cdf", File("channel.cdf", cdf(AB), "application/x-cdf"), articles=AB, format="cdf"),
    case("cdf_as_xml", File("channel.xml", cdf(absolute(AB)), XML), articles=AB, format="cdf"),
    # Relative references resolve against the feed's URL (RFC 3986 section 5).
    case(
        "rss_relative",
        File("feeds/feed.xml", rss(["a.html", "../b.html", "/cases/rss_relative/c.html"])),
        articles=["feeds/a.html", "b.html", "c.html"],
        format="rss20",
    ),
    case(
        "atom_relative",
        File("feeds/atom.xml", atom(["../a.html", "sub/b.html"]), ATOM),
        articles=["a.html", "feeds/sub/b.html"],
        format="atom10",
    ),
    # xml:base on the feed and on an entry (XML Base; RFC 4287 section 2).
    case(
        "atom_xml_base",
        File(
            "atom.xml",
            atom(["a.html"], ' xml:base="{base}news/"').replace(
                "</feed>",
                '<entry xml:base="deep/"><title>Deep</title><id>urn:x:9</id>'
                '<updated>2026-03-09T10:00:00Z</updated><link href="b.html"/></entry></feed>',
            ),
            ATOM,
        ),
        articles=["news/a.html", "news/deep/b.html"],
        format="atom10",
    ),
    case(
        "rss_xml_base",
        File("feed.xml", rss(["a.html"]).replace("<channel>", '<channel xml:base="{base}world/">')),
        articles=["world/a.html"],
        format="rss20",
    ),
    # UTF-16 and UTF-32, each byte order, with a BOM and without one (XML 1.0 appendix F).
    *(
        case(
            f"{enc.lower().replace('-', '')}_{'bom' if bom else 'nobom'}",
            wide(enc, bom),
            articles=["a.html"],
            format="rss20",
            title=f"{WIDE_TITLE} 1",
        )
        for enc in ("UTF-16-LE", "UTF-16-BE", "UTF-32-LE", "UTF-32-BE")
        for bom in (True, False)
    ),
    # Content types seen in the wild.
    *(
        case(
            f"type_{re.sub(r'[^a-z]+', '_', ctype or 'none')}",
            File("feed.xml", rss(absolute(["a.html"])), ctype),
            articles=["a.html"],
            format="rss20",
        )
        for ctype in (
            "text/rss+xml",
            "text/atom+xml",
            "text/xml",
            "application/x-rss+xml",
            "application/xml; charset=utf-8",
            "text/plain",
            "application/octet-stream",
            None,
        )
    ),
    # Ill-formed feeds: what feedparser recovers, and a row saying so.
    case(
        "illformed_ampersand",
        File("feed.xml", rss(absolute(AB), title="Fish & chips")),
        articles=AB,
        rows=[("parse_error", "feed.xml")],
        format="rss20",
    ),
    case(
        "illformed_cut_short",
        File("feed.xml", rss(absolute(AB)).rsplit("</item>", 1)[0]),
        articles=AB,
        rows=[("parse_error", "feed.xml")],
        format="rss20",
    ),
    case(
        "illformed_junk_before",
        File("feed.xml", "<b>Warning</b>: headers sent\n" + rss(absolute(AB))),
        articles=AB,
        rows=[("parse_error", "feed.xml")],
        format="rss20",
    ),
    # Entries that cannot be requested are rows, never silently dropped.
    case(
        "entry_without_link",
        File(
            "feed.xml",
            rss(absolute(["a.html"])).replace(
                "</channel>",
                "<item><title>Gone</title><description>no link</description></item></channel>",
            ),
        ),
        articles=["a.html"],
        rows=[("parse_error", "feed.xml")],
        format="rss20",
    ),
    case(
        "entry_bad_links",
        File("feed.xml", rss(["{base}a.html", "ftp://files.example/b.txt", "http://[::1"])),
        articles=["a.html"],
        rows=[("bad_url", "ftp://files.example/b.txt"), ("parse_error", "feed.xml")],
        format="rss20",
    ),
    case(
        "guid_permalink",
        File(
            "feed.xml",
            rss([]).replace(
                "</channel>",
                '<item><title>g</title><guid isPermaLink="true">{base}a.html</guid></item>'
                '<item><title>h</title><guid isPermaLink="false">urn:h</guid></item></channel>',
            ),
        ),
        articles=["a.html"],
        rows=[("parse_error", "feed.xml")],
        format="rss20",
    ),
    # Requests go to the URL as listed: no `=` added, no `;` escaped, no query reordered.
    case(
        "query_salmon",
        File("feed.xml", rss(["a.html?salmon", "{base}b.html?z=1&amp;a=2"])),
        articles=["a.html?salmon", "b.html?z=1&a=2"],
        format="rss20",
    ),
    case(
        "query_semicolon",
        File("feed.xml", atom(["a.html;jsessionid=7?x=1;y=2", "b.html?q=a%20b&amp;s=%2F"]), ATOM),
        articles=["a.html;jsessionid=7?x=1;y=2", "b.html?q=a%20b&s=%2F"],
        format="atom10",
    ),
    case(
        "tracked_twice",
        File("feed.xml", rss(["a.html?utm_source=rss", "a.html", "b.html?utm_medium=feed"])),
        articles=["a.html?utm_source=rss", "b.html?utm_medium=feed"],
        format="rss20",
    ),
]

# --------------------------------------------------------------------------- sitemaps

# Deflates to more than the default 5 MB body cap.
_GZIP_BOMB = gzip.compress(b"<urlset>" + b" " * 8_000_000, mtime=0)
_CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate data at all"

SITEMAP_CASES = [
    case("sm_urlset", File("sitemap.xml", urlset(absolute(AB)), XML), articles=AB, format="xml"),
    case(
        "sm_news",
        File("news.xml", urlset(absolute(AB), news=True), "text/xml"),
        articles=AB,
        format="xml",
        title="Story 1",
    ),
    *(
        case(
            f"sm_gz_{re.sub(r'[^a-z]+', '_', ctype or 'none')}",
            File("sitemap.xml.gz", urlset(absolute(AB)), ctype, gzip=True),
            articles=AB,
            format="xml",
        )
        for ctype in (GZ, "application/gzip", "application/octet-stream", None, XML)
    ),
    case(
        "sm_gz_news_name_only",
        File("news-sitemap.gz", urlset(absolute(AB), news=True), None, gzip=True),
        articles=AB,
        format="xml",
        title="Story 1",
    ),
    case("sm_fake_gz", File("sitemap.xml.gz", urlset(absolute(AB)), GZ), articles=AB, format="xml"),
    case(
        "sm_corrupt_gz_child",
        File("index.xml", index(["{base}broken.xml.gz"]), XML),
        File("broken.xml.gz", _CORRUPT_GZIP, GZ),
        requested=["broken.xml.gz"],
        rows=[("bad_content_type", "broken.xml.gz")],
    ),
    case(
        "sm_gz_index",
        File("index.xml.gz", index(["{base}one.xml.gz", "{base}two.xml"]), GZ, gzip=True),
        File("one.xml.gz", urlset(["{base}a.html"]), GZ, gzip=True),
        File("two.xml", urlset(["{base}b.html"]), XML),
        requested=["one.xml.gz", "two.xml"],
        articles=AB,
    ),
    case(
        "sm_text",
        File("sitemap.txt", "{base}a.html\n{base}b.html?salmon\n", TEXT),
        articles=["a.html", "b.html?salmon"],
        format="text",
    ),
    case(
        "sm_text_crlf_bad_lines",
        File("urls.txt", "{base}a.html\r\n{base}b.html\r\nsee also: news\r\nhttp://[::1\r\n", TEXT),
        articles=AB,
        rows=[("bad_url", "urls.txt"), ("bad_url", "http://[::1")],
        format="text",
    ),
    case(
        "sm_index",
        File("index.xml", index(["{base}s1.xml", "{base}s2.xml"]), XML),
        File("s1.xml", urlset(["{base}a.html"]), XML),
        File("s2.xml", urlset(["{base}b.html"]), XML),
        requested=["s1.xml", "s2.xml"],
        articles=AB,
    ),
    case(
        "sm_nested",
        File("index.xml", index(["{base}mid.xml"]), XML),
        File("mid.xml", index(["{base}leaf.xml"]), XML),
        File("leaf.xml", urlset(absolute(AB)), XML),
        requested=["mid.xml", "leaf.xml"],
        articles=AB,
    ),
    case(
        "sm_loop",
        File("a.xml", index(["{base}b.xml"]), XML),
        File("b.xml", index(["{base}a.xml", "{base}leaf.xml"]), XML),
        File("leaf.xml", urlset(["{base}a.html"]), XML),
        requested=["b.xml", "leaf.xml"],
        articles=["a.html"],
        rows=[("not_followed", "a.xml")],
    ),
    case(
        "sm_depth_limit",
        *(File(f"d{i}.xml", index([f"{{base}}d{i + 1}.xml"]), XML) for i in range(5)),
        File("d5.xml", urlset(["{base}a.html"]), XML),
        requested=["d1.xml", "d2.xml", "d3.xml"],
        rows=[("not_followed", "d4.xml")],
    ),
    case(
        "sm_relative_loc",
        File("maps/sitemap.xml", urlset(["../a.html", "/cases/sm_relative_loc/b.html"]), XML),
        articles=AB,
        format="xml",
    ),
    case(
        "sm_illformed",
        File("sitemap.xml", urlset(absolute(AB)).replace("</urlset>", "<url><loc>"), XML),
        articles=AB,
        rows=[("parse_error", "sitemap.xml"), ("parse_error", "sitemap.xml")],
        format="xml",
    ),
    case(
        "sm_bad_locs",
        File(
            "sitemap.xml",
            urlset([*absolute(["a.html"]), "http://[::1", "mailto:desk@news.example"]).replace(
                "</urlset>", "<url/></urlset>"
            ),
            XML,
        ),
        articles=["a.html"],
        rows=[
            ("parse_error", "sitemap.xml"),
            ("bad_url", "http://[::1"),
            ("bad_url", "mailto:desk@news.example"),
        ],
        format="xml",
    ),
    case(
        "sm_utf16",
        File(
            "sitemap.xml",
            urlset(absolute(AB), news=True).replace('encoding="UTF-8"', 'encoding="UTF-16"'),
            XML,
            encoding="utf-16",
        ),
        articles=AB,
        format="xml",
        title="Story 1",
    ),
    case(
        "sm_child_is_a_page",
        File("index.xml", index(["{base}page.html", "{base}missing.xml"]), XML),
        File(
            "page.html",
            "<!DOCTYPE html><html><body><p>Not a sitemap.</p></body></html>",
            "text/html",
        ),
        requested=["page.html", "missing.xml"],
        rows=[("parse_error", "page.html"), ("http_error", "missing.xml")],
    ),
    case(
        "sm_index_names_a_feed",
        File("index.xml", index(["{base}feed.xml"]), XML),
        File("feed.xml", rss(absolute(AB))),
        requested=["feed.xml"],
        articles=AB,
    ),
    case(
        "sm_bomb",
        File("index.xml", index(["{base}bomb.xml.gz"]), XML),
        File("bomb.xml.gz", _GZIP_BOMB, GZ),
        requested=["bomb.xml.gz"],
        rows=[("too_large", "bomb.xml.gz")],
    ),
    # A robots.txt given as a source: its Sitemap lines are followed (RFC 9309 section 2.2.4).
    case(
        "robots_source",
        File(
            "robots.txt",
            "# crawlers welcome\nUser-agent: *\nDisallow: /cases/robots_source/private/\n\n"
            "Sitemap: {base}news.xml.gz\nsitemap:{base}pages.txt # plain text\n"
            "SITEMAP: http://[::1\n",
            TEXT,
        ),
        File("news.xml.gz", urlset(["{base}a.html"], news=True), GZ, gzip=True),
        File("pages.txt", "{base}b.html\n", TEXT),
        requested=["news.xml.gz", "pages.txt"],
        articles=AB,
        rows=[("bad_url", "http://[::1")],
        format="robots",
    ),
]
