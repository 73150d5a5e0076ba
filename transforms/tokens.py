"""Characters and words: space tidying and quote folding, Unicode-aware tokens, text fingerprints.

Pure: no I/O, clock, environment or network access.
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable

_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033"
_ODD_SPACES = "\t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
# Zero-width spaces, word joiners and stray BOMs go; ZWNJ/ZWJ (U+200C/U+200D) are kept: they
# are meaningful in Persian, Indic scripts and emoji.
_INVISIBLES = "\u200b\u2060\ufeff\u180e"
_SOFT_HYPHEN = "\u00ad"  # the page's hyphenation points: stored, but not part of a word's key

_SPACE_MAP = {**dict.fromkeys(_ODD_SPACES, " "), **dict.fromkeys(_INVISIBLES, "")}
_QUOTE_MAP = {**dict.fromkeys(_SINGLE_QUOTES, "'"), **dict.fromkeys(_DOUBLE_QUOTES, '"')}


def _char_ranges(codepoints: Iterable[int]) -> str:
    """Regex character-class body covering the given sorted code points as ranges."""
    parts: list[str] = []
    start = prev = -2
    for cp in [*codepoints, -2]:
        if cp == prev + 1:
            prev = cp
            continue
        if start >= 0:
            upper = "-" + re.escape(chr(prev)) if prev > start else ""
            parts.append(re.escape(chr(start)) + upper)
        start = prev = cp
    return "".join(parts)


# Python's \w excludes combining marks, which would split Devanagari, Thai or decomposed Latin
# words; the class is derived from unicodedata so it tracks the running Python's Unicode version.
_MARKS = _char_ranges(
    cp for cp in range(0x300, 0x10000) if unicodedata.category(chr(cp)) in {"Mn", "Mc", "Me"}
)
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
_WORD_CHAR = rf"(?:(?![{_CJK}])(?:[^\W_]|[{_MARKS}\u200c\u200d]))"
_TOKEN_RE = re.compile(rf"\d+(?:[.,:]\d+)+|(?=[^\W_])[{_CJK}]|{_WORD_CHAR}+(?:'{_WORD_CHAR}+)*")
# The same tokens for a text without CJK (nearly every text), from one character class: no
# lookahead or alternation per letter. The class holds "_", which is made a space first.
_HAS_CJK = re.compile(rf"[{_CJK}]")
_PLAIN_WORD_CHAR = rf"[\w{_MARKS}\u200c\u200d]"
_PLAIN_TOKEN_RE = re.compile(rf"\d+(?:[.,:]\d+)+|{_PLAIN_WORD_CHAR}+(?:'{_PLAIN_WORD_CHAR}+)*")


def _find_tokens(text: str) -> list[str]:
    if _HAS_CJK.search(text):
        return _TOKEN_RE.findall(text)
    return _PLAIN_TOKEN_RE.findall(text.replace("_", " ") if "_" in text else text)


# Each fold is a pattern and a lookup: a few replacements in a scan run several times faster
# than str.translate, which looks up every character of a non-ASCII text.
def _replacer(mapping: dict[str, str]) -> Callable[[str], str]:
    pattern = re.compile("[" + "".join(map(re.escape, mapping)) + "]")

    def replace(text: str) -> str:
        return pattern.sub(lambda match: mapping[match.group()], text)

    return replace


_tidy = _replacer(_SPACE_MAP)
_fold_quotes = _replacer(_QUOTE_MAP)
_fold_all = _replacer(_SPACE_MAP | _QUOTE_MAP | {_SOFT_HYPHEN: ""})


def tidy_spaces(text: str) -> str:
    """The text with odd spaces (tab, no-break, thin, ideographic) made plain and zero-width
    spaces, word joiners and BOMs removed; every other character kept (soft hyphens too)."""
    if text.isascii() and "\t" not in text:  # a tab is the only ASCII character changed
        return text
    return _tidy(text)


def fold_quotes(text: str) -> str:
    """The text with quote look-alikes (curly, low-9, primes) made ASCII quotes, character for
    character: offsets in the result are offsets in the text."""
    return text if text.isascii() else _fold_quotes(text)


def fold_chars(text: str) -> str:
    """The text as identity and matching read it: `tidy_spaces` and `fold_quotes` together,
    soft hyphens removed."""
    if text.isascii() and "\t" not in text:
        return text
    return _fold_all(text)


# Letters that IGNORECASE patterns take for ASCII ones but str.lower() leaves apart.
_IGNORECASE_ODDITIES = str.maketrans({"ı": "i", "İ": "i", "ſ": "s"})


def lower_like_ignorecase(text: str) -> str:
    """The text in lower case, with the few letters that case-insensitive regexes match to
    ASCII letters made those letters: a lower-case word is in it wherever an IGNORECASE
    pattern for that word would match (plain substring tests are many times faster)."""
    return text.lower() if text.isascii() else text.translate(_IGNORECASE_ODDITIES).lower()


def _tokens(text: str) -> list[str]:
    return _find_tokens(unicodedata.normalize("NFC", fold_chars(text)))


def word_count(text: str) -> int:
    """Return the number of word tokens; each CJK ideograph or kana counts as one word."""
    return len(_tokens(text))


def fingerprint_text(text: str) -> str:
    """Return casefolded word tokens joined by single spaces, for exact-duplicate hashing."""
    canonical = unicodedata.normalize("NFKC", fold_chars(text)).casefold()
    return " ".join(_find_tokens(unicodedata.normalize("NFKC", canonical)))


def content_hash(text: str) -> str:
    """Return the first 16 hex chars of sha256(fingerprint_text(text))."""
    return fingerprint_hash(fingerprint_text(text))


def fingerprint_hash(fingerprint: str) -> str:
    """`content_hash` of a text whose fingerprint_text is already at hand."""
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:16]
