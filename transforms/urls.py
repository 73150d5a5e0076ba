"""URL identity: one canonical spelling per article URL."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gclsrc|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl"
    r"|ref_src|ref_url|cmpid|ocid|smid|sr_share|at_medium|at_campaign|ito|__twitter_impression)$",
    re.I,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


# A page's URLs are resolved several times on its way (its id, its duplicates, its story).
@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The URL with scheme/host lower-cased, default port, fragment and tracking parameters gone."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def resolve_reference(base: str, reference: str) -> str:
    """`reference` made absolute against `base` (RFC 3986), otherwise as written.

    Raises ValueError when the result is not a well-formed http(s) URL with a host.
    """
    absolute = reference.strip()
    # urljoin costs ten times the checks below; an absolute http(s) URL needs no joining.
    if base and not absolute[:8].lower().startswith(("http://", "https://")):
        absolute = urljoin(base, absolute)
    parts = urlsplit(absolute)  # ValueError for a bad IPv6 literal
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {absolute!r}")
    parts.port  # noqa: B018 - ValueError for a port that is not a number in range
    return absolute


@lru_cache(maxsize=4096)
def resolve_canonical(page_url: str, declared: str | None) -> str | None:
    """The page's declared canonical URL made absolute, or None if it names no web page."""
    if not declared:
        return None
    absolute = urljoin(page_url, declared.strip())
    return canonical_url(absolute) if urlsplit(absolute).scheme in _DEFAULT_PORTS else None
