"""Bytes to text as a browser reads them: the HTML Standard's encoding sniffing.

BOM, then the HTTP charset, then a prescan of the first 1,024 bytes for a `<meta>` (and, failing
that, an XML declaration), then UTF-8 if the bytes are valid UTF-8, then chardetng (Firefox's
detector, with the site's top-level domain as a hint). Labels resolve through the Encoding
Standard's table, so `latin1` is windows-1252 and `gb2312` is GBK, as in every browser.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from chardetng_py.detector import EncodingDetector

from newslake.transforms.errors import BadContentType, EmptyInput

PRESCAN_BYTES = 1024  # what the standard advises the prescan to read
RULES = ("bom", "http", "meta", "xml", "utf8", "detected", "default")


@dataclass(frozen=True, slots=True)
class Decoded:
    """A body's text, the encoding it was read in (its Encoding Standard name) and the
    sniffing rule that chose it (one of RULES; `default` when detection had no evidence)."""

    text: str
    encoding: str
    rule: str


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
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_BE, "UTF-16BE"),
    (codecs.BOM_UTF16_LE, "UTF-16LE"),
)
# "<?x" in UTF-16 without a BOM: the prescan's sign of a UTF-16 XML document.
_UTF16_XML = ((b"<\x00?\x00x\x00", "UTF-16LE"), (b"\x00<\x00?\x00x", "UTF-16BE"))
_CONTROL = bytes([*range(0, 9), 11, 12, *range(14, 32)])

# The Encoding Standard's labels, by encoding name (its encodings.json).
_LABELS = {
    "UTF-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "IBM866": "866 cp866 csibm866 ibm866",
    "ISO-8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 "
    "iso_8859-2:1987 l2 latin2",
    "ISO-8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 "
    "iso_8859-3:1988 l3 latin3",
    "ISO-8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 "
    "iso_8859-4:1988 l4 latin4",
    "ISO-8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 "
    "iso_8859-5 iso_8859-5:1988",
    "ISO-8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
    "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "ISO-8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 "
    "iso8859-7 iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "ISO-8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 "
    "iso8859-8 iso88598 iso_8859-8 iso_8859-8:1988 visual",
    "ISO-8859-8-I": "csiso88598i iso-8859-8-i logical",
    "ISO-8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "ISO-8859-13": "iso-8859-13 iso8859-13 iso885913",
    "ISO-8859-14": "iso-8859-14 iso8859-14 iso885914",
    "ISO-8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "ISO-8859-16": "iso-8859-16",
    "KOI8-R": "cskoi8r koi koi8 koi8-r koi8_r",
    "KOI8-U": "koi8-ru koi8-u",
    "macintosh": "csmacintosh mac macintosh x-mac-roman",
    "windows-874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "windows-1250": "cp1250 windows-1250 x-cp1250",
    "windows-1251": "cp1251 windows-1251 x-cp1251",
    "windows-1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
    "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "windows-1253": "cp1253 windows-1253 x-cp1253",
    "windows-1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
    "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254",
    "windows-1255": "cp1255 windows-1255 x-cp1255",
    "windows-1256": "cp1256 windows-1256 x-cp1256",
    "windows-1257": "cp1257 windows-1257 x-cp1257",
    "windows-1258": "cp1258 windows-1258 x-cp1258",
    "x-mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "GBK": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk",
    "gb18030": "gb18030",
    "Big5": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "EUC-JP": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "ISO-2022-JP": "csiso2022jp iso-2022-jp",
    "Shift_JIS": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "EUC-KR": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
    "ksc5601 ksc_5601 windows-949",
    "replacement": "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement",
    "UTF-16BE": "unicodefffe utf-16be",
    "UTF-16LE": "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le",
    "x-user-defined": "x-user-defined",
}
LABELS = {label: name for name, labels in _LABELS.items() for label in labels.split()}

# The Python codec that decodes each encoding as the standard does (GBK text is decoded by
# the gb18030 decoder, Big5 includes HKSCS, EUC-KR is code page 949, Shift_JIS is 932).
_CODECS = {
    "UTF-8": "utf-8",
    "IBM866": "cp866",
    **{f"ISO-8859-{n}": f"iso8859_{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)},
    "ISO-8859-8-I": "iso8859_8",
    "KOI8-R": "koi8_r",
    "KOI8-U": "koi8_u",
    "macintosh": "mac_roman",
    "windows-874": "cp874",
    **{f"windows-{n}": f"cp{n}" for n in range(1250, 1259)},
    "x-mac-cyrillic": "mac_cyrillic",
    "GBK": "gb18030",
    "gb18030": "gb18030",
    "Big5": "big5hkscs",
    "EUC-JP": "euc_jp",
    "ISO-2022-JP": "iso2022_jp",
    "Shift_JIS": "cp932",
    "EUC-KR": "cp949",
    "UTF-16BE": "utf-16-be",
    "UTF-16LE": "utf-16-le",
}
_SINGLE_BYTE = {"IBM866", "macintosh", "x-mac-cyrillic"} | {
    name for name in _CODECS if name.startswith(("ISO-8859", "KOI8", "windows-"))
}
# x-user-defined: bytes 0x80-0xFF are the private-use code points U+F780-U+F7FF.
_X_USER_DEFINED = {byte: 0xF780 + byte - 0x80 for byte in range(0x80, 0x100)}


def _bytes_as_c1(error: UnicodeError) -> tuple[str, int]:
    # The standard's windows-* indexes give the bytes 0x80-0x9F that Python's tables leave
    # out (0x81 in windows-1252, …) the control code point of the same number.
    if not isinstance(error, UnicodeDecodeError):  # a decoding handler only
        raise error
    byte = error.object[error.start]
    return chr(byte) if 0x80 <= byte <= 0x9F else "\ufffd", error.start + 1


codecs.register_error("newslake-c1", _bytes_as_c1)


def encoding_for_label(label: str | bytes | None) -> str | None:
    """The Encoding Standard's "get an encoding": the encoding a label names, or None."""
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("latin-1")
    return LABELS.get(label.strip("\t\n\f\r ").lower())


