"""Which sentences state claims: rule-based, with the deciding rule named so it can be audited.

A claim is a factual statement with a subject and a finite verb. Rules that drop a sentence are
tried first, in the order of DROP_RULES; a sentence that survives is kept under the first of
KEEP_RULES that fits (a figure, an attribution, a comparison, a date) or else as a statement.
Verbs are found without a tagger: auxiliaries, modals and copulas; reporting verbs; common
irregular past forms; and -ed or -s words placed the way verbs are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from newslake.transforms.claims.attribution import REPORTING_VERBS, attributed_to
from newslake.transforms.claims.quantities import DATE, Quantity, find_quantities
from newslake.transforms.claims.sentences import split_sentences
from newslake.transforms.tokens import fold_chars, lower_like_ignorecase

# Rules that keep a sentence.
FIGURE = "figure"  # a money amount, percentage, ratio or count
COMPARISON = "comparison"  # "more than", "compared with", "outperforms"
DATED = "date"  # a date or a weekday, "last week"
ATTRIBUTION = "attribution"  # "said", "according to"
STATEMENT = "statement"  # any other declarative sentence
KEEP_RULES = (FIGURE, ATTRIBUTION, COMPARISON, DATED, STATEMENT)
# Rules that drop a sentence, in the order they are tried.
BOILERPLATE = "boilerplate"  # subscribe, share, cookie, newsletter, photo credit prompts
QUESTION = "question"
LIST_FRAGMENT = "list_fragment"  # a bullet or numbered item that is no sentence, "...:" leads
HEADLINE = "headline"  # unpunctuated title-case line, or "...: expert"
TOO_SHORT = "too_short"  # fewer than MIN_WORDS words
TOO_LONG = "too_long"  # more than MAX_WORDS words
NO_VERB = "no_verb"  # no finite verb: captions, datelines, bylines, labels
IMPERATIVE = "imperative"  # "Read the full report", "Don't miss"
CHATTER = "first_person_chatter"  # "I think...", "you know", with no figure or attribution
DROP_RULES = (
    BOILERPLATE,
    QUESTION,
    LIST_FRAGMENT,
    HEADLINE,
    TOO_SHORT,
    TOO_LONG,
    NO_VERB,
    IMPERATIVE,
    CHATTER,
)
MIN_WORDS = 6
MAX_WORDS = 60


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a sentence is kept as a claim, and the rule (a KEEP_RULES or DROP_RULES value)
    that decided."""

    keep: bool
    rule: str
    # The figures and dates found in the sentence (with its characters folded), if looked for,
    # and, for a kept sentence, the source it is attributed to.
    quantities: tuple[Quantity, ...] = field(default=(), compare=False)
    source: str | None = field(default=None, compare=False)


