"""robots.txt conformance cases written from RFC 9309 (sections in `rfc`).

Each case is a robots.txt as a site serves it (status, redirects, body) and what a crawler
whose User-Agent is `agent` may fetch: `checks` pairs a path, as requested, with True
(allowed) or False (disallowed). tests/flows/test_robots.py serves every case from the
loopback news site (`serve`); benchmarks/robots_conformance.py scores parsers against them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from news_site import Canned, NewsSite

AGENT = "newslake/0.1"


@dataclass(frozen=True)
class RobotsCase:
    """One robots.txt and the decisions RFC 9309 gives for it."""

    name: str
    rfc: str
    body: bytes
    checks: tuple[tuple[str, bool], ...]
    agent: str = AGENT
    status: int = 200
    redirects: int = 0  # 301s from /robots.txt before the answer
    unreachable: bool = False  # the connection is reset instead of an answer


def case(name: str, rfc: str, text: str | bytes, *checks: tuple[str, bool], **kw) -> RobotsCase:
    """A case from a robots.txt text ("\\n" line ends unless bytes are given)."""
    body = text.encode() if isinstance(text, str) else text
    return RobotsCase(name, rfc, body, tuple(checks), **kw)


ALL = "User-agent: *\nDisallow: /\n"
RFC_EXAMPLE = """User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""
_FILLER = "# " + "x" * 97 + "\n"  # 100 bytes
_OVERSIZE = (
    "User-agent: *\nDisallow: /early/\n" + _FILLER * (600 * 1024 // 100) + "Disallow: /late/\n"
)
_AT_LIMIT = "User-agent: *\nDisallow: /early/\n" + _FILLER * (500 * 1024 // 100 - 1)

# One case per entry, its checks beside it: a table to read, kept as written.
# fmt: off
CASES: list[RobotsCase] = [
    # -- §5.1 example, one crawler at a time
    case("rfc example: foobot", "5.1", RFC_EXAMPLE,
         ("/example/page.html", True), ("/example/allowed.gif", True), ("/other", False),
         ("/publications/x", False), agent="foobot/2.0"),
    case("rfc example: barbot", "5.1", RFC_EXAMPLE,
         ("/example/page.html", False), ("/example/other.html", True), ("/a.gif", True),
         agent="barbot"),
    case("rfc example: bazbot shares barbot's group", "5.1", RFC_EXAMPLE,
         ("/example/page.html", False), ("/publications/", True), agent="BazBot/1"),
    case("rfc example: empty quxbot group allows all", "5.1", RFC_EXAMPLE,
         ("/example/page.html", True), ("/a.gif", True), ("/x", True), agent="quxbot"),
    case("rfc example: others get *", "5.1", RFC_EXAMPLE,
         ("/a.gif", False), ("/example/x", False), ("/publications/x", True), ("/x", True)),
    # -- §2.2.1 user-agent matching
    case("own group beats *", "2.2.1",
         "User-agent: *\nDisallow: /\n\nUser-agent: newslake\nDisallow: /private/\n",
         ("/news/a.html", True), ("/private/a.html", False)),
    case("* when no group names us", "2.2.1",
         "User-agent: otherbot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp/\n",
         ("/news/a.html", True), ("/tmp/a.html", False)),
    case("no group for us and no *: no rules", "2.2.1",
         "User-agent: otherbot\nDisallow: /\n", ("/news/a.html", True), ("/", True)),
    case("agent matching ignores case", "2.2.1",
         "User-agent: NEWSLAKE\nDisallow: /x/\n", ("/x/a", False), ("/y/a", True)),
    case("agent line with a version is its product token", "2.2.1",
         "User-agent: newslake/9.9\nDisallow: /x/\n", ("/x/a", False), ("/y", True)),
    case("a longer token is another crawler", "2.2.1",
         "User-agent: newslakebot\nDisallow: /\n\nUser-agent: *\nDisallow: /x/\n",
         ("/a", True), ("/x/a", False)),
    case("a shorter token is another crawler", "2.2.1",
         "User-agent: news\nDisallow: /\n", ("/a", True)),
    case("a word of our contact URL is not our token", "2.2.1",
         "User-agent: github\nDisallow: /\n", ("/a", True)),
    case("a token is not a substring match", "2.2.1",
         "User-agent: lake\nDisallow: /\n", ("/a", True)),
    case("configured agent token other than newslake", "2.2.1",
         "User-agent: foo-bot_x\nDisallow: /in/\n\nUser-agent: *\nDisallow: /\n",
         ("/in/a", False), ("/out", True), agent="Foo-Bot_X/3.1 (compatible)"),
    case("groups for our token are merged", "2.2.1",
         "User-agent: newslake\nDisallow: /a/\n\nUser-agent: *\nDisallow: /\n\n"
         "User-agent: newslake\nDisallow: /b/\n",
         ("/a/1", False), ("/b/1", False), ("/c/1", True)),
    case("merged across case and versions", "2.2.1",
         "User-agent: NewsLake/1\nDisallow: /a/\n\nUser-agent: newslake\nDisallow: /b/\n",
         ("/a/1", False), ("/b/1", False), ("/c", True)),
    case("two user-agent lines start one group", "2.1",
         "User-agent: otherbot\nUser-agent: newslake\nDisallow: /a/\n",
         ("/a/1", False), ("/b", True)),
    case("the * groups are merged", "2.2.1",
         "User-agent: *\nDisallow: /a/\n\nUser-agent: *\nDisallow: /b/\n",
         ("/a/1", False), ("/b/1", False), ("/c", True)),
    case("our group is not merged with *", "2.2.1",
         "User-agent: *\nDisallow: /a/\n\nUser-agent: newslake\nDisallow: /b/\n",
         ("/a/1", True), ("/b/1", False)),
    # -- §2.1/§2.2 grouping, blank lines, comments
    case("blank lines inside a group do not end it", "2.2",
         "User-agent: newslake\n\nDisallow: /a/\n\n\nDisallow: /b/\n",
         ("/a/1", False), ("/b/1", False), ("/c", True)),
    case("blank line between user-agent lines", "2.2",
         "User-agent: otherbot\n\nUser-agent: newslake\nDisallow: /a/\n", ("/a/1", False)),
    case("comment lines inside a group", "2.2",
         "User-agent: newslake\n# first\nDisallow: /a/\n# second\nDisallow: /b/\n",
         ("/a/x", False), ("/b/x", False), ("/c", True)),
    case("end-of-line comments", "2.2",
         "User-agent: newslake # us\nDisallow: /a/ # not /b/\n",
         ("/a/x", False), ("/b/x", True)),
    case("a # ends the path", "2.2",
         "User-agent: *\nDisallow: /a#b\n", ("/a", False), ("/abc", False)),
    case("rules before any user-agent are ignored", "2.1",
         "Disallow: /a/\nUser-agent: *\nDisallow: /b/\n", ("/a/1", True), ("/b/1", False)),
    case("a sitemap line does not end a group", "2.2.4",
         "User-agent: *\nDisallow: /a/\nSitemap: https://example.com/s.xml\nDisallow: /b/\n",
         ("/a/1", False), ("/b/1", False)),
    case("unknown lines are ignored", "2.2.4",
         "User-agent: *\nFoo: bar\nDisallow: /a/\nnonsense\n", ("/a/1", False), ("/b", True)),
    case("field names ignore case and spaces", "2.2",
         "USER-AGENT : *\nDISALLOW : /a/\n  allow:/a/ok\n",
         ("/a/1", False), ("/a/ok", True)),
    case("empty disallow allows all", "2.2.2", "User-agent: *\nDisallow:\n", ("/a", True)),
    case("empty file allows all", "2.2", "", ("/a", True), ("/", True)),
    case("only comments allows all", "2.2", "# nothing here\n# at all\n", ("/a", True)),
    # -- §2.2.2 matching: prefixes, longest match, ties
    case("rules are prefixes", "2.2.2",
         "User-agent: *\nDisallow: /fish\n",
         ("/fish", False), ("/fish.html", False), ("/fishheads/x", False),
         ("/Fish.asp", True), ("/catfish", True)),
    case("paths are case-sensitive", "2.2.2",
         "User-agent: *\nDisallow: /Private/\n", ("/Private/a", False), ("/private/a", True)),
    case("longest match wins: allow", "2.2.2",
         "User-agent: *\nDisallow: /\nAllow: /news/\n", ("/news/a", True), ("/b", False)),
    case("longest match wins: disallow", "2.2.2",
         "User-agent: *\nAllow: /news/\nDisallow: /news/drafts/\n",
         ("/news/a", True), ("/news/drafts/a", False)),
    case("order does not matter", "2.2.2",
         "User-agent: *\nDisallow: /news/drafts/\nAllow: /news/\nDisallow: /\n",
         ("/news/a", True), ("/news/drafts/a", False), ("/x", False)),
    case("allow wins a tie", "2.2.2",
         "User-agent: *\nDisallow: /folder\nAllow: /folder\n", ("/folder/a", True)),
    case("allow wins a tie, other order", "2.2.2",
         "User-agent: *\nAllow: /page\nDisallow: /page\n", ("/page", True)),
    case("a longer wildcard rule wins", "2.2.3",
         "User-agent: *\nAllow: /page\nDisallow: /*.htm\n",
         ("/page.htm", False), ("/page", True)),
    case("allow index.html does not allow its directory", "2.2.2",
         "User-agent: *\nDisallow: /d/\nAllow: /d/index.html\n",
         ("/d/index.html", True), ("/d/", False), ("/d/other", False)),
    # -- §2.2.3 special characters
    case("* matches any sequence", "2.2.3",
         "User-agent: *\nDisallow: /*.php\n",
         ("/filename.php", False), ("/folder/filename.php?parameters", False),
         ("/folder/any.php.file.html", False), ("/", True), ("/windows.PHP", True)),
    case("$ anchors the end", "2.2.3",
         "User-agent: *\nDisallow: /*.php$\n",
         ("/filename.php", False), ("/folder/filename.php", False),
         ("/filename.php?parameters", True), ("/filename.php/", True),
         ("/filename.php5", True)),
    case("query wildcard /*?", "2.2.3",
         "User-agent: *\nDisallow: /*?\n",
         ("/news/a.html?page=2", False), ("/news/a.html", True), ("/?", False)),
    case("pdf wildcard with $", "2.2.3",
         "User-agent: *\nDisallow: /*.pdf$\n",
         ("/files/a.pdf", False), ("/files/a.pdf?x=1", True), ("/files/a.pdfx", True)),
    case("plain path with $", "2.2.3",
         "User-agent: *\nDisallow: /fish$\n",
         ("/fish", False), ("/fish/", True), ("/fishheads", True)),
    case("trailing * is the same as none", "2.2.3",
         "User-agent: *\nDisallow: /fish*\n", ("/fish", False), ("/fishes", False),
         ("/fis", True)),
    case("several wildcards", "2.2.3",
         "User-agent: *\nDisallow: /a*b*c\n",
         ("/a-b-c", False), ("/axxbyyc/z", False), ("/a-c-b", True)),
    case("allow $ beside disallow all", "2.2.3",
         "User-agent: *\nAllow: /$\nDisallow: /\n", ("/", True), ("/page.htm", False)),
    # -- §2.2.2 percent-encoding
    case("UTF-8 rule matches its encoded URL", "2.2.2",
         "User-agent: *\nDisallow: /foo/bar/ツ\n",
         ("/foo/bar/%E3%83%84", False), ("/foo/bar/baz", True)),
    case("encoded rule matches the encoded URL", "2.2.2",
         "User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", ("/foo/bar/%E3%83%84", False)),
    case("encoded unreserved characters in the URL are decoded", "2.2.2",
         "User-agent: *\nDisallow: /foo/bar/baz\n",
         ("/foo/bar/%62%61%7A", False), ("/foo/bar/qux", True)),
    case("encoded unreserved characters in the rule are decoded", "2.2.2",
         "User-agent: *\nDisallow: /%7Euser/\n", ("/~user/a", False), ("/user/a", True)),
    case("%2F is not /", "2.2.2",
         "User-agent: *\nDisallow: /a/b\n", ("/a%2Fb", True), ("/a/b", False)),
    case("/ is not %2F", "2.2.2",
         "User-agent: *\nDisallow: /a%2Fb\n", ("/a/b", True), ("/a%2Fb", False)),
    case("hex case of escapes does not matter", "2.2.2",
         "User-agent: *\nDisallow: /%e3%83%84\n", ("/%E3%83%84", False)),
    # -- §2.2 file format: line ends, BOM
    case("CRLF line ends", "2.2", b"User-agent: *\r\nDisallow: /a/\r\nAllow: /a/b\r\n",
         ("/a/x", False), ("/a/b", True)),
    case("CR line ends", "2.2", b"User-agent: *\rDisallow: /a/\rAllow: /a/b\r",
         ("/a/x", False), ("/a/b", True)),
    case("mixed line ends", "2.2", b"User-agent: *\r\nDisallow: /a/\rDisallow: /b/\n",
         ("/a/x", False), ("/b/x", False), ("/c", True)),
    case("no final newline", "2.2", b"User-agent: *\nDisallow: /a/",
         ("/a/x", False), ("/b", True)),
    case("UTF-8 BOM before the first line", "2.2",
         b"\xef\xbb\xbfUser-agent: newslake\nDisallow: /a/\n\nUser-agent: *\nDisallow: /\n",
         ("/a/x", False), ("/b", True)),
    case("U+2028 inside a line is not a line end", "2.2",
         "User-agent: *\nDisallow: /a\u2028b\n", ("/a", True), ("/a%E2%80%A8b", False)),
    # -- §2.5 limits
    case("rules past 500 KiB are not read", "2.5", _OVERSIZE,
         ("/early/x", False), ("/late/x", True)),
    case("a file just under 500 KiB is read whole", "2.5",
         _AT_LIMIT + "Disallow: /last/\n", ("/early/x", False), ("/last/x", False)),
    # -- §2.3.1 access results
    case("404 allows all", "2.3.1.3", ALL, ("/a", True), status=404),
    case("410 allows all", "2.3.1.3", ALL, ("/a", True), status=410),
    case("403 allows all", "2.3.1.3", ALL, ("/a", True), status=403),
    case("401 allows all", "2.3.1.3", ALL, ("/a", True), status=401),
    case("500 disallows all", "2.3.1.4", "", ("/a", False), ("/", False), status=500),
    case("503 disallows all", "2.3.1.4", "", ("/a", False), status=503),
    case("unreachable disallows all", "2.3.1.4", "", ("/a", False), unreachable=True),
    case("one redirect is followed", "2.3.1.2", ALL, ("/a", False), redirects=1),
    case("five redirects are followed", "2.3.1.2", ALL, ("/a", False), redirects=5),
    case("a sixth redirect is not: no robots.txt", "2.3.1.2", ALL, ("/a", True), redirects=6),
    case("a redirect to a 404 allows all", "2.3.1.2", ALL, ("/a", True), redirects=2,
         status=404),
    case("a redirect to a 503 disallows all", "2.3.1.2", "", ("/a", False), redirects=1,
         status=503),
]
# fmt: on


def serve(site: NewsSite, robots: RobotsCase) -> list[str]:
    """Serve the case's robots.txt on the site (behind its redirects, after a request-log
    reset); the paths of the redirect chain, /robots.txt first."""
    site.reset_requests()
    chain = ["/robots.txt", *(f"/robots-hop/{i}" for i in range(1, robots.redirects + 1))]
    for here, there in itertools.pairwise(chain):
        site.canned[here] = Canned(301, b"", (("Location", there),))
    body = None if robots.unreachable else robots.body
    site.canned[chain[-1]] = Canned(robots.status, body)
    return chain