def decode_body(body: bytes, declared: str | None = None, tld: str | None = None) -> Decoded:
    """The body as text, by the HTML Standard's encoding sniffing (see the module docstring).

    `declared` is the HTTP charset; `tld` the site's top-level domain (`page_tld`), a hint
    for detection. Raises EmptyInput or BadContentType when there is no text to decode.
    """
    if not body.strip():
        raise EmptyInput("empty body")
    refuse_binary(body, utf16=encoding_for_label(declared) in ("UTF-16BE", "UTF-16LE"))
    encoding, rule = sniff_encoding(body, declared, tld)
    return Decoded(decode_as(body, encoding, bom=rule == "bom"), encoding, rule)


def sniff_encoding(
    body: bytes, declared: str | None = None, tld: str | None = None
) -> tuple[str, str]:
    """(encoding, rule): the encoding the HTML Standard's sniffing chooses for the bytes."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, "bom"
    if http_name := encoding_for_label(declared):
        return http_name, "http"
    if found := prescan(body[:PRESCAN_BYTES]):
        return found
    if _is_utf8(body):
        return "UTF-8", "utf8"
    detector = EncodingDetector()
    detector.feed(body, last=True)
    guess, evidence = detector.guess_assess(tld=_detector_tld(tld), allow_utf8=False)
    # Without evidence chardetng answers the TLD's usual legacy encoding (windows-1252 for
    # .com and unknown ones), as browsers fall back to.
    encoding = encoding_for_label(guess) or "windows-1252"
    if encoding == "windows-1252" and _looks_latin9(body):
        encoding = "ISO-8859-15"
    return encoding, "detected" if evidence else "default"


# Bytes where ISO-8859-15 has letters (Š š Ž ž Œ œ Ÿ) and windows-1252 symbols (¦ ¨ ´ ¸ ¼ ½ ¾),
# starting a word or after an ASCII letter (not a fraction after a digit, nor the second byte
# of UTF-8 read as windows-1252 in a page's own mojibake); and 0xA4, the euro sign in
# ISO-8859-15 and "¤" in windows-1252.
_LATIN9_SIGNS = re.compile(
    rb"\xa4|(?<![0-9\x80-\xff])[\xa6\xa8\xb4\xb8\xbc\xbd\xbe][A-Za-z\xc0-\xff]"
)
_C1_BYTES = re.compile(rb"[\x80-\x9f]")


def _looks_latin9(body: bytes) -> bool:
    """Undeclared bytes that chardetng reads as windows-1252 but are ISO-8859-15: a euro sign
    or a latin-9 letter in a word, and none of the bytes 0x80-0x9F (windows-1252's curly
    quotes and dashes, control codes in ISO-8859-15). chardetng never answers ISO-8859-15,
    so a browser would show "5 ¤" where the page means "5 €"."""
    return bool(_LATIN9_SIGNS.search(body)) and not _C1_BYTES.search(body)


def decode_as(body: bytes, encoding: str, bom: bool = False) -> str:
    """The bytes decoded in `encoding` (an Encoding Standard name), never failing."""
    if bom:
        body = body[3:] if encoding == "UTF-8" else body[2:]
    if encoding == "replacement":  # labels of encodings the web must not decode
        return "\ufffd"
    if encoding == "x-user-defined":
        return body.decode("latin-1").translate(_X_USER_DEFINED)
    errors = "newslake-c1" if encoding in _SINGLE_BYTE else "replace"
    return body.decode(_CODECS[encoding], errors=errors)


def page_tld(url: str | None) -> str | None:
    """The top-level domain of a URL's host, lower-case ASCII; None for files and addresses."""
    host = urlsplit(url or "").hostname or ""
    label = host.rstrip(".").rpartition(".")[2]
    if not label or label.isdigit() or ":" in host:
        return None
    try:
        label = label.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return label if label.replace("-", "").isalnum() else None


