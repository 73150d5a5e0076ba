"""Labelled syndication set B for benchmarks/dedup_quality.py: wire copies and noisy text.

Independent of the first set (the extraction-dev bodies and their edits): the stories are the
article texts trafilatura extracts from the pages of ../shared/corpus/dates-dev ($NEWSLAKE_SHARED
in place of ../shared; read at benchmark time, never copied; None when absent), and the copies
come from the generator below. Pages with under 150 or over 2,500 words or fewer than 3
paragraphs are left out, and so is a page that repeats an earlier one.

Copies, as wire services, aggregators and scanners make them:
- wire: a headline line and a rewritten lede (clauses turned round, a few words cut) behind an
  agency dateline, and the agency's sign-off line;
- trimmed: the story cut after 55-85% of its paragraphs;
- added: one or two background paragraphs added by the desk;
- boilerplate: an aggregator's notice above and a reader appeal below;
- typos: letters swapped, dropped, doubled or hit on a neighbouring key (4-9% of the words);
- ocr: scanner confusions (rn/m, l/1, O/0, e/c, cl/d ...), words hyphenated across line ends,
  spaces lost or gained;
- flattened: lower case, every punctuation mark stripped;
- one-line: the paragraphs reflowed into one line;
- reordered: sentences shuffled within paragraphs, one paragraph moved, and a sentence of
  another story inserted;
- mixed: two or three of the above at once.

Hard negatives, each on a pair of same-topic articles (most shared vocabulary):
- same-topic: the two articles and all their copies, which must form two stories;
- shared-quote: the second article with two sentences of the first quoted in it;
- shared-boilerplate: both articles under one outlet's identical header and footer blocks.
"""

from __future__ import annotations

import gzip
import os
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# ../shared beside the repository, or where NEWSLAKE_SHARED says (a worktree elsewhere).
SHARED = Path(os.environ.get("NEWSLAKE_SHARED") or Path(__file__).resolve().parents[2] / "shared")
CORPUS_B = SHARED / "corpus" / "dates-dev"
MIN_WORDS, MAX_WORDS, MIN_PARAGRAPHS = 150, 2500, 3
# Two corpus pages this close (word 3-gram Jaccard) would be one story: only the first is kept.
SAME_PAGE = 0.2


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled text: the story it tells (an article id) and how it was made."""

    story: str
    kind: str
    text: str


def load_articles(corpus: Path = CORPUS_B) -> dict[str, list[str]] | None:
    """Return article id -> paragraphs of each usable page's extracted text; None if absent."""
    pages = sorted((corpus / "html").glob("*.html.gz"))
    if not pages:
        return None
    import trafilatura  # the extraction is part of the set, not of newslake

    out: dict[str, list[str]] = {}
    grams: dict[str, set[tuple[str, ...]]] = {}
    for page in pages:
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        text = trafilatura.extract(html, include_comments=False, include_tables=False)
        if not text:
            continue
        paras = [" ".join(p.split()) for p in text.splitlines() if p.strip()]
        words = sum(len(p.split()) for p in paras)
        if len(paras) < MIN_PARAGRAPHS or not MIN_WORDS <= words <= MAX_WORDS:
            continue
        tokens = re.findall(r"\w+", " ".join(paras).casefold())
        mine = set(zip(tokens, tokens[1:], tokens[2:], strict=False))
        if any(len(mine & g) > SAME_PAGE * len(mine | g) for g in grams.values()):
            continue
        key = page.name.removesuffix(".html.gz")
        out[key], grams[key] = paras, mine
    return out


# --- the desk's and the aggregator's words (written for this set) ----------------------------