# Boilerplate that opens a sentence: prompts and credit labels.
_BOILERPLATE_LEAD = re.compile(
    r"""\W*(?:(?:please\s+)?(?:subscribe|sign\s+(?:up|in)|log\s+in|register|click|tap|share
    |follow\s+us|download|read\s+(?:more|also|next|the\s+full)|also\s+read|see\s+also|watch
    |listen|related|recommended|advertisement|sponsored|continue\s+reading)\b
    |(?:photo|image|video|picture|graphic|source|credit|file\s+photo|caption)s?\s*:)""",
    re.IGNORECASE | re.VERBOSE,
)
# Boilerplate anywhere in a sentence; every branch holds one of _BOILERPLATE_WORDS.
_BOILERPLATE_ANYWHERE = re.compile(
    r"""\b(?:subscribe\s+(?:to|now|today|for)|sign\s+up\s+(?:for|to|now|here|today)
    |(?:our|the|this|free|daily|weekly)\s+newsletters?|click\s+(?:here|the\s+link|below)
    |(?:share|post)\s+(?:this|on\s+(?:facebook|twitter|x|whatsapp|linkedin))|follow\s+us
    |all\s+rights\s+reserved|privacy\s+policy|terms\s+of\s+(?:use|service)|cookies?
    |(?:your|this)\s+browser|javascript|e-?mail\s+address|unlock\s+(?:this|full)
    |why\s+you\s+can\s+trust|reading\s+time|this\s+(?:article|story)\s+(?:was|is|has\s+been
    |first)\s+(?:first\s+)?(?:published|appeared|updated|produced))\b|©""",
    re.IGNORECASE | re.VERBOSE,
)
# Substring tests (on lower_like_ignorecase text) rule the pattern out many times faster.
_BOILERPLATE_WORDS = (
    "subscribe", "sign", "newsletter", "click", "share", "post", "follow", "rights", "privacy",
    "terms", "cookie", "browser", "javascript", "mail", "unlock", "trust", "reading",
    "published", "appeared", "updated", "produced", "©",
)  # fmt: skip
_LIST_MARKER = re.compile(r"^\s*(?:[•▪►◦·*–—-]|\(?(?:\d{1,2}|[a-zA-Z])[.)])\s+")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")
_FINITE = frozenset(
    """is are was were am has have had will would can could may might shall should must does
    do did isn't aren't wasn't weren't hasn't haven't hadn't won't wouldn't can't cannot
    couldn't shouldn't mustn't doesn't don't didn't it's that's there's he's she's they're
    we're i'm i've we've they've you're""".split()
)
_IRREGULAR_PAST = frozenset(
    """made took gave said told went came saw found got became began brought bought built sold
    paid spent rose fell grew won lost led left held kept met ran set put cut hit let thought
    knew showed shown sent struck stood wrote beat chose drew drove flew hung laid lay meant
    overtook quit rode rang sank shook shot shut sang sat slid spoke spun stole stuck swept
    swung taught tore threw understood withdrew forecast bet cost""".split()
)
_NOT_VERBS = frozenset(
    """need speed seed feed bed red hundred indeed breed greed creed united limited
    related based detailed skilled aged naked sacred wicked""".split()
)
# Words that do not precede a verb as its subject.
_NON_SUBJECTS = frozenset(
    """the a an of in on at by for with from to into than as very more most less least highly
    well newly so too and or but its their his her our your my these those some many such
    every each any no""".split()
)
# Words that start an object or complement ("the panels outline the", "results appear in").
_FUNCTION_WORDS = frozenset(
    """the a an in on at to that its their his her this these those up down out with for from
    by into over no more""".split()
)
_GRAMMAR_WORDS = _FUNCTION_WORDS | _NON_SUBJECTS
_ADVERBS = frozenset("also still now often already just even actually never always".split())
_PERSONAL = frozenset("i we you they".split())
_CONTRACTIONS = ("'ll", "'re", "'ve", "'m", "n't")
_IMPERATIVES = frozenset(
    """see read click tap watch listen learn find get try check explore discover imagine
    consider note remember make take let let's don't do please visit join follow share
    download sign subscribe enter go stay keep call contact email send look meet buy save
    start use register view""".split()
)
_CHATTER = re.compile(
    r"\b(?:i|we)\s+(?:\w+\s+){0,2}(?:think|believe|guess|mean|feel|suppose|hope|reckon|know"
    r"|recognize|recognise|worry|have\s+to)\b|\byou\s+know\b|\bsort\s+of\b|\bi\s+mean\b"
    r"|^\W*(?:so|well|yeah|yes|okay|ok|right)\s*,",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"""\b(?!(?:rather|other)\b)\w+er\s+than\b|\b(?:more|less|fewer|better|worse)\s+than\b
    |\bcompared\s+(?:with|to)\b|\bcomparable\s+to\b|\bon\s+par\s+with\b|\bas\s+\w+\s+as\b|\b(?:outperform|outpac|outstrip|surpass|exceed|overtak|rival
    |trail|lag)\w*|\b(?:up|down)\s+from\b|\bversus\b|\bvs\.?\s|\bthe\s+(?:largest|biggest
    |highest|lowest|fastest|cheapest|most|least|best|worst)\b|\bfraction\s+of\b""",
    re.IGNORECASE | re.VERBOSE,
)
_TIME = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today"
    r"|tomorrow)\b|\b(?:last|next|this|earlier\s+this|later\s+this)\s+(?:week|month|year"
    r"|quarter|weekend|spring|summer|autumn|fall|winter)\b",
    re.IGNORECASE,
)
_VERBS = "|".join(sorted(REPORTING_VERBS - {"according to"}, key=len, reverse=True))
_PRONOUN_REPORT = re.compile(rf"\b(?:he|she|they|we|i|it)\s+(?:\w+\s+)?(?:{_VERBS})\b", re.I)
_ANY_YEAR = 2000  # dates without a year count as dates here; only their kind matters


