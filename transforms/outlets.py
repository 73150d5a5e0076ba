"""Which outlet published an article."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import tldextract


@cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: nothing may go to the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str) -> str | None:
    """'www.news.example.co.uk' -> 'example.co.uk'; None for non-web URLs or bare hosts."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    found = _extractor()(parts.hostname)
    if found.domain and found.suffix:
        return f"{found.domain}.{found.suffix}"
    return parts.hostname.removeprefix("www.") or None


def resolve_outlet(configured: str | None, site_name: str | None, url: str | None) -> str | None:
    """The outlet name: configured for the source, else the page's site name, else its domain."""
    for candidate in (configured, site_name):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return registered_domain(url) if url else None