def _detector_tld(tld: str | None) -> bytes | None:
    # chardetng panics on a label with a dot, upper case or non-ASCII: pass only clean ones.
    if tld and tld.isascii() and tld.replace("-", "").isalnum():
        return tld.lower().encode("ascii")
    return None


def _is_utf8(body: bytes) -> bool:
    """Valid UTF-8, allowing a character cut off at the end (a body cut at the size cap)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def refuse_binary(body: bytes, utf16: bool = False) -> None:
    """Raise BadContentType when the bytes are an image, archive or other non-text data.

    `utf16`: the server said the text is UTF-16, whose NUL bytes are no sign of a binary.
    """
    head = body[:4096]
    for magic, kind in _SIGNATURES.items():
        if head.startswith(magic):
            raise BadContentType(f"binary content ({kind})")
    utf16 = (
        utf16
        or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        or any(head.startswith(sign) for sign, _ in _UTF16_XML)
    )
    if b"\x00" in head and not utf16:
        raise BadContentType("binary content (NUL bytes)")
    controls = len(head) - len(head.translate(None, _CONTROL))
    if controls > len(head) * 0.05 and not utf16:
        raise BadContentType(f"binary content ({controls} control bytes in the first {len(head)})")


# ---- The prescan (HTML Standard, "prescan a byte stream to determine its encoding") ----

_SPACE = b"\t\n\f\r "
_ASCII_LETTERS = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def prescan(head: bytes) -> tuple[str, str] | None:
    """(encoding, "meta" or "xml") that a `<meta>` or XML declaration in `head` declares.

    `head` is what the prescan may read (the first PRESCAN_BYTES): a tag cut off at its end
    declares nothing. UTF-16 labels there mean UTF-8, x-user-defined windows-1252.
    """
    for sign, name in _UTF16_XML:
        if head.startswith(sign):
            return name, "xml"
    if found := _meta_encoding(head):
        return _as_declared(found), "meta"
    if found := xml_encoding(head):
        return _as_declared(found), "xml"
    return None


def _as_declared(encoding: str) -> str:
    # Bytes that could be read as ASCII to find the declaration are not UTF-16.
    if encoding in ("UTF-16BE", "UTF-16LE"):
        return "UTF-8"
    return "windows-1252" if encoding == "x-user-defined" else encoding


def _meta_encoding(b: bytes) -> str | None:
    n, pos = len(b), 0
    while pos < n:
        if b.startswith(b"<!--", pos):
            end = b.find(b"-->", pos + 2)
            if end < 0:
                return None
            pos = end + 2
        elif b[pos : pos + 5].lower() == b"<meta" and pos + 5 < n and b[pos + 5] in b"\t\n\f\r /":
            pos, found = _meta_tag(b, pos + 6)
            if found or pos < 0:
                return found
        elif (
            b[pos : pos + 1] == b"<"
            and pos + 1 < n
            and (
                b[pos + 1] in _ASCII_LETTERS
                or (b[pos + 1] == 0x2F and pos + 2 < n and b[pos + 2] in _ASCII_LETTERS)
            )
        ):
            while pos < n and b[pos] not in b"\t\n\f\r >":
                pos += 1
            while True:  # attributes of other tags are read so a `>` in a value is skipped
                pos, attribute = _attribute(b, pos)
                if attribute is None:
                    break
            if pos < 0:
                return None
        elif b.startswith((b"<!", b"</", b"<?"), pos):
            pos = b.find(b">", pos + 2)
            if pos < 0:
                return None
        pos += 1
    return None


def _meta_tag(b: bytes, pos: int) -> tuple[int, str | None]:
    """After `<meta `: (position of its `>`, the encoding it declares); position -1 when the
    bytes end inside the tag."""
    seen: set[str] = set()
    got_pragma, need_pragma, charset = False, None, None
    while True:
        pos, attribute = _attribute(b, pos)
        if attribute is None:
            break
        name, value = attribute
        if name in seen:
            continue
        seen.add(name)
        if name == "http-equiv" and value == "content-type":
            got_pragma = True
        elif name == "content" and charset is None:
            if charset := _charset_in_content(value):
                need_pragma = True
        elif name == "charset":
            charset, need_pragma = encoding_for_label(value), False
    if pos < 0 or need_pragma is None or (need_pragma and not got_pragma):
        return pos, None
    return pos, charset


def _attribute(b: bytes, pos: int) -> tuple[int, tuple[str, str] | None]:
    """The standard's "get an attribute": (position after it, (name, value)), or
    (position, None) at the tag's `>`; position -1 when the bytes run out."""
    n = len(b)
    while pos < n and b[pos] in b"\t\n\f\r /":
        pos += 1
    if pos >= n:
        return -1, None
    if b[pos] == 0x3E:
        return pos, None
    name, value = bytearray(), bytearray()
    while True:
        if pos >= n:
            return -1, None
        c = b[pos]
        if c == 0x3D and name:  # "=" after a name: the value follows
            pos += 1
            break
        if c in _SPACE:
            while pos < n and b[pos] in _SPACE:
                pos += 1
            if pos >= n:
                return -1, None
            if b[pos] != 0x3D:
                return pos, (_lower(name), "")
            pos += 1
            break
        if c in b"/>":
            return pos, (_lower(name), "")
        name.append(c)
        pos += 1
    while pos < n and b[pos] in _SPACE:
        pos += 1
    if pos >= n:
        return -1, None
    quote = b[pos]
    if quote in b"\"'":
        end = b.find(bytes([quote]), pos + 1)
        if end < 0:
            return -1, None
        return end + 1, (_lower(name), _lower(b[pos + 1 : end]))
    if quote == 0x3E:
        return pos, (_lower(name), "")
    while pos < n and b[pos] not in b"\t\n\f\r >":
        value.append(b[pos])
        pos += 1
    if pos >= n:
        return -1, None
    return pos, (_lower(name), _lower(value))


