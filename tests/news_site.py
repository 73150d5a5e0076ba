"""A real loopback news site for fetcher tests, and a WARC fixture writer.

``NewsSite(pages_dir)`` serves the sample corpus over HTTP/1.1 (keep-alive) on
127.0.0.1 with a free port; use it as a context manager. Nothing is mocked: tests
talk to it over real sockets. Every request is logged in ``site.requests``.

Endpoints (all paths relative to ``site.base_url``):

Content
  ``/``                      home page linking the feeds and the feed articles
  ``/news/<outlet>/<file>``  every ``.html`` of ``pages_dir`` as served bytes, with
                             ``ETag`` (quoted sha1) and ``Last-Modified`` (file-name
                             date, 12:00 GMT); ``If-None-Match`` / ``If-Modified-Since``
                             give 304. Query strings are ignored. Broken files are
                             served as they are (``text/html; charset=utf-8``).
  ``/stories/tracked-story.html``  synthetic article whose canonical link is its own
                             clean URL; the RSS feed links it with ``utm_*`` params
  ``/private/secret.html``   valid article, disallowed by robots.txt (listed in
                             ``/sitemaps/pages.xml`` as bait)
  ``/gen/<i>.html``          synthetic article i, 0 <= i < ``generated``
  ``/gen/sitemap.xml``       urlset of all ``/gen`` pages (404 when ``generated`` is 0)
  ``/latin1``                ISO-8859-1 article, ``text/html`` without any charset
  ``/doc.pdf``               small ``application/pdf``
  ``serve(path, body, ctype)``  adds a document of a test's own (until the site stops)

Discovery
  ``/robots.txt``            ``Disallow: /private/``, optional ``Crawl-delay``, ``Sitemap:``
  ``/feeds/rss.xml``         RSS 2.0, 10 items (``application/rss+xml``)
  ``/feeds/atom.xml``        Atom 1.0, 10 other items (``application/atom+xml``)
  ``/sitemap.xml``           sitemap index -> ``/sitemaps/news.xml`` (Google News:
                             well-formed pages + tracked story) and
                             ``/sitemaps/pages.xml`` (broken pages + private page)
  ``/feed-down.xml``         always 503
  ``/feeds/premium.xml``     RSS listing a paywalled teaser page (``/premium/ferry-fares.html``:
                             JSON-LD ``isAccessibleForFree: false``, a lede, a paywall box)
                             and two refused pages (``/status/403``, ``/status/451``)

Faults
  ``/slow?s=5``              waits s seconds (default 5, max 60), then 200 HTML
  ``/flaky/<key>``           first request per key 500, then 200 article
  ``/ratelimited/<key>``     first 429 ``Retry-After: 1``, then 200 article
  ``/ratelimited-date/<key>``  same with an HTTP-date Retry-After 1-2 s ahead
  ``/status/<code>``         always that status (200-599) with a short body
  ``/reset``                 ``Content-Length: 100000``, 1 KB of body, then TCP RST
  ``/truncated``             ``Content-Length: 100000``, 2 KB of body, then FIN
  ``/redirect-loop/a``       302 -> ``/redirect-loop/b`` -> 302 -> ``/redirect-loop/a``
  ``/redirect/<n>``          n relative 302s (``/redirect/n-1`` ...), ``/redirect/0`` is
                             an article
  ``/redirect-to?url=U``     302 to U; only loopback hosts or relative URLs (else 400)
  ``/huge``                  50 MiB ``text/html`` in 64 KiB writes, with Content-Length
  ``/huge-chunked``          same size, ``Transfer-Encoding: chunked``
  ``/gzip-bomb``             ``Content-Encoding: gzip``: ~200 KB that inflate to 200 MiB

Tests may set ``site.canned[path] = Canned(status, body, headers)`` to serve a fixed
response for a path before any of the above (``body=None`` resets the connection without
a response); ``reset_requests()`` clears them.

Anything else is 404. ``latency_s`` delays every response; ``reset_requests()``
clears the log and the flaky / rate-limit counters; ``touch(path)`` changes a page and
``restore_pages()`` undoes every touch; ``serve(path, body, content_type)`` adds a page.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import ipaddress
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import time
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE.parent / "flows" / "sample"
EXPECTED_JSON = HERE / "sample_expected.json"

HTML = "text/html; charset=utf-8"
XML = "application/xml"
HUGE_SIZE = 50 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
BOMB_SIZE = 200 * 1024 * 1024
TRUNCATED_DECLARED = 100_000
TRACKED_PATH = "/stories/tracked-story.html"
TRACKING_QUERY = "?utm_source=rss&utm_medium=feed"
PRIVATE_PATH = "/private/secret.html"
LATIN1_WORDS = ("café", "été", "Málaga", "señor")
SITE_NAME = "Calder Bay News Network"


class Headers(dict):
    """A dict of request headers whose keys are lower-cased on the way in and out."""

    def __init__(self, items=()):
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default=None):
        return super().get(key.lower(), default)


class Request(NamedTuple):
    """One logged request; ``headers`` has lower-cased names."""

    method: str
    path: str
    headers: Headers


class Canned(NamedTuple):
    """A fixed response for one path; a body of None resets the connection instead."""

    status: int
    body: bytes | None = b""
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/plain; charset=utf-8"


@dataclass
class Doc:
    """A document served with validators; article pages carry their metadata."""

    path: str
    body: bytes
    content_type: str | None = HTML  # None: no Content-Type header
    last_modified: datetime = datetime(2026, 3, 1, 12, tzinfo=UTC)
    kind: str = "article"
    title: str = ""
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    description: str = ""
    language: str = "en"
    outlet: str = ""
    source: Path | None = None

    @property
    def etag(self) -> str:
        return _etag(self.body)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


# --------------------------------------------------------------------------- synthetic prose


def _split(text: str) -> list[str]:
    return text.split("|")


_PLACES = _split(
    "Eastport|Millbrook|Harlow Point|Cedar Flats|North Quay|Ashford|Kestrel Bay|Port Avery|"
    "Linden Heights|Stonebridge|Westmoor|Brackenridge|Saltmarsh|Greyhaven|Fairlight|"
    "Oakhurst|Riverside|Copper Hill|Marlow Cove|Thornfield"
)
_TOPICS = _split(
    "ferry terminal|school budget|water main|bus network|library expansion|"
    "harbour dredging|housing plan|solar farm|hospital wing|bike lanes|flood barrier|"
    "fish market|rail crossing|tax levy|park renovation|fire station|broadband rollout|"
    "bridge repairs|recycling contract|airport runway|youth centre|seawall|tram line|"
    "walk-in clinic|community garden"
)
_ACTIONS = _split(
    "council approves|residents oppose|officials delay|auditors question|voters back|"
    "engineers inspect|state funds|court halts"
)
_TAILS = _split(
    "after long debate|amid cost concerns|in close vote|as deadline nears|"
    "despite objections|after months of talks|with conditions|ahead of winter"
)
_FIRST = _split(
    "Maya|Tomas|Ines|Graham|Priya|Jonah|Aisha|Viktor|Leena|Oscar|Helena|Rafael|Nora|Samuel|"
    "Keiko|Dmitri|Fatima|Liam|Greta|Amara"
)
_LAST = _split(
    "Okafor|Lindgren|Castellano|Whitmore|Nakamura|Brennan|Haddad|Moreau|Kowalski|Ferreira|"
    "Adeyemi|Sorensen|Quinlan|Varga|Delacroix|Mbeki|Hollis|Arkwright|Petrova|Saltzman"
)
_ROLES = _split(
    "a spokesperson for the council|the town's finance director|a local business owner|"
    "the head of the residents' association|a civil engineer who reviewed the plans|"
    "a retired teacher who has lived there for forty years|the harbour master|"
    "a member of the planning committee|a union representative|"
    "an economist at the regional university"
)
_CLAIMS = _split(
    "the project had been discussed for more than a decade|"
    "costs had risen faster than anyone expected|"
    "the timeline was realistic as long as the weather held|"
    "families deserved clearer answers about the disruption|"
    "the decision would be reviewed again in the spring|"
    "the savings were real but more modest than advertised|"
    "contractors were already lining up to bid for the work|"
    "the old system had been patched too many times to count|"
    "nobody wanted a repeat of last winter's closures|"
    "the money would come from reserves rather than new taxes|"
    "the vote reflected months of crowded public meetings|"
    "small businesses would feel the disruption first|"
    "the figures were still preliminary and could change|"
    "a second independent opinion had been requested|"
    "the neighbourhood had waited long enough for a decision|"
    "the {topic} had support from both sides of the chamber|"
    "the consultation had drawn more replies than any since the bypass|"
    "residents near the site had been promised regular updates|"
    "the cheapest option was not necessarily the best one|"
    "there was still time to change the design"
)
_CONTEXT = _split(
    "Critics argue the process moved too quickly and left renters out of the conversation.|"
    "Supporters say the {topic} will pay for itself within a generation.|"
    "The plan has been redrawn twice since it was first proposed.|"
    "Neighbouring towns are watching closely, and two have commissioned similar studies.|"
    "A petition against the scheme gathered signatures outside the post office for weeks.|"
    "Local schools plan to use the {topic} as a case study in civics classes.|"
    "The regional newspaper first reported the proposal in a short item last autumn.|"
    "Several speakers at the hearing asked for the documents to be published in full.|"
    "Insurance costs, rather than construction, turned out to be the largest line item.|"
    "An earlier attempt at the same {topic} collapsed when the main contractor went bust.|"
    "Minutes of the closed session are due to be released next month.|"
    "{place} last took on a project of this size in the 1990s, when it rebuilt the quay.|"
    "Opposition members said they would raise the matter again at the budget meeting.|"
    "The local chamber of commerce has not taken a formal position."
)
_MONTHS = _split("January|February|March|April|May|June|July|August|September|October|November")
_DAYS = _split("Monday|Tuesday|Wednesday|Thursday|Friday")
_FACTS = _split(
    "The {topic} is expected to cost about ${a}.{b} million, with {pct} percent paid by the state.|"
    "Work is scheduled to begin in {month} and to last roughly {k} months.|"
    "Officials counted {n} written comments during the consultation period.|"
    "A survey of {n} households found that {pct} percent supported the plan.|"
    "The previous estimate, published in {year}, was {pct} percent lower.|"
    "Traffic on the affected streets averages {n} vehicles a day.|"
    "The council meets again on {day} to discuss the next phase.|"
    "About {k} staff will be assigned to the {topic} once it opens.|"
    "{place} has a population of roughly {n}, according to the latest census.|"
    "Two earlier reviews, in {year} and again last year, reached similar conclusions."
)


def _title_for(index: int) -> str:
    """A title unique per index (a "(part n)" suffix beyond the 4,000 combinations)."""
    place = _PLACES[index % len(_PLACES)]
    rest = index // len(_PLACES)
    topic = _TOPICS[rest % len(_TOPICS)]
    rest //= len(_TOPICS)
    action = _ACTIONS[rest % len(_ACTIONS)]
    tail = _TAILS[(index * 7) % len(_TAILS)]
    title = f"{place} {action} {topic} {tail}"
    if rest >= len(_ACTIONS):
        title += f" (part {rest // len(_ACTIONS) + 1})"
    return title


def _paragraphs(rng: random.Random, place: str, topic: str, words: int = 400) -> list[str]:
    """Plain news prose, about ``words`` words, in paragraphs of 2-4 sentences."""
    names = [f"{f} {n}" for f, n in zip(rng.sample(_FIRST, 4), rng.sample(_LAST, 4), strict=True)]
    people = list(zip(names, rng.sample(_ROLES, 4), strict=True))
    introduced: set[str] = set()
    claims, context, facts = (rng.sample(pool, len(pool)) for pool in (_CLAIMS, _CONTEXT, _FACTS))
    sentences = [
        f"{place} officials spent much of the week defending the {topic}, which has become "
        f"the most argued-over item on the local agenda this year."
    ]
    count = len(sentences[0].split())
    while count < words and (claims or context or facts):
        pool = rng.choice([p for p in (claims, claims, context, facts) if p])
        item = pool.pop()
        if pool is claims:
            item = item.format(topic=topic)
            name, role = rng.choice(people)
            if name in introduced:
                last = name.split()[-1]
                text = rng.choice(
                    (
                        f"{item[0].upper()}{item[1:]}, {last} added.",
                        f"{last} argued that {item}.",
                        f"{last} also said {item}.",
                    )
                )
            else:
                introduced.add(name)
                text = rng.choice(
                    (
                        f"{name}, {role}, said {item}.",
                        f"According to {name}, {role}, {item}.",
                        f"In an interview, {name}, {role}, said {item}.",
                    )
                )
        else:
            text = item.format(
                topic=topic,
                place=place,
                a=rng.randint(1, 48),
                b=rng.randint(0, 9),
                pct=rng.randint(11, 89),
                month=rng.choice(_MONTHS),
                k=rng.randint(3, 30),
                n=f"{rng.randint(120, 9800):,}",
                year=rng.randint(2015, 2024),
                day=rng.choice(_DAYS),
            )
        sentences.append(text)
        count += len(text.split())
    paras, i = [], 0
    while i < len(sentences):
        step = rng.randint(2, 4)
        paras.append(" ".join(sentences[i : i + step]))
        i += step
    return paras


def synthetic_article(
    url: str, seed: int | str, published: datetime | None = None, title: str | None = None
) -> bytes:
    """A realistic ~400-word article page (boilerplate, byline, date) with canonical ``url``."""
    index = seed if isinstance(seed, int) else zlib.crc32(seed.encode()) % 4000
    rng = random.Random(f"newslake-{seed}")
    title = title or _title_for(index)
    place = _PLACES[index % len(_PLACES)]
    topic = _TOPICS[(index // len(_PLACES)) % len(_TOPICS)]
    if published is None:
        published = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(minutes=37 * index)
    author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    paras = _paragraphs(rng, place, topic)
    iso = published.isoformat().replace("+00:00", "Z")
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in paras)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{e(title)} | Harbour Gazette</title>
<link rel="canonical" href="{e(url)}">
<meta name="description" content="{e(paras[0].split(". ")[0].rstrip("."))}.">
<meta property="og:title" content="{e(title)}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{iso}">
<meta name="author" content="{e(author)}">
</head>
<body>
<header class="site-header"><a class="logo" href="/">Harbour Gazette</a>
<nav><a href="/">Home</a> <a href="/local/">Local</a> <a href="/business/">Business</a>
<a href="/sport/">Sport</a> <a href="/opinion/">Opinion</a> <a href="/weather/">Weather</a></nav>
<div class="promo">Subscribe today: your first month for just $1.</div>
</header>
<main>
<article>
<h1>{e(title)}</h1>
<p class="byline">By <span class="author">{e(author)}</span></p>
<time datetime="{iso}">{published:%B} {published.day}, {published.year}</time>
{body}
</article>
<aside class="most-read"><h2>Most read</h2><ul>
<li><a href="/local/">Road closures this weekend</a></li>
<li><a href="/sport/">Harriers clinch league title</a></li>
<li><a href="/weather/">Storm warning for the coast</a></li></ul></aside>
</main>
<footer><p>&copy; 2026 Harbour Gazette. All rights reserved.</p>
<a href="/about/">About us</a> <a href="/contact/">Contact</a> <a href="/privacy/">Privacy</a>
</footer>
</body>
</html>
"""
    return page.encode("utf-8")


