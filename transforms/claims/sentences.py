"""Sentences of article text, by rule: each line is a paragraph, split on terminal punctuation.

A full stop ends a sentence unless the word before it is an abbreviation or an initial. Some
abbreviations can also end a sentence ("Acme Inc.", "the U.S.", "3 p.m."): those end one only
when the next word is a common sentence opener ("...in the U.S. The plan...").
"""

from __future__ import annotations

import re

from newslake.transforms.tokens import fold_quotes

_OPENERS = "\"'“‘«([{"
# Terminal punctuation (with any closing quotes or brackets) between a word and the next word.
_CANDIDATE = re.compile(r"(?<!\S)(\S*?)([.?!…]+)([\"'”’»)\]]*)\s+(?=(\S+))")
_NEVER_FINAL = frozenset(
    """mr mrs ms messrs dr prof sen sens rep reps gov gen gens lt lieut col capt sgt cpl pfc pvt
    brig cmdr adm maj rev fr msgr hon pres supt det insp atty amb mt vs v e.g i.e cf approx
    viz""".split()
)
_BEFORE_NUMBER = frozenset(
    "no nos p pp fig vol ch art sec jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_MAYBE_FINAL = frozenset(
    "inc corp co ltd llc plc bros jr sr st ft etc al "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_INITIALS = re.compile(r"[A-Z]|[A-Za-z]{1,2}(?:\.[A-Za-z]{1,2})+")
_LIST_MARKER = re.compile(r"\(?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})\)?")
# Words that often open a sentence and seldom follow "U.S." or "Inc." inside one.
_STARTERS = frozenset(
    """a an the this that these those there it its he she they we i you his her their our
    my your but and or so yet in on at for as if when while after before since although though
    however meanwhile still also some many most other others such both each all not what why
    how who where last earlier later then now today yesterday one two three several
    according under over despite during until unlike like by from with without""".split()
)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, in order: each line is a paragraph; blank lines are skipped."""
    sentences: list[str] = []
    for line in text.splitlines():
        paragraph = line.strip()
        if paragraph:
            sentences.extend(_split_paragraph(paragraph))
    return sentences


def _split_paragraph(paragraph: str) -> list[str]:
    """The paragraph's sentences, as written; boundaries are read with quotes folded (the
    fold keeps offsets), so curly and straight quotes split alike."""
    sentences = []
    start = 0
    for match in _CANDIDATE.finditer(fold_quotes(paragraph)):
        word, punct, _, following = match.groups()
        if _ends_sentence(word, punct, following, match.start() == 0):
            sentences.append(paragraph[start : match.end(3)])
            start = match.end()
    sentences.append(paragraph[start:])
    return [s for s in sentences if s]


def _ends_sentence(word: str, punct: str, following: str, paragraph_start: bool) -> bool:
    head = following.lstrip(_OPENERS)
    if not head or not (head[0].isupper() or head[0].isdigit()):
        return False
    if "?" in punct or "!" in punct:
        return True
    if punct != "." or not word.strip("."):  # an ellipsis ("...", "…", ". . .") before a number
        return head[0].isupper()  # more likely goes on

    if paragraph_start and _LIST_MARKER.fullmatch(word):  # "1. Open the app"
        return False
    core = re.split(r"[-/]", word.lstrip(_OPENERS))[-1]  # "then-Gov.", "PeopleSoft/J.D."
    key = core.lower()
    if key in _NEVER_FINAL or (key in _BEFORE_NUMBER and head[0].isdigit()):
        return False
    if key in _MAYBE_FINAL or _INITIALS.fullmatch(core):
        return head.rstrip(".,;:!?\"'”’").lower() in _STARTERS
    return True
