"""robots.txt decisions by RFC 9309: protego parses and matches paths; the rules around it
(which group applies to us, the byte limit, the BOM, what a status code means) are here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from protego import Protego

# RFC 9309 §2.5: crawlers must parse at least 500 KiB; what lies beyond is not read.
MAX_PARSED_BYTES = 500 * 1024

# §2.2.1: a product token is letters, "_" and "-"; user-agent lines are matched on it.
_TOKEN = re.compile(r"[A-Za-z_-]*")
# protego also reads "useragent" and "user agent"; the value is what follows the separator.
_AGENT_LINE = re.compile(r"\s*user[- ]?agent\s*(?::|\s)\s*([^#]*)", re.IGNORECASE)
# §2.2: lines end at CR, LF or CRLF only; str.splitlines (which protego uses) also breaks at
# these, so inside a line they are percent-encoded, as rule paths compare them anyway.
_NOT_LINE_BREAKS = {ord(c): quote(c) for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_EOL = re.compile(r"\r\n|\r|\n")
# protego reads "Allow: /d/index.html" as also allowing "/d/"; RFC 9309 does not. A trailing
# "*" (any rest of the path) keeps the rule's meaning and turns that extension off.
_INDEX_ALLOW = re.compile(r"(\s*allow\s*:\s*\S*/index\.html)\s*(#.*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """What one site's robots.txt lets our crawler fetch (for one run)."""

    parser: Protego | None  # None: no rules apply
    group: str | None  # the user-agent group that applies: our product token, "*" or None
    refusal: str | None = None  # why everything is disallowed, when robots.txt was unreachable

    def allows(self, url: str) -> bool:
        """Whether url (absolute, as it will be requested) may be fetched."""
        if urlsplit(url).path == "/robots.txt":  # RFC 9309 §2.2.2: implicitly allowed
            return True
        if self.refusal is not None:
            return False
        if self.parser is None or self.group is None:
            return True
        return self.parser.can_fetch(url, self.group)

    @property
    def crawl_delay(self) -> float | None:
        """Seconds between requests the applicable group asks for, if any."""
        if self.parser is None or self.group is None:
            return None
        return self.parser.crawl_delay(self.group)


def _leading_token(text: str) -> str:
    match = _TOKEN.match(text)
    return match[0] if match else ""


def product_token(user_agent: str) -> str:
    """The product token of a User-Agent string ("newslake/0.1 (+url)" -> "newslake"),
    lower-cased; raises ValueError when it does not start with one."""
    token = _leading_token(user_agent.strip())
    if not token:
        raise ValueError(f"user agent {user_agent!r} does not start with a product token")
    return token.lower()


def allow_all() -> RobotsPolicy:
    """No robots.txt (4xx, or more than five redirects): every URL may be fetched."""
    return RobotsPolicy(None, None)


def disallow_all(reason: str) -> RobotsPolicy:
    """robots.txt unreachable (5xx, network error): nothing may be fetched this run."""
    return RobotsPolicy(None, None, refusal=reason)


def policy_for_response(status: int, body: bytes, user_agent: str) -> RobotsPolicy:
    """The policy a (non-redirect) robots.txt response gives, by RFC 9309 §2.3.1."""
    if 400 <= status < 500:
        return allow_all()
    if status >= 500:
        return disallow_all(f"robots.txt answered HTTP {status}")
    return parse_robots(body, user_agent)


def parse_robots(body: bytes, user_agent: str) -> RobotsPolicy:
    """The policy of a robots.txt body for the crawler named by user_agent."""
    token = product_token(user_agent)
    lines, agents = _prepared_lines(_text(body))
    group = token if token in agents else "*" if "*" in agents else None
    return RobotsPolicy(Protego.parse("\n".join(lines)), group)


def _text(body: bytes) -> str:
    """The first 500 KiB as text, cut at the last whole line, without a UTF-8 BOM."""
    if len(body) > MAX_PARSED_BYTES:
        body = body[:MAX_PARSED_BYTES]
        end = max(body.rfind(b"\n"), body.rfind(b"\r"))
        body = body[: end + 1] if end >= 0 else b""
    return body.decode("utf-8", "replace").removeprefix("\ufeff")


def _prepared_lines(text: str) -> tuple[list[str], set[str]]:
    """Lines with each user-agent value reduced to its product token (or "*"), and the set of
    those values; two lines naming the same token then share protego's group (merging)."""
    lines = []
    agents = set()
    for line in _EOL.split(text.translate(_NOT_LINE_BREAKS)):
        agent = _AGENT_LINE.match(line)
        if agent:
            value = agent[1].strip()
            name = _leading_token(value).lower() or ("*" if value.startswith("*") else "")
            agents.add(name)
            line = f"User-agent: {name}"
        else:
            index = _INDEX_ALLOW.fullmatch(line)
            if index:
                line = index[1] + "*"
        lines.append(line)
    agents.discard("")
    return lines, agents
