"""Page furniture at the edges of an article body: header and footer lines that are not prose."""

from __future__ import annotations

import re

from newslake.transforms.tokens import fingerprint_text, word_count

_SENTENCE_END = re.compile(r"""[.!?。！？…]["'”’»)\]]*$""")
_STOP = re.compile(r"[.!?。！？…]")
_LONG_LINE_WORDS = 12  # a line this long is a run of text, longer than most headlines and links
_MIN_LONG_LINES = 3
_NAME = re.compile(r"^(?:[A-Z][\w'’.-]+\s){1,3}[A-Z][\w'’.-]+$")
_MIN_DEK_WORDS = 8
_TITLE_ZONE = 3  # a headline repeat sits above the lede, or under a lead photo or video


def is_prose(paragraph: str) -> bool:
    """True for a paragraph that reads as running text: a sentence, or long enough to be one."""
    words = len(paragraph.split())
    if words < 30:  # few spaces: maybe CJK, where words are not space-separated
        words = word_count(paragraph)
    return (bool(_SENTENCE_END.search(paragraph)) and words >= 6) or words >= 30


def has_running_text(paragraphs: list[str]) -> bool:
    """True when the paragraphs hold running text rather than only short lines.

    Any prose paragraph will do. A text with no sentence-ending mark anywhere (a syndicated
    copy with its punctuation stripped) is judged as a whole instead: most of its words must
    sit in lines long for lines, so a list of links or menu items still reads as short lines.
    """
    if any(map(is_prose, paragraphs)):
        return True
    if any(_STOP.search(p) for p in paragraphs):
        return False
    counts = [len(line.split()) for p in paragraphs for line in p.splitlines()]
    long_lines = [n for n in counts if n >= _LONG_LINE_WORDS]
    return len(long_lines) >= _MIN_LONG_LINES and 2 * sum(long_lines) > sum(counts)


def trim_edges(paragraphs: list[str]) -> list[str]:
    """Paragraphs without the short non-prose lines before the first and after the last prose.

    Keeps a standfirst (a longer lead line) before the body; drops bylines, counters,
    labels, tag lists and an author bio ('Jane Doe' followed by 'Jane Doe joined ...').
    """
    prose = [i for i, p in enumerate(paragraphs) if is_prose(p)]
    if not prose:
        return paragraphs
    first, last = prose[0], prose[-1]
    head = [p for p in paragraphs[:first] if len(p.split()) >= _MIN_DEK_WORDS]
    body = paragraphs[first : last + 1]
    if len(body) >= 3 and _NAME.match(body[-2]) and body[-1].startswith(body[-2]):
        body = body[:-2]
    return head + body


def drop_title_repeat(paragraphs: list[str], *titles: str | None) -> list[str]:
    """Paragraphs without repeats of the headline near the top (extractors often keep the <h1>).

    Any of `titles` counts: the page may show a headline worded unlike its <title> tag.
    """
    keys = {_title_key(t) for t in titles if t and _title_key(t)}
    head = [p for p in paragraphs[:_TITLE_ZONE] if _title_key(p) not in keys]
    return head + paragraphs[_TITLE_ZONE:]


def _title_key(text: str) -> str:
    """Casefolded words only: quotes, dashes and spacing differ between headline copies."""
    return fingerprint_text(text)