def _lower(raw: bytes | bytearray) -> str:
    # Only ASCII upper-case letters are lowered; other bytes stay as their code points.
    return bytes(raw).decode("latin-1").translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(0x41, 0x5B)}


def _charset_in_content(content: str) -> str | None:
    """The standard's "extracting a character encoding from a meta element"."""
    pos = 0
    while True:
        found = content.find("charset", pos)
        if found < 0:
            return None
        pos = found + 7
        while pos < len(content) and content[pos] in "\t\n\f\r ":
            pos += 1
        if pos < len(content) and content[pos] == "=":
            break
    pos += 1
    while pos < len(content) and content[pos] in "\t\n\f\r ":
        pos += 1
    if pos >= len(content):
        return None
    if content[pos] in "\"'":
        end = content.find(content[pos], pos + 1)
        return encoding_for_label(content[pos + 1 : end]) if end > 0 else None
    end = pos
    while end < len(content) and content[end] not in "\t\n\f\r ;":
        end += 1
    return encoding_for_label(content[pos:end])


def xml_encoding(head: bytes) -> str | None:
    """The standard's "get an XML encoding": the encoding in a leading `<?xml … ?>`."""
    if not head.startswith(b"<?xml"):
        return None
    end = head.find(b">")
    if end < 0:
        return None
    pos = head.find(b"encoding", 0, end)
    if pos < 0:
        return None
    pos += 8
    while pos < end and head[pos] <= 0x20:
        pos += 1
    if pos >= end or head[pos] != 0x3D:
        return None
    pos += 1
    while pos < end and head[pos] <= 0x20:
        pos += 1
    quote = head[pos : pos + 1]
    if quote not in (b'"', b"'"):
        return None
    close = head.find(quote, pos + 1, end)
    if close < 0:
        return None
    label = head[pos + 1 : close]
    if any(c <= 0x20 for c in label):
        return None
    return encoding_for_label(label)


def without_xml_declaration(text: str) -> str:
    """The text without a leading `<?xml … ?>`: lxml refuses a str that declares an encoding,
    and the declaration's encoding has been applied by the time the text is a str."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        if end >= 0:
            return stripped[end + 2 :]
    return text