_LATIN1_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<title>Málaga café owner keeps his terrace open through a record été</title>
</head>
<body>
<nav><a href="/">Home</a> <a href="/travel/">Travel</a></nav>
<article>
<h1>Málaga café owner keeps his terrace open through a record été</h1>
<p class="byline">By Inés Peña, 14 August 2026</p>
<p>MÁLAGA - For forty-one summers the señor behind the counter at Café Almendra has
opened his shutters at six in the morning, and this year was no different, even as the
thermometer on the church façade passed forty degrees for the ninth day running.</p>
<p>"People still want their café con leche," said José Ibáñez, who took over the business
from his father in 1985. French visitors call it "un été extraordinaire", and the
terrace has been full of tourists from Lyon and Nîmes since the start of July.</p>
<p>The city council extended the opening hours of public fountains and shaded plazas,
and the regional health service issued advice in Spanish, English, French and German.
Señora Muñoz, who runs the bakery next door, said her crème pâtissière sold out before
noon most days, while the churros stand across the square closed at eleven.</p>
<p>Ibáñez said he would not change his routine. "Mañana we open at six again," he said,
wiping down a marble table. "The heat comes and goes; the customers stay."</p>
</article>
<footer>Copyright 2026 Costa del Sol Daily</footer>
</body>
</html>
"""

_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _tiny_png() -> bytes:
    """A valid 2x2 grey PNG built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    raw = b"\x00\x80\x80\x00\x80\x80"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- sample corpus

