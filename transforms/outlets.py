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


def resolve_outlet(
    configured: str | None, site_name: str | None, url: str, canonical_url: str | None
) -> str | None:
    """The outlet: configured for the source; for a web page its registered domain; for a
    local file its site name, else the domain of the URL it declares as canonical."""
    if configured and configured.strip():
        return " ".join(configured.split())
    name = " ".join(site_name.split()) if site_name and site_name.strip() else None
    if url.startswith("file:"):
        return name or (registered_domain(canonical_url) if canonical_url else None)
    return registered_domain(canonical_url or url) or registered_domain(url) or name