AGENCIES = ["Meridian Press", "Continental News Agency", "Atlas Wire", "Pacifica Newswire"]
PLACES = ["BRUSSELS", "NAIROBI", "MONTREAL", "OSAKA", "LIMA", "OSLO", "DENVER", "PERTH"]
SIGN_OFFS = [
    "Reporting by Ines Carvalho; additional reporting by Tom Haddad; editing by Ruth Mbeki",
    "Compiled by the {agency} desk. Contact the desk for corrections.",
    "({agency}) Writing by Piotr Nowak; Editing by Alicia Romero",
]
BACKGROUND = [
    "{agency} could not independently verify the figures, and officials did not respond to "
    "requests for comment outside office hours.",
    "The announcement comes at a sensitive time. Similar proposals have been debated for years "
    "without a decision, and critics say the timing owes more to politics than to need.",
    "Further details are expected to be released later this week, according to a person "
    "familiar with the matter who asked not to be named because the talks are private.",
    "Analysts contacted by {agency} said the move was widely expected and would have little "
    "immediate effect, though several warned that the longer-term costs remain unclear.",
]
NOTICES = [
    "This article is auto-generated from a syndicated {agency} feed; only the headline may have "
    "been edited by our staff.",
    "You are reading a story from our partner {agency}. Views expressed are the author's own.",
]
APPEALS = [
    "Independent journalism takes time and money. Support our newsroom with a subscription "
    "from one euro a week and read without limits on every device.",
    "Share this story with your friends and family. Download our app for breaking news alerts "
    "and follow our live coverage throughout the day.",
]
# One outlet's header and footer, identical under every story it runs.
OUTLET_BLOCKS = [
    (
        "The Lakeshore Courier | Local news since 1921 | Subscribe | Sign in | Today's paper | "
        "Weather: light rain, 14 degrees | Traffic and travel updates every fifteen minutes",
        "The Lakeshore Courier is published by Lakeshore Media Holdings. All content is "
        "protected by copyright and may not be reproduced, distributed, transmitted or cached "
        "without prior written permission. Our newsroom follows the press council's code of "
        "practice; to report an error or make a complaint, write to the readers' editor, who "
        "answers within five working days. Registered office: 40 Quay Road, Lakeshore.",
    ),
    (
        "Valley Morning Star newsletter: get the headlines that matter in your inbox every "
        "morning at six. Already a subscriber? Log in to manage your preferences and alerts.",
        "About us: the Valley Morning Star is a non-profit newsroom. We rely on donations from "
        "readers and grants from foundations, which have no say over our coverage. Read our "
        "ethics policy, our list of funders and our corrections log on the transparency page. "
        "Privacy settings | Cookie policy | Terms of use | Accessibility | Careers | Advertise",
    ),
]


# --- helpers ----------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


def sentences(paragraph: str) -> list[str]:
    """Return the paragraph's sentences (split after ., !, ? and their CJK forms)."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def _agency(rng: random.Random) -> str:
    return rng.choice(AGENCIES)


# --- copy edits -------------------------------------------------------------------------------


def wire(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """Headline, agency dateline and a rewritten lede (clauses turned, words cut); sign-off."""
    agency = _agency(rng)
    lede = sentences(paras[0]) or [paras[0]]
    first = lede[0]
    clauses = [c.strip() for c in first.rstrip(".!?").split(",") if c.strip()]
    if len(clauses) > 1:
        k = rng.randrange(1, len(clauses))
        clauses = clauses[k:] + clauses[:k]
    words = ", ".join(clauses).split()
    kept = [w for w in words if rng.random() > 0.15] or words
    rewritten = " ".join(kept) + "."
    headline = " ".join(first.split()[: rng.randint(6, 10)]).rstrip(",;:")
    dateline = f"{rng.choice(PLACES)}, {rng.randint(1, 28)} {rng.choice(['May', 'June'])} " + (
        f"({agency}) -"
    )
    body = [f"{dateline} {' '.join([rewritten, *lede[1:]])}", *paras[1:]]
    return [headline, *body, rng.choice(SIGN_OFFS).format(agency=agency)]


def trimmed(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """The first 55-85% of the paragraphs (at least two)."""
    keep = max(2, round(len(paras) * rng.uniform(0.55, 0.85)))
    return paras[:keep]


def added(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """One or two background paragraphs added by the desk, anywhere after the lede."""
    agency = _agency(rng)
    out = list(paras)
    for text in rng.sample(BACKGROUND, rng.randint(1, 2)):
        out.insert(rng.randint(1, len(out)), text.format(agency=agency))
    return out


def boilerplate(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """An aggregator's notice above the story and a reader appeal below it."""
    return [rng.choice(NOTICES).format(agency=_agency(rng)), *paras, rng.choice(APPEALS)]


_KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_NEIGHBOURS = {
    ch: row[max(0, i - 1) : i] + row[i + 1 : i + 2] for row in _KEYBOARD for i, ch in enumerate(row)
}


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(len(word) - 1)
    match rng.randrange(4):
        case 0:
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        case 1:
            return word[:i] + word[i + 1 :]
        case 2:
            return word[:i] + word[i] + word[i:]
        case _:
            near = _NEIGHBOURS.get(word[i].lower())
            return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def typos(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """4-9% of the words mistyped: a letter swapped, dropped, doubled or a neighbouring key."""
    rate = rng.uniform(0.04, 0.09)
    return [" ".join(_typo(rng, w) if rng.random() < rate else w for w in p.split()) for p in paras]


_OCR = [("rn", "m"), ("m", "rn"), ("l", "1"), ("i", "l"), ("O", "0"), ("e", "c"), ("c", "e")]
_OCR += [("cl", "d"), ("d", "cl"), ("h", "b"), ("fi", "ti"), ("S", "5"), ("B", "8")]


def _misread(rng: random.Random, word: str) -> str:
    options = [(a, b) for a, b in _OCR if a in word]
    if not options:
        return word
    a, b = rng.choice(options)
    starts = [m.start() for m in re.finditer(re.escape(a), word)]
    at = rng.choice(starts)
    return word[:at] + b + word[at + len(a) :]


def ocr(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """Scanner errors: look-alike characters, words hyphenated at line ends, spaces lost."""
    rate = rng.uniform(0.04, 0.08)
    out = []
    for p in paras:
        words = []
        for w in p.split():
            if rng.random() < rate:
                w = _misread(rng, w)
            if len(w) > 7 and rng.random() < 0.03:
                cut = rng.randrange(3, len(w) - 3)
                w = f"{w[:cut]}-\n{w[cut:]}"
            words.append(w)
        line = ""
        for w in words:
            gap = rng.random()
            line += w if not line else (w if gap < 0.01 else f"  {w}" if gap < 0.02 else f" {w}")
        out.append(line)
    return out


def _unpunctuated(text: str) -> str:
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


def flattened(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """Lower case with every punctuation mark (Unicode category P) stripped."""
    return [" ".join(_unpunctuated(p.lower()).split()) for p in paras]


def one_line(rng: random.Random, paras: list[str], _: Pool) -> list[str]:
    """The paragraphs reflowed into one line."""
    return [" ".join(paras)]


def reordered(rng: random.Random, paras: list[str], pool: Pool) -> list[str]:
    """Sentences shuffled within paragraphs, one paragraph moved, a foreign sentence inserted."""
    out = []
    for p in paras:
        sents = sentences(p)
        rng.shuffle(sents)
        out.append(" ".join(sents))
    if len(out) > 2:
        moved = out.pop(rng.randrange(1, len(out)))
        out.insert(rng.randrange(len(out) + 1), moved)
    i = rng.randrange(len(out))
    sents = sentences(out[i])
    sents.insert(rng.randint(0, len(sents)), pool.other_sentence(rng))
    out[i] = " ".join(sents)
    return out


def mixed(rng: random.Random, paras: list[str], pool: Pool) -> list[str]:
    """Two or three of the other edits, one after another."""
    out = paras
    for kind in rng.sample(SINGLE_KINDS, rng.randint(2, 3)):
        out = COPY_EDITS[kind](rng, out, pool)
    return out


Edit = Callable[[random.Random, list[str], "Pool"], list[str]]
COPY_EDITS: dict[str, Edit] = {
    "wire": wire,
    "trimmed": trimmed,
    "added": added,
    "boilerplate": boilerplate,
    "typos": typos,
    "ocr": ocr,
    "flattened": flattened,
    "one-line": one_line,
    "reordered": reordered,
}
# The edits `mixed` stacks, in random order: every kind but itself.
SINGLE_KINDS = list(COPY_EDITS)
COPY_EDITS["mixed"] = mixed


@dataclass(frozen=True, slots=True)
class Pool:
    """The set's articles, as sources of foreign sentences."""

    sentences: list[str]

    def other_sentence(self, rng: random.Random) -> str:
        """Return a sentence of some article (of another story, nearly always)."""
        return rng.choice(self.sentences)


# --- the set ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]{4,}")


def topic_partners(articles: dict[str, list[str]], ids: list[str]) -> list[tuple[str, str]]:
    """Return disjoint pairs of same-topic articles, closest first (greedy on shared words)."""
    words = {i: {w.casefold() for w in _WORD.findall(" ".join(articles[i]))} for i in ids}
    scored = sorted(
        (len(words[a] & words[b]) / min(len(words[a]), len(words[b])), a, b)
        for n, a in enumerate(ids)
        for b in ids[n + 1 :]
    )
    taken: set[str] = set()
    pairs = []
    for _, a, b in reversed(scored):
        if a not in taken and b not in taken:
            pairs.append((a, b))
            taken |= {a, b}
    return pairs[: len(ids) // 4]


def build(
    articles: dict[str, list[str]], ids: list[str], rng: random.Random
) -> tuple[list[Item], list[tuple[str, str]]]:
    """Return the originals of `ids`, 4-7 copies of each and the hard negatives among them,
    and the same-topic pairs (each two stories that must stay apart)."""
    pool = Pool([s for i in ids for p in articles[i] for s in sentences(p) if len(s) > 40])
    items = []
    for story in ids:
        paras = articles[story]
        items.append(Item(story, "original", "\n\n".join(paras)))
        for kind in rng.sample(sorted(COPY_EDITS), rng.randint(4, 7)):
            items.append(Item(story, kind, "\n\n".join(COPY_EDITS[kind](rng, paras, pool))))
    pairs = topic_partners(articles, ids)
    for a, b in pairs:
        quoted = [s for p in articles[a] for s in sentences(p) if len(s) > 40]
        if quoted:
            start = rng.randrange(len(quoted))
            passage = " ".join(quoted[start : start + 2])
            paras = list(articles[b])
            paras.insert(rng.randint(1, len(paras)), f"“{passage}”, the report said.")
            items.append(Item(b, "shared-quote", "\n\n".join(paras)))
        header, footer = rng.choice(OUTLET_BLOCKS)
        for story in (a, b):
            text = "\n\n".join([header, *articles[story], footer])
            items.append(Item(story, "shared-boilerplate", text))
    return items, pairs