_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_META = r'<meta\s+(?:name|property)="{}"\s+content="([^"]*)"'
_CANONICAL = re.compile(r'<link\s+rel="canonical"\s+href="([^"]+)"', re.I)


def _meta(text: str, name: str) -> str:
    m = re.search(_META.format(re.escape(name)), text, re.I)
    return html.unescape(m.group(1)).strip() if m else ""


def _name_date(name: str) -> datetime:
    m = _DATE_IN_NAME.search(name)
    if not m:
        return datetime(2026, 1, 1, 12, tzinfo=UTC)
    return datetime(int(m[1]), int(m[2]), int(m[3]), 12, tzinfo=UTC)


def load_pages(pages_dir: Path, expected: Path | None = EXPECTED_JSON) -> dict[str, Doc]:
    """Every ``.html`` under ``pages_dir`` as ``/news/<folder>/<file>`` -> Doc.

    Metadata (kind, title, authors, date) comes from ``expected`` when it lists the file,
    otherwise from the page itself; unlisted files that are empty, not UTF-8 or lack
    ``</html>`` count as broken.
    """
    known: dict = {}
    outlets: dict = {}
    if expected is not None and expected.exists():
        data = json.loads(expected.read_text(encoding="utf-8"))
        known, outlets = data.get("pages", {}), data.get("outlets", {})
    pages: dict[str, Doc] = {}
    for file in sorted(Path(pages_dir).rglob("*.html")):
        rel = file.relative_to(pages_dir).as_posix()
        body = file.read_bytes()
        text = body.decode("utf-8", "replace")
        info = known.get(rel)
        if info is None:
            ok = body.strip() and b"\x00" not in body and "</html>" in text.lower()
            title_m = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
            info = {
                "kind": "article" if ok else "broken",
                "title": _meta(text, "og:title") or (title_m[1].strip() if title_m else ""),
                "authors": [],
                "published_at": _meta(text, "article:published_time") or None,
                "language": "en",
            }
        published = info.get("published_at")
        kind = info.get("kind") or "article"
        folder = rel.split("/")[0]
        pages[f"/news/{rel}"] = Doc(
            path=f"/news/{rel}",
            body=body,
            last_modified=_name_date(file.name),
            kind=kind,
            title=html.unescape(info.get("title") or ""),
            authors=list(info.get("authors") or []),
            published=(
                datetime.fromisoformat(published)
                if published
                else None
                if kind == "broken"
                else _name_date(file.name)
            ),
            description=_meta(text, "description") or _meta(text, "og:description"),
            language=info.get("language") or "en",
            outlet=outlets.get(folder, {}).get("name", folder),
            source=file,
        )
    return pages


