"""Bytes to text: refuse binaries, find the charset, decode without ever failing."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from newslake.transforms.errors import BadContentType, EmptyInput

_SIGNATURES = {
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "ZIP archive",
    b"\x1f\x8b": "gzip data",
    b"RIFF": "RIFF media",
    b"\x00\x00\x00": "binary data",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_CONTROL = bytes([*range(0, 9), 11, 12, *range(14, 32)])


def decode_body(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """The body as text and the charset used: BOM, declared, <meta>, UTF-8, then detection."""
    if not body.strip():
        raise EmptyInput("empty body")
    refuse_binary(body)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    for candidate in (declared, _meta_charset(body)):
        name = _known_codec(candidate)
        if name:
            return body.decode(name, errors="replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    # Detection can be unsure on short Western texts; cp1252 is the web's usual fallback.
    name = _known_codec(best.encoding if best else None) or "cp1252"
    return body.decode(name, errors="replace"), name


def refuse_binary(body: bytes) -> None:
    """Raise BadContentType when the bytes are an image, archive or other non-text data."""
    head = body[:4096]
    for magic, kind in _SIGNATURES.items():
        if head.startswith(magic):
            raise BadContentType(f"binary content ({kind})")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadContentType("binary content (NUL bytes)")
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls > len(head) * 0.05:
        raise BadContentType(f"binary content ({controls} control bytes in the first {len(head)})")


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _known_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'"))
    except LookupError:
        return None
    # Pages labelled latin-1/ascii are in practice cp1252 (as browsers treat them).
    return "cp1252" if codec.name in {"latin-1", "iso8859-1", "ascii"} else codec.name
