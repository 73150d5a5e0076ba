"""Benchmark charset detection on real pages re-encoded in legacy encodings, undeclared.

Takes the pages of ../shared/corpus/extraction-snippets-dev and extraction-dev (or
$NEWSLAKE_SHARED/corpus/...; skipped, exit 0, when neither is there) and reads each with
newslake's decoder, keeping only pages whose encoding the page itself states (BOM, <meta>, XML
declaration) or that are valid UTF-8, so the true text is known. Each page is then written in
every legacy encoding that suits its script (its non-ASCII characters encodable there, the rest
as character references, as legacy pages do), with every charset declaration removed, and
read back by:

- newslake's `decode_body` (the HTML Standard's sniffing; chardetng for undeclared bytes);
- chardetng alone (`chardetng_py.detect`, as Firefox calls it);
- charset-normalizer's best guess, windows-1252 when it has none (newslake's decoder before
  this benchmark).

A case is right when the text read back is the text written, character for character (German
written in ISO-8859-15 and read as windows-1252 is right when it holds no €). Prints the
right counts per encoding and in total, and the time each detector took.

    .venv/bin/python benchmarks/decoding_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

from chardetng_py import detect as chardetng_detect
from charset_normalizer import from_bytes

from newslake.transforms.decode import decode_as, decode_body, encoding_for_label
from newslake.transforms.errors import NewslakeError

# ../shared beside the repository, or where NEWSLAKE_SHARED says (a worktree elsewhere).
SHARED = Path(os.environ.get("NEWSLAKE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPORA = (
    SHARED / "corpus" / "extraction-snippets-dev" / "html",
    SHARED / "corpus" / "extraction-dev",
)
# (Encoding Standard name, Python codec, the characters the page must mostly be written in)
ENCODINGS = (
    ("windows-1252", "cp1252", "latin"),
    ("ISO-8859-15", "iso8859_15", "latin"),
    ("ISO-8859-2", "iso8859_2", "latin"),
    ("windows-1250", "cp1250", "latin"),
    ("windows-1254", "cp1254", "latin"),
    ("windows-1257", "cp1257", "latin"),
    ("windows-1251", "cp1251", "cyrillic"),
    ("KOI8-R", "koi8_r", "cyrillic"),
    ("ISO-8859-7", "iso8859_7", "greek"),
    ("Shift_JIS", "cp932", "cjk"),
    ("EUC-JP", "euc_jp", "cjk"),
    ("EUC-KR", "cp949", "hangul"),
    ("gb18030", "gb18030", "cjk"),
    ("Big5", "big5hkscs", "cjk"),
)
_SCRIPT_RANGES = {
    "latin": re.compile("[\u00c0-\u024f]"),
    "cyrillic": re.compile("[\u0400-\u04ff]"),
    "greek": re.compile("[\u0370-\u03ff]"),
    "cjk": re.compile("[\u3040-\u30ff\u4e00-\u9fff]"),
    "hangul": re.compile("[\uac00-\ud7af]"),
}
_MIN_LETTERS = 20  # of the encoding's script, for a page to be written in it
_MIN_NATIVE = 0.95  # share of the non-ASCII characters the encoding must hold itself
_DECLARATIONS = re.compile(
    r"<meta[^>]*charset[^>]*>|<\?xml[^>]*\?>|\bcharset\s*=\s*[\"']?[\w.:-]+", re.IGNORECASE
)


def known_pages(limit: int | None) -> list[str]:
    """Texts of the corpus pages whose encoding is known, declarations removed."""
    texts = []
    for folder in CORPORA:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.html*")):
            raw = path.read_bytes()
            body = gzip.decompress(raw) if path.suffix == ".gz" else raw
            try:
                decoded = decode_body(body)
            except NewslakeError:  # not text: not a case
                continue
            if decoded.rule in ("bom", "meta", "xml", "utf8"):
                texts.append(_DECLARATIONS.sub("", decoded.text))
            if limit and len(texts) >= limit:
                return texts
    return texts


def cases(texts: list[str]) -> list[tuple[str, bytes, str]]:
    """(encoding, bytes, expected text) for each page in each encoding that suits it."""
    found = []
    for text in texts:
        non_ascii = [c for c in text if ord(c) > 127]
        for name, codec, script in ENCODINGS:
            if len(_SCRIPT_RANGES[script].findall(text)) < _MIN_LETTERS:
                continue
            native = sum(_encodable(c, codec) for c in set(non_ascii))
            if native < _MIN_NATIVE * len(set(non_ascii)):
                continue
            body = text.encode(codec, errors="xmlcharrefreplace")
            found.append((name, body, body.decode(codec)))
    return found


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def newslake(body: bytes) -> str:
    return decode_body(body).text


def chardetng(body: bytes) -> str:
    return decode_as(body, encoding_for_label(chardetng_detect(body)) or "windows-1252")


def charset_normalizer(body: bytes) -> str:
    # As newslake's decoder used it: a latin-1 or ascii answer read as cp1252, as browsers do.
    best = from_bytes(body).best()
    name = codecs.lookup(best.encoding).name if best else "cp1252"
    if name in ("latin-1", "iso8859-1", "ascii"):
        name = "cp1252"
    return body.decode(name, errors="replace")


DETECTORS = {
    "newslake decode_body": newslake,
    "chardetng alone": chardetng,
    "charset-normalizer": charset_normalizer,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="read at most N pages")
    args = parser.parse_args()
    if not any(folder.is_dir() for folder in CORPORA):
        print(f"skipped: no corpus under {SHARED / 'corpus'}")
        return 0
    table = cases(known_pages(args.limit))
    per_encoding: dict[str, Counter[str]] = {name: Counter() for name in DETECTORS}
    totals = Counter(name for name, _, _ in table)
    seconds = dict.fromkeys(DETECTORS, 0.0)
    for encoding, body, expected in table:
        for name, read in DETECTORS.items():
            started = time.perf_counter()
            text = read(body)
            seconds[name] += time.perf_counter() - started
            per_encoding[name][encoding] += text == expected
    names = list(DETECTORS)
    print(f"{len(table)} cases (pages x legacy encodings), no declarations\n")
    print("| encoding | cases | " + " | ".join(names) + " |")
    print("|---|---" + "|---" * len(names) + "|")
    for encoding, _, _ in ENCODINGS:
        if totals[encoding]:
            right = " | ".join(str(per_encoding[n][encoding]) for n in names)
            print(f"| {encoding} | {totals[encoding]} | {right} |")
    right = " | ".join(f"**{sum(per_encoding[n].values())}**" for n in names)
    print(f"| all | {len(table)} | {right} |")
    timing = " | ".join(f"{seconds[n] / max(len(table), 1) * 1000:.2f}" for n in names)
    print(f"| ms per case | | {timing} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