def judge_sentence(sentence: str, year_hint: int | None = None) -> Verdict:
    """Keep or drop one sentence as a claim, naming the rule that decided; `year_hint` dates
    the figures the verdict carries (a date without a year counts as a date either way)."""
    text = fold_chars(sentence).strip()
    words = _WORD.findall(text)
    drop = _drop_rule(text, words)
    if drop:
        return Verdict(False, drop)
    found = tuple(find_quantities(text, year_hint=year_hint or _ANY_YEAR))
    source = attributed_to(text)
    if any(q.kind != DATE for q in found):
        return Verdict(True, FIGURE, found, source)
    attributed = bool(source or _PRONOUN_REPORT.search(text))
    if _CHATTER.search(text) and not attributed:
        return Verdict(False, CHATTER, found)
    if attributed:
        return Verdict(True, ATTRIBUTION, found, source)
    if _COMPARISON.search(text):
        return Verdict(True, COMPARISON, found, source)
    if found or _TIME.search(text):
        return Verdict(True, DATED, found, source)
    return Verdict(True, STATEMENT, found, source)


def claim_sentences(text: str, year_hint: int | None = None) -> list[tuple[int, str, Verdict]]:
    """(index, sentence, verdict) for every sentence of an article, kept or not, for audit."""
    return [(i, s, judge_sentence(s, year_hint)) for i, s in enumerate(split_sentences(text))]


def kept_claims(text: str) -> list[str]:
    """The sentences of an article that are kept as claims, in order."""
    return [sentence for _, sentence, verdict in claim_sentences(text) if verdict.keep]


def _drop_rule(text: str, words: list[str]) -> str | None:
    if _is_boilerplate(text):
        return BOILERPLATE
    if text.rstrip("\"'”’)] ").endswith("?"):
        return QUESTION
    terminated = bool(_TERMINAL.search(text))
    if text.endswith((":", ";", ",")) or (_LIST_MARKER.match(text) and not terminated):
        return LIST_FRAGMENT
    if not terminated and _headline(text, words):
        return HEADLINE
    if len(words) < MIN_WORDS:
        return TOO_SHORT
    if len(words) > MAX_WORDS:
        return TOO_LONG
    body = _LIST_MARKER.sub("", text)
    tokens = _WORD.findall(body)
    if not _has_finite_verb(tokens):
        return NO_VERB
    first = tokens[0].lower()
    if first in _IMPERATIVES and tokens[0][0].isupper() and tokens[1].lower() != "of":
        return IMPERATIVE
    return None


def _is_boilerplate(text: str) -> bool:
    if _BOILERPLATE_LEAD.match(text):
        return True
    lowered = lower_like_ignorecase(text)
    return any(w in lowered for w in _BOILERPLATE_WORDS) and bool(
        _BOILERPLATE_ANYWHERE.search(text)
    )


def _headline(text: str, words: list[str]) -> bool:
    """An unpunctuated line set as a title: most long words capitalised, or a "...: expert"."""
    if re.search(r":\s*\w+$", text):
        return True
    long_words = [w for w in words if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in long_words)
    return len(long_words) >= 2 and capitalised / len(long_words) >= 0.6