# --------------------------------------------------------------------------- documents


def _w3c(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _xml(text: str) -> str:
    return escape(text)


PREMIUM_ITEMS = [
    (
        "/premium/ferry-fares.html",
        "Ferry fares to rise for the third year running",
        "Calder Bay Ferries will raise fares again in April, the operator told councillors.",
    ),
    (
        "/status/403",
        "Port authority sets out its dredging budget",
        "The port authority's board approved a dredging budget of $48 million on Tuesday.",
    ),
    ("/status/451", "Court order keeps the ferry inquiry report offline", ""),
]


def _teaser_page() -> bytes:
    """A paywalled article: the lede is shown, the rest is behind a subscription box."""
    lede = (
        "Calder Bay Ferries will raise fares again in April, the operator told councillors on "
        "Monday, blaming fuel costs and a new crew agreement. Commuters who cross daily will pay "
        "about twelve dollars more a month, and the council's transport committee said it would "
        "ask the operator to publish its accounts before the increase takes effect."
    )
    ld = (
        '{"@context": "https://schema.org", "@type": "NewsArticle", '
        '"headline": "Ferry fares to rise for the third year running", '
        '"datePublished": "2026-03-02T08:00:00+00:00", "isAccessibleForFree": "False", '
        '"hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False", '
        '"cssSelector": ".paywall"}}'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Ferry fares to rise for the third year running | {SITE_NAME}</title>
<script type="application/ld+json">{ld}</script>
</head><body>
<nav><a href="/">Home</a> <a href="/news/">News</a></nav>
<article><h1>Ferry fares to rise for the third year running</h1>
<p>{lede}</p>
<div class="paywall"><p>Subscribe to keep reading.</p></div>
</article>
<footer>Copyright {SITE_NAME}</footer>
</body></html>
""".encode()


def _rss(site: NewsSite, items: list[tuple[str, Doc]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        f"<title>{_xml(SITE_NAME)}: latest</title>",
        f"<link>{_xml(site.url('/'))}</link>",
        "<description>Latest stories from Calder Bay and around the region.</description>",
        "<language>en</language>",
        f"<lastBuildDate>{format_datetime(items[0][1].published)}</lastBuildDate>",
        f'<atom:link href={quoteattr(site.url("/feeds/rss.xml"))} rel="self"'
        ' type="application/rss+xml"/>',
    ]
    for link, doc in items:
        guid = site.url(urlsplit(link).path)
        parts += [
            "<item>",
            f"<title>{_xml(doc.title)}</title>",
            f"<link>{_xml(link)}</link>",
            f'<guid isPermaLink="true">{_xml(guid)}</guid>',
            f"<pubDate>{format_datetime(doc.published)}</pubDate>",
            f"<dc:creator>{_xml(', '.join(doc.authors) or 'Staff')}</dc:creator>",
            f"<description>{_xml(doc.description or doc.title)}</description>",
            "</item>",
        ]
    parts += ["</channel>", "</rss>", ""]
    return "\n".join(parts).encode("utf-8")


def _atom(site: NewsSite, items: list[tuple[str, Doc]]) -> bytes:
    self_url = site.url("/feeds/atom.xml")
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<id>{_xml(self_url)}</id>",
        f"<title>{_xml(SITE_NAME)}: more stories</title>",
        f"<updated>{_w3c(items[0][1].published)}</updated>",
        f'<link rel="self" type="application/atom+xml" href={quoteattr(self_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(site.url("/"))}/>',
    ]
    for link, doc in items:
        parts += [
            "<entry>",
            f"<title>{_xml(doc.title)}</title>",
            f'<link rel="alternate" type="text/html" href={quoteattr(link)}/>',
            f"<id>tag:newslake.test,2026:{_xml(doc.path)}</id>",
            f"<published>{_w3c(doc.published)}</published>",
            f"<updated>{_w3c(doc.published)}</updated>",
        ]
        parts += [f"<author><name>{_xml(a)}</name></author>" for a in doc.authors or ["Staff"]]
        parts += [f"<summary>{_xml(doc.description or doc.title)}</summary>", "</entry>"]
    parts += ["</feed>", ""]
    return "\n".join(parts).encode("utf-8")


_SM_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _urlset(urls: list[tuple[str, datetime]]) -> bytes:
    rows = [
        f"<url><loc>{_xml(u)}</loc><lastmod>{d.date().isoformat()}</lastmod></url>" for u, d in urls
    ]
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SM_NS}>\n'
    return (text + "\n".join(rows) + "\n</urlset>\n").encode("utf-8")


def _news_sitemap(site: NewsSite, docs: list[Doc]) -> bytes:
    rows = []
    for doc in docs:
        rows.append(
            f"<url><loc>{_xml(site.url(doc.path))}</loc><news:news><news:publication>"
            f"<news:name>{_xml(doc.outlet or SITE_NAME)}</news:name>"
            f"<news:language>{_xml(doc.language)}</news:language></news:publication>"
            f"<news:publication_date>{_w3c(doc.published)}</news:publication_date>"
            f"<news:title>{_xml(doc.title)}</news:title></news:news></url>"
        )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SM_NS} {_NEWS_NS}>\n'
    return (head + "\n".join(rows) + "\n</urlset>\n").encode("utf-8")


def _sitemap_index(site: NewsSite, entries: list[tuple[str, datetime]]) -> bytes:
    rows = [
        f"<sitemap><loc>{_xml(site.url(p))}</loc><lastmod>{_w3c(d)}</lastmod></sitemap>"
        for p, d in entries
    ]
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SM_NS}>\n'
    return (head + "\n".join(rows) + "\n</sitemapindex>\n").encode("utf-8")


def _home(site: NewsSite, docs: list[Doc]) -> bytes:
    links = "\n".join(f'<li><a href="{d.path}">{html.escape(d.title)}</a></li>' for d in docs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{SITE_NAME}</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Atom" href="/feeds/atom.xml">
</head><body><h1>{SITE_NAME}</h1><ul>
{links}
</ul></body></html>
""".encode()


# --------------------------------------------------------------------------- HTTP


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    site: NewsSite

    def handle_error(self, request, client_address) -> None:
        """Client disconnects are expected here; anything else is a bug worth printing."""
        if not isinstance(sys.exc_info()[1], OSError):
            traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NewsSite/1.0"
    sys_version = ""
    timeout = 30
    disable_nagle_algorithm = True  # else headers + body writes meet delayed ACKs (40 ms)
    server: _Server

    def log_message(self, format, *args) -> None:
        pass

    def handle(self) -> None:
        with contextlib.suppress(OSError):
            super().handle()

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    # -- helpers

    @property
    def site(self) -> NewsSite:
        return self.server.site

    def _body(self, data: bytes) -> None:
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str | None = HTML,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self._body(body)

    def _send_doc(self, doc: Doc) -> None:
        with self.site._lock:  # touch() may be changing it
            body, modified = doc.body, doc.last_modified
        etag = _etag(body)
        validators = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if self._not_modified(etag, modified):
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self._send(200, body, doc.content_type, validators)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            return last_modified <= since
        return False

    def _redirect(self, location: str, status: int = 302) -> None:
        body = f'<html><body><a href="{html.escape(location)}">moved</a></body></html>'
        self._send(status, body.encode(), headers={"Location": location})

    def _status(self, code: int, extra: dict[str, str] | None = None) -> None:
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Status"
        body = f"<html><body><h1>{code} {phrase}</h1></body></html>\n".encode()
        self._send(code, body, headers=extra)

    def _article(self, path: str, seed: str) -> None:
        self._send(200, synthetic_article(self.site.url(path), seed))

    # -- routing

    def _dispatch(self) -> None:
        site = self.site
        site._log(Request(self.command, self.path, Headers(self.headers.items())))
        if site.latency_s:
            site._stopping.wait(site.latency_s)
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        canned = site.canned.get(path)
        if canned is not None:
            return self._canned(canned)
        doc = site._docs.get(path)
        if doc is not None:
            return self._send_doc(doc)
        if path == "/gen/sitemap.xml" and site.generated:
            urls = [(site.url(f"/gen/{i}.html"), _gen_date(i)) for i in range(site.generated)]
            return self._send(200, _urlset(urls), XML)
        m = re.fullmatch(r"/gen/(\d+)\.html", path)
        if m and int(m[1]) < site.generated:
            i = int(m[1])
            return self._send(200, synthetic_article(site.url(path), i, _gen_date(i)))
        m = re.fullmatch(r"/(flaky|ratelimited|ratelimited-date)/([^/]+)", path)
        if m:
            return self._counted(m[1], m[2], path)
        m = re.fullmatch(r"/status/(\d{3})", path)
        if m:
            code = int(m[1])
            return self._status(code) if 200 <= code <= 599 else self._status(400)
        m = re.fullmatch(r"/redirect/(\d+)", path)
        if m:
            n = int(m[1])
            if n == 0:
                return self._article(path, "redirect-target")
            return self._redirect(f"/redirect/{n - 1}")
        if path == "/redirect-loop/a":
            return self._redirect("/redirect-loop/b")
        if path == "/redirect-loop/b":
            return self._redirect("/redirect-loop/a")
        if path == "/redirect-to":
            return self._redirect_to(query.get("url", [""])[0])
        handler = {
            "/slow": self._slow,
            "/reset": self._reset,
            "/truncated": self._truncated,
            "/huge": self._huge,
            "/huge-chunked": self._huge_chunked,
            "/gzip-bomb": self._gzip_bomb,
            "/feed-down.xml": lambda _q: self._status(503, {"Retry-After": "120"}),
        }.get(path)
        if handler:
            return handler(query)
        return self._status(404)

    # -- faults

    def _canned(self, canned: Canned) -> None:
        if canned.body is None:
            return self._drop()
        self._send(canned.status, canned.body, canned.content_type, dict(canned.headers))

    def _counted(self, kind: str, key: str, path: str) -> None:
        if self.site._bump(kind, key) > 1:
            return self._article(path, f"{kind}-{key}")
        if kind == "flaky":
            return self._status(500)
        if kind == "ratelimited":
            retry = "1"
        else:
            retry = formatdate(math.ceil(time.time()) + 1, usegmt=True)
        return self._status(429, {"Retry-After": retry})

    def _redirect_to(self, target: str) -> None:
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            host = parts.hostname or ""
            try:
                loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = False
            if parts.scheme not in ("http", "https") or not loopback:
                return self._status(400)
        elif not target.startswith("/"):
            return self._status(400)
        return self._redirect(target)

    def _slow(self, query: dict[str, list[str]]) -> None:
        try:
            seconds = min(float(query.get("s", ["5"])[0]), 60.0)
        except ValueError:
            seconds = 5.0
        self.site._stopping.wait(max(seconds, 0.0))
        self._send(200, b"<html><body><p>Finally.</p></body></html>\n")

    def _partial(self, declared: int, sent: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self._body(_filler(sent))
        self.wfile.flush()
        self.close_connection = True

    def _reset(self, _query) -> None:
        self._partial(TRUNCATED_DECLARED, 1024)
        # Let the client take the headers first, so the error lands mid-body.
        self.site._stopping.wait(0.1)
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        sock.close()  # with linger (1, 0) the kernel sends RST, not FIN
        self.wfile = io.BytesIO()  # http.server flushes wfile after we return

    def _truncated(self, _query) -> None:
        self._partial(TRUNCATED_DECLARED, 2048)

    def _huge(self, _query) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in _huge_chunks():
            if self.site._stopping.is_set():
                self.close_connection = True
                return
            self.wfile.write(chunk)

    def _huge_chunked(self, _query) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in _huge_chunks():
            if self.site._stopping.is_set():
                self.close_connection = True
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _gzip_bomb(self, _query) -> None:
        self._send(200, gzip_bomb(), HTML, {"Content-Encoding": "gzip"})


def _gen_date(i: int) -> datetime:
    return datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(minutes=37 * i)


def _filler(size: int) -> bytes:
    line = b"<p>All work and no play makes this page far too large to keep.</p>\n"
    head = b"<!DOCTYPE html><html><head><title>Filler</title></head><body>\n"
    data = head + line * (size // len(line) + 1)
    return data[:size]


def _huge_chunks() -> Iterator[bytes]:
    chunk = _filler(CHUNK_SIZE)
    for _ in range(HUGE_SIZE // CHUNK_SIZE):
        yield chunk


_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """Gzip of 200 MiB (an HTML prefix, then spaces); built once, ~200 KB, ~0.5 s."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            prefix = b"<!DOCTYPE html><html><body>"
            out = [comp.compress(prefix)]
            block = b" " * (1 << 20)
            for _ in range(BOMB_SIZE // len(block)):
                out.append(comp.compress(block))
            out.append(comp.flush())
            _bomb = b"".join(out)
        return _bomb


# --------------------------------------------------------------------------- the site


class NewsSite:
    """The loopback news site; ``with NewsSite(pages_dir) as site:`` starts and stops it."""

    def __init__(
        self,
        pages_dir: Path | str = SAMPLE_DIR,
        latency_s: float = 0.0,
        generated: int = 0,
        crawl_delay: float | None = None,
        expected: Path | None = EXPECTED_JSON,
    ) -> None:
        self.pages_dir = Path(pages_dir)
        self.latency_s = latency_s
        self.generated = generated
        self.crawl_delay = crawl_delay
        self.pages = load_pages(self.pages_dir, expected)
        self.rss_items: list[str] = []
        self.atom_items: list[str] = []
        self.news_sitemap_urls: list[str] = []
        self.pages_sitemap_urls: list[str] = []
        self._docs: dict[str, Doc] = {}
        self._requests: list[Request] = []
        self.canned: dict[str, Canned] = {}
        self._counters: dict[tuple[str, str], int] = {}
        self._touches = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> NewsSite:
        """Bind a free port on 127.0.0.1, build the documents and the gzip bomb, serve in a
        daemon thread."""
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._server = server
        self._build_docs()
        # Built before serving: built on the first request, on a loaded machine it outlasted
        # the client's timeout, and the fetch was retried (attempts 2, not 1).
        gzip_bomb()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and close the listening socket."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("NewsSite is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL on this server for ``path`` (which starts with ``/``)."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def tracked_url(self) -> str:
        """The RSS link with tracking params; its page's canonical is ``url(TRACKED_PATH)``."""
        return self.url(TRACKED_PATH) + TRACKING_QUERY

    # -- corpus

    def page_paths(self, broken: bool = True) -> list[str]:
        """Served ``/news/...`` paths, sorted; ``broken=False`` leaves the broken ones out."""
        return sorted(p for p, d in self.pages.items() if broken or d.kind != "broken")

    def broken_paths(self) -> list[str]:
        return sorted(p for p, d in self.pages.items() if d.kind == "broken")

    def _path_of(self, path_or_url: str) -> str:
        return urlsplit(path_or_url).path

    def touch(self, path_or_url: str) -> str:
        """Change a page's bytes (and Last-Modified, +1 h per touch); returns the new ETag."""
        doc = self.pages[self._path_of(path_or_url)]
        with self._lock:
            self._touches += 1
            doc.body = doc.body + f"\n<!-- touched {self._touches} -->\n".encode()
            doc.last_modified = doc.last_modified + timedelta(hours=1)
            return _etag(doc.body)

    def restore_pages(self) -> None:
        """Undo every ``touch``: pages get their file bytes and dates back."""
        with self._lock:
            for doc in self.pages.values():
                if doc.source is not None:
                    doc.body = doc.source.read_bytes()
                    doc.last_modified = _name_date(doc.source.name)

    def serve(self, path: str, body: bytes, content_type: str | None = XML) -> str:
        """Serve ``body`` at ``path`` (no Content-Type header for None); returns its URL."""
        with self._lock:
            self._docs[path] = Doc(path, body, content_type, kind="static")
        return self.url(path)

    # -- request log

    def _log(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def _bump(self, kind: str, key: str) -> int:
        with self._lock:
            count = self._counters.get((kind, key), 0) + 1
            self._counters[(kind, key)] = count
            return count

    @property
    def requests(self) -> list[Request]:
        """A snapshot of the ``(method, path_with_query, headers)`` log, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[Request]:
        """Logged requests whose path (query ignored) equals ``path``."""
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def count(self, path: str) -> int:
        """How many times ``path`` (query ignored) was requested."""
        return len(self.requests_for(path))

    def reset_requests(self) -> None:
        """Forget the request log, the flaky / rate-limit counters and the canned responses."""
        with self._lock:
            self._requests.clear()
            self._counters.clear()
            self.canned.clear()

    # -- documents

    def _build_docs(self) -> None:
        good = sorted(
            (d for d in self.pages.values() if d.kind in ("article", "syndicated") and d.published),
            key=lambda d: (d.published, d.path),
            reverse=True,
        )
        tracked = Doc(
            path=TRACKED_PATH,
            body=synthetic_article(
                self.url(TRACKED_PATH),
                "tracked-story",
                datetime(2026, 3, 13, 9, tzinfo=UTC),
                "Harbour ferry timetable changes from Monday as crews retrain",
            ),
            last_modified=datetime(2026, 3, 13, 9, tzinfo=UTC),
            title="Harbour ferry timetable changes from Monday as crews retrain",
            authors=["Maya Okafor"],
            published=datetime(2026, 3, 13, 9, tzinfo=UTC),
            description="Morning sailings move by fifteen minutes while new crews are trained.",
            outlet=SITE_NAME,
        )
        rss_docs = [tracked, *good[0:18:2]]
        atom_docs = good[1:20:2]
        rss = [(self.tracked_url, tracked)] + [(self.url(d.path), d) for d in rss_docs[1:]]
        atom = [(self.url(d.path), d) for d in atom_docs]
        self.rss_items = [link for link, _ in rss]
        self.atom_items = [link for link, _ in atom]

        well_formed = sorted(
            (d for d in self.pages.values() if d.kind != "broken" and d.published),
            key=lambda d: d.path,
        )
        news_docs = [*well_formed, tracked]
        listed = {d.path for d in well_formed}
        other = [p for p in self.page_paths() if p not in listed]
        other.append(PRIVATE_PATH)
        self.news_sitemap_urls = [self.url(d.path) for d in news_docs]
        self.pages_sitemap_urls = [self.url(p) for p in other]
        private_date = datetime(2026, 3, 11, 12, tzinfo=UTC)
        pages_rows = [
            (self.url(p), self.pages[p].last_modified if p in self.pages else private_date)
            for p in other
        ]
        newest = max(d.published for d in news_docs).astimezone(UTC)

        docs = dict(self.pages)
        docs[TRACKED_PATH] = tracked
        docs[PRIVATE_PATH] = Doc(
            PRIVATE_PATH,
            synthetic_article(
                self.url(PRIVATE_PATH),
                "private",
                private_date,
                "Internal memo: draft budget figures not for publication",
            ),
            last_modified=private_date,
        )
        robots = ["User-agent: *", "Disallow: /private/"]
        if self.crawl_delay is not None:
            robots.append(f"Crawl-delay: {self.crawl_delay:g}")
        robots += ["", f"Sitemap: {self.url('/sitemap.xml')}", ""]
        premium = [
            (self.url(path), Doc(path, b"", title=title, published=private_date, description=lede))
            for path, title, lede in PREMIUM_ITEMS
        ]
        static = {
            "/feeds/premium.xml": (_rss(self, premium), "application/rss+xml; charset=utf-8"),
            "/premium/ferry-fares.html": (_teaser_page(), HTML),
            "/robots.txt": ("\n".join(robots).encode(), "text/plain; charset=utf-8"),
            "/feeds/rss.xml": (_rss(self, rss), "application/rss+xml; charset=utf-8"),
            "/feeds/atom.xml": (_atom(self, atom), "application/atom+xml; charset=utf-8"),
            "/sitemap.xml": (
                _sitemap_index(
                    self, [("/sitemaps/news.xml", newest), ("/sitemaps/pages.xml", newest)]
                ),
                XML,
            ),
            "/sitemaps/news.xml": (_news_sitemap(self, news_docs), XML),
            "/sitemaps/pages.xml": (_urlset(pages_rows), XML),
            "/": (_home(self, [tracked, *good[:20]]), HTML),
            "/doc.pdf": (_PDF, "application/pdf"),
            "/latin1": (_LATIN1_PAGE.encode("latin-1"), "text/html"),
        }
        for path, (body, ctype) in static.items():
            docs[path] = Doc(path, body, ctype, last_modified=newest, kind="static")
        self._docs = docs


# --------------------------------------------------------------------------- WARC

_WARC_PAGES = (
    "meridian-press/2026-03-08-calder-bay-dockworkers-strike.html",
    "calder-bay-herald/2026-03-06-dockworkers-strike-vote.html",
    "byteharbor/2026-03-06-orla-3-cost-skeptics.html",
    "bayline-business/2026-03-09-halcyon-shares-slide.html",
    "tidewater-courier/2026-03-09-growers-stranded-cargo.html",
    "la-voz-de-la-bahia/2026-03-09-plomo-agua-northgate.html",
)


def _sample_warc_pages() -> dict[str, bytes]:
    pages = {}
    for rel in _WARC_PAGES:
        body = (SAMPLE_DIR / rel).read_bytes()
        m = _CANONICAL.search(body.decode("utf-8"))
        pages[m[1] if m else f"https://www.example.org/{rel}"] = body
    return pages


def write_test_warc(
    path: Path, site_pages: dict[str, bytes] | None = None, corrupt: str | None = "garbage"
) -> dict:
    """Write a small crawl as WARC (gzip per record when ``path`` ends in ``.gz``).

    Records: warcinfo; per HTML page (``site_pages``: URI -> bytes, default six sample
    pages under their canonical URIs) a ``response`` then its ``request``; a ``revisit``
    of the first page; PDF and PNG responses; a ``metadata`` record; a 404 response; then
    the corrupt tail: ``"garbage"`` (non-WARC bytes: warcio's ArchiveIterator raises
    ``ArchiveLoadFailed`` after the last valid record), ``"truncated"`` (a record whose
    Content-Length exceeds what follows: warcio yields it short, without error) or None.
    Returns what was written, by role.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = Path(path)
    gz = path.name.endswith(".gz")
    pages = site_pages if site_pages is not None else _sample_warc_pages()
    out: dict = {
        "html_responses": [],
        "requests": [],
        "revisits": [],
        "non_html": [],
        "errors": [],
        "metadata": [],
        "corrupt": 0 if corrupt is None else 1,
        "corrupt_kind": corrupt,
    }
    counts: dict[str, int] = {}
    start = datetime(2026, 3, 12, 6, tzinfo=UTC)
    clock = iter(start + timedelta(seconds=7 * i) for i in range(10_000))

    def warc_date() -> str:
        return next(clock).strftime("%Y-%m-%dT%H:%M:%SZ")

    def http(status: str, ctype: str, length: int, extra=()) -> StatusAndHeaders:
        headers = [
            ("Date", format_datetime(start, usegmt=True)),
            ("Server", "nginx"),
            ("Content-Type", ctype),
            ("Content-Length", str(length)),
            *extra,
        ]
        return StatusAndHeaders(status, headers, protocol="HTTP/1.1")

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)

        def write(record) -> None:
            writer.write_record(record)
            counts[record.rec_type] = counts.get(record.rec_type, 0) + 1

        info = writer.create_warcinfo_record(
            path.name,
            {
                "software": "newslake tests/news_site.py",
                "format": "WARC File Format 1.0",
                "description": "Test crawl of invented news sites",
                "isPartOf": "newslake-test-crawl",
            },
        )
        info.rec_headers.replace_header("WARC-Date", warc_date())
        write(info)

        def response(uri: str, status: str, ctype: str, body: bytes):
            record = writer.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http(status, ctype, len(body)),
                warc_headers_dict={"WARC-Date": warc_date()},
            )
            write(record)
            return record

        first = None
        for uri, body in pages.items():
            resp = response(uri, "200 OK", HTML, body)
            first = first or resp
            parts = urlsplit(uri)
            req_headers = StatusAndHeaders(
                f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1",
                [
                    ("Host", parts.netloc),
                    ("User-Agent", "newslake-test/1.0"),
                    ("Accept", "text/html,application/xhtml+xml"),
                ],
                is_http_request=True,
            )
            req = writer.create_warc_record(
                uri,
                "request",
                http_headers=req_headers,
                warc_headers_dict={
                    "WARC-Date": resp.rec_headers.get_header("WARC-Date"),
                    "WARC-Concurrent-To": resp.rec_headers.get_header("WARC-Record-ID"),
                },
            )
            write(req)
            out["html_responses"].append(uri)
            out["requests"].append(uri)

        if first is not None:
            uri = first.rec_headers.get_header("WARC-Target-URI")
            revisit = writer.create_revisit_record(
                uri,
                first.rec_headers.get_header("WARC-Payload-Digest"),
                uri,
                first.rec_headers.get_header("WARC-Date"),
                http_headers=http("200 OK", HTML, len(pages[uri])),
                warc_headers_dict={
                    "WARC-Date": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "WARC-Refers-To": first.rec_headers.get_header("WARC-Record-ID"),
                },
            )
            write(revisit)
            out["revisits"].append(uri)

        pdf_uri = "https://www.meridianpress.example/documents/port-mediation-terms.pdf"
        png_uri = "https://www.baylinebusiness.example/graphics/container-backlog.png"
        response(pdf_uri, "200 OK", "application/pdf", _PDF)
        response(png_uri, "200 OK", "image/png", _tiny_png())
        out["non_html"] += [pdf_uri, png_uri]

        meta_uri = next(iter(pages), pdf_uri)
        fields = f"via: {meta_uri}\r\nhopsFromSeed: L\r\noutlink: {pdf_uri} E =EMBED_MISC\r\n"
        write(
            writer.create_warc_record(
                meta_uri,
                "metadata",
                payload=io.BytesIO(fields.encode()),
                length=len(fields.encode()),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Date": warc_date()},
            )
        )
        out["metadata"].append(meta_uri)

        gone = "https://www.tidewatercourier.example/story/news/removed-story/"
        not_found = b"<!DOCTYPE html><html><head><title>Page not found</title></head>"
        not_found += b"<body><h1>Sorry, this story is no longer available.</h1></body></html>"
        response(gone, "404 Not Found", HTML, not_found)
        out["errors"].append(gone)

        if corrupt == "garbage":
            fh.write(
                b"\x00\x01THIS IS NOT A WARC RECORD\r\nContent-Length: 12\r\n\r\njunk junk\r\n"
            )
        elif corrupt == "truncated":
            raw = (
                "WARC/1.0\r\nWARC-Type: response\r\n"
                "WARC-Target-URI: https://www.calderbayherald.example/cut-off/\r\n"
                "WARC-Record-ID: <urn:uuid:0badc0de-0000-4000-8000-000000000000>\r\n"
                f"WARC-Date: {warc_date()}\r\n"
                "Content-Type: application/http; msgtype=response\r\n"
                "Content-Length: 50000\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                "<!DOCTYPE html><html><body><p>The record stops here"
            ).encode()
            if gz:
                comp = zlib.compressobj(6, zlib.DEFLATED, 31)
                raw = comp.compress(raw) + comp.flush()
            fh.write(raw)
        elif corrupt is not None:
            raise ValueError(f"unknown corrupt kind {corrupt!r}")
    out["records"] = counts
    return out