def _has_finite_verb(tokens: list[str]) -> bool:
    lowered = [t.lower().replace("’", "'") for t in tokens]
    for index, (token, lower) in enumerate(zip(tokens, lowered, strict=True)):
        closed = lower in _FINITE or lower in _IRREGULAR_PAST or lower in REPORTING_VERBS
        if (closed and (token != "May" or index == 0)) or lower.endswith(_CONTRACTIONS):
            return True  # May the month is no verb
        if index == 0 or not lower.isalpha():
            continue
        before = _subject_index(lowered, index)
        subject = lowered[before]
        if subject in _PERSONAL:  # "I think", "they argue"
            return True
        suffixed = len(lower) > 3 and (
            (lower.endswith("ed") and lower not in _NOT_VERBS)
            or (lower.endswith("s") and not lower.endswith(("ss", "us", "is", "'s")))
        )
        if suffixed and subject not in _NON_SUBJECTS and not subject.endswith("ly"):
            return True
        # A plural or named subject, a plain word, then an object: "the panels outline the",
        # "Kerry Kennedy Cuomo plan to".
        following = lowered[index + 1] if index + 1 < len(lowered) else ""
        plural = len(subject) > 3 and subject.endswith("s") and not subject.endswith(("ss", "'s"))
        named = tokens[before][0].isupper() and before > 0
        plain = token[0].islower() and lower not in _GRAMMAR_WORDS
        if (plural or named) and plain and following in _FUNCTION_WORDS:
            return True
    return False


def _subject_index(lowered: list[str], index: int) -> int:
    """The index of the word before `index`, past any adverbs ("DeepSeek really shows")."""
    index -= 1
    while index > 0 and (lowered[index].endswith("ly") or lowered[index] in _ADVERBS):
        index -= 1
    return index


_QUOTES_AND_DASHES = str.maketrans(
    {'"': None, "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-"}
)
# "..., according to X." or "..., X said on Monday." or "..., said X, a spokesman." (but not
# "..., and analysts said the rally would continue.": no clause may follow the verb).
_ATTRIBUTION_TAIL = re.compile(
    r"(?:,|\s+-+|\s)\s*\(?according\s+to\s+[^,]+(?:,\s*(?:an?|the|who|chief|former|senior)\b"
    r"[^,]*)?\)?\s*[.!]?\s*$"
    rf"|,\s*(?:(?:[\w.'-]+\s+){{1,4}}(?:{_VERBS})\b|(?:{_VERBS})\s+)"
    r"(?:(?!\b(?:that|would|will|is|was|are|were|has|had|have|could|can|may)\b)[^,]){0,60}"
    r"(?:,[^,]*)?[.!]?\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_HEAD = re.compile(r"^according\s+to\s+[^,]+,\s*", re.IGNORECASE)
_SCALE_SUFFIX = re.compile(r"(\d)\s?(bn|mn|m|k)\b", re.IGNORECASE)
_SCALES = {"bn": " billion", "mn": " million", "m": " million", "k": " thousand"}
_US_DOLLAR = re.compile(r"\b(?:us|u\.s\.)\$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|dozen)\b"
)


def normalise_claim(sentence: str) -> str:
    """A sentence folded for matching claims across outlets: lower case, no accents or curly
    quotes, numbers as "<num>", whitespace collapsed, and no "..., said X" or "according to X"
    tail."""
    text = fold_chars(sentence).translate(_QUOTES_AND_DASHES).strip()
    text = _ATTRIBUTION_HEAD.sub("", _ATTRIBUTION_TAIL.sub("", text))
    text = text.lower()
    if not text.isascii():  # accents off (ASCII text has none)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = _SCALE_SUFFIX.sub(lambda m: m.group(1) + _SCALES[m.group(2).lower()], text)
    text = _US_DOLLAR.sub("$", text)
    text = _NUMBER_WORDS.sub("<num>", _NUMBER.sub("<num>", text))
    return " ".join(text.rstrip(" .!").split())
