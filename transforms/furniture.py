"""Page furniture: lines that are ads, credits, bylines, cross-links or calls to action.

Rules recognise categories of furniture by structure and small multilingual vocabularies,
never by a list of exact strings. The vocabularies are data, furniture.toml next to this
module, read once at import. Pure otherwise: no clock, environment or network access.
"""

import itertools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from newslake.transforms.tokens import fold_chars, fold_quotes, tidy_spaces

# ---------------------------------------------------------------------------------------------
# Vocabulary matching works on an accent-free casefolded form so that 'Lee tambien', 'LEE
# TAMBIÉN' and 'Lee también' are one key; apostrophes and hyphens split words ('abonnez-vous').


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold_words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[^\W_]+", _fold(text)))


def vocabulary(*phrases: str) -> frozenset[str]:
    return frozenset(" ".join(fold_words(p)) for p in phrases)


def _word_lists() -> dict[str, list[str]]:
    """The rules' vocabularies by name, as furniture.toml (shipped with the package) lists them."""
    text = (resources.files("newslake.transforms") / "furniture.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


_WORDS = _word_lists()


def _alternation(keys: Iterable[str]) -> str:
    """Regex alternation matching any key, tolerant of punctuation between its words."""
    ordered = sorted(keys, key=len, reverse=True)
    return "|".join(r"[\W_]+".join(map(re.escape, key.split())) for key in ordered)


_DECOR_EXTRA = frozenset("\u2022\u00b7*\u2023\u25e6\u2043\u203b|_~")
_NOT_DECOR = frozenset("\u00a9\u00ae\u24d2")
_QUOTE_CHARS = frozenset('"\u00ab\u00bb\u300c\u300d')
_CLOSERS = "\"')]}\u00bb\u203a\u300d\u300f\u3011 "


def _is_decor(ch: str) -> bool:
    if ch in _NOT_DECOR:
        return False
    return ch in _DECOR_EXTRA or unicodedata.category(ch) in {
        "So",
        "Sk",
        "Sm",
        "Pd",
        "Cf",
        "Mn",
        "Zs",
        "Cc",
        "Co",
        "Cn",
    }


def _strip_decor(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_decor(text[start]):
        start += 1
    while end > start and _is_decor(text[end - 1]):
        end -= 1
    return text[start:end].strip()


def terminal_punctuation(core: str) -> str:
    """Sentence-final mark of a line ('' when none); an ellipsis signals a teaser, not an end."""
    tail = core.rstrip(_CLOSERS)
    if tail.endswith(("...", "\u2026")):
        return ""
    for mark, canonical in (
        (".", "."),
        ("!", "!"),
        ("?", "?"),
        ("\u3002", "."),
        ("\uff01", "!"),
        ("\uff1f", "?"),
    ):
        if tail.endswith(mark):
            return canonical
    return ""


@dataclass(frozen=True, slots=True)
class _LineView:
    """One whitespace-normalised line plus the derived forms every furniture rule needs."""

    text: str
    core: str
    words: tuple[str, ...]
    terminal: str

    @property
    def joined(self) -> str:
        return " ".join(self.words)


def _view(text: str) -> _LineView:
    core = _strip_decor(text)
    return _LineView(
        text=text, core=core, words=fold_words(core), terminal=terminal_punctuation(core)
    )


# Unrendered CMS shortcodes ('[button link="..."]Send us your review[/button]'): an opening tag
# needs an attribute and a closing tag its opener, so '[1]', '[sic]' and '[VIDEO]' stay.
_SHORTCODE = re.compile(
    r"""\[([a-z][\w-]*)(?:\s+[\w-]+=(?:"[^"]*"|'[^']*'|[^\s\]]+))+\s*/?\](.*?)(?:\[/\1\]|$)"""
)


def _strip_shortcodes(line: str) -> str:
    """The line without shortcode tags; their attributes may be in curly quotes, so the tags
    are found in the quote-folded line and cut from the line itself (offsets agree)."""
    if "=" not in line:
        return line
    pieces, end = [], 0
    for match in _SHORTCODE.finditer(fold_quotes(line)):
        pieces += [line[end : match.start()], line[match.start(2) : match.end(2)]]
        end = match.end()
    return "".join(pieces) + line[end:] if pieces else line


def normalise_line(line: str) -> str:
    """The line as stored: spaces tidied, shortcodes cut, the page's characters otherwise kept."""
    return re.sub(r" {2,}", " ", _strip_shortcodes(tidy_spaces(line))).strip()


# --- label-only lines: every word is furniture vocabulary and at least one is an anchor ------

_LABEL_ANCHORS = vocabulary(*_WORDS["label_anchors"])
_LABEL_FILLER = vocabulary(*_WORDS["label_filler"])
_LABEL_VOCAB = _LABEL_ANCHORS | _LABEL_FILLER


def _is_label_only(v: _LineView) -> bool:
    if not v.words or len(v.words) > 8 or v.terminal in {".", "?"}:
        return False
    known = all(w in _LABEL_VOCAB or w.isdigit() for w in v.words)
    return known and any(w in _LABEL_ANCHORS for w in v.words)


# --- structural junk -------------------------------------------------------------------------


def _is_decoration(v: _LineView) -> bool:
    return not any(ch.isalnum() for ch in v.text)


def _is_tag_list(v: _LineView) -> bool:
    parts = v.text.split()
    tags = [p for p in parts if p[0] in "#@" and any(ch.isalnum() for ch in p)]
    rest = [p for p in parts if p not in tags]
    return bool(tags) and not any(ch.isalnum() for p in rest for ch in p)


_HOME_WORDS = vocabulary(*_WORDS["home_words"])


def _is_breadcrumb(v: _LineView) -> bool:
    # French guillemets are spaced ('\u00ab Oui \u00bb'), so \u00bb only separates without them.
    seps = r"\u203a|>|/|\u2192" if "\u00ab" in v.text else r"\u203a|\u00bb|>|/|\u2192"
    parts = re.split(rf"\s(?:{seps})\s", v.core)
    if len(parts) < 2 or v.terminal:
        return False
    sizes = [len(fold_words(p)) for p in parts]
    if min(sizes) == 0 or max(sizes) > 4:
        return False
    return " ".join(fold_words(parts[0])) in _HOME_WORDS or len(parts) >= 3


# --- reading time ----------------------------------------------------------------------------

_READ_LABELS = _alternation(vocabulary(*_WORDS["read_labels"]))
_READ_SUFFIX = (
    r"(?:read|reading|read time|reading time|de lectura|lectura|de lecture|lecture|lesezeit"
    r"|lesedauer|lesen|di lettura|de leitura|leestijd)"
)
_UNIT = r"(?:mins?|minutes?|minuten?|minutos?|minuti|m)"
_APPROX = (
    r"(?:about|approx|approximately|around|ca|circa|etwa|rund|environ|env|aprox|aproximadamente"
    r"|unos|less than|under|menos de|moins de|weniger als)"
)
_NUM = r"\d+(?: \d+)?"
_READING_TIME_RE = re.compile(
    rf"^(?:{_READ_LABELS})(?: (?:de|of|d|von))?(?: {_APPROX})? {_NUM} {_UNIT}(?: {_READ_SUFFIX})?$"
    rf"|^(?:{_APPROX} )?{_NUM} {_UNIT} {_READ_SUFFIX}$"
    rf"|^(?:read|lesen|leer|lire) (?:in|en) {_NUM} {_UNIT}$"
)


def _is_reading_time(v: _LineView) -> bool:
    return len(v.words) <= 10 and bool(_READING_TIME_RE.match(v.joined))


# --- credits ---------------------------------------------------------------------------------

_VISUAL_PREFIXES = vocabulary(*_WORDS["visual_prefixes"])
_SOURCE_PREFIXES = vocabulary(*_WORDS["source_prefixes"])
_CREDIT_QUALIFIER = r"(?:\s+(?:credit|credits|courtesy|source))?"
_PUNCT_SEP = r"\s*(?:[:\uff1a]|\.\.\.|\u2026|[\u2013\u2014/]|\s-\s)"
_WORD_SEP = r"\s+(?:by|de|par|von|por|courtesy of|cortesía de)\s+"
_CREDIT_PUNCT_RE = re.compile(
    rf"^(?:{_alternation(_VISUAL_PREFIXES | _SOURCE_PREFIXES)}){_CREDIT_QUALIFIER}{_PUNCT_SEP}"
)
_CREDIT_WORD_RE = re.compile(
    rf"^(?:{_alternation(_VISUAL_PREFIXES)}){_CREDIT_QUALIFIER}{_WORD_SEP}"
)

AGENCIES = vocabulary(*_WORDS["agencies"])
_CREDIT_FILLER = vocabulary(*_WORDS["credit_filler"])


def _credit_prefix(core: str) -> re.Match[str] | None:
    folded = _fold(core)
    return _CREDIT_PUNCT_RE.match(folded) or _CREDIT_WORD_RE.match(folded)


def _is_labelled_credit(v: _LineView) -> bool:
    folded = _fold(v.core)
    punct = _CREDIT_PUNCT_RE.match(folded)
    match = punct or _CREDIT_WORD_RE.match(folded)
    if match is None:
        return False
    rest = fold_words(folded[match.end() :])
    if not rest or len(rest) > 12 or v.terminal in {"?", "!"}:
        return False
    # 'Foto de familia de la cumbre.' is a caption sentence, 'Photo: Reuters.' is a credit.
    return not v.terminal or (punct is not None and len(rest) <= 6)


def _is_bracketed_credit(v: _LineView) -> bool:
    core = v.core
    if len(core) < 3 or core[0] not in "([" or core[-1] not in ")]":
        return False
    inner = core[1:-1].strip()
    words = fold_words(inner)
    if not words or len(words) > 15:
        return False
    if _credit_prefix(inner):
        return True
    if not set(words) & AGENCIES:
        return False
    return "/" in inner or len(words) <= 3 or bool(set(words) & _CREDIT_FILLER)


_TRAILING_CREDIT_RE = re.compile(
    rf"[.!?]\s+(?:{_alternation(_VISUAL_PREFIXES | _SOURCE_PREFIXES)}){_CREDIT_QUALIFIER}"
    rf"{_PUNCT_SEP}\s*[^.!?]{{1,60}}$"
)


def _is_captioned_credit(v: _LineView) -> bool:
    """A caption sentence closed by its credit: 'The mayor at the rally. Photo: Reuters'."""
    return len(v.words) <= 30 and bool(_TRAILING_CREDIT_RE.search(_fold(v.core)))


def _is_agency_credit(v: _LineView) -> bool:
    if v.terminal or not v.words or len(v.words) > 10 or not set(v.words) & AGENCIES:
        return False
    if re.search(r"[^\W_]\s?/\s?[^\W_]", v.core) or " via " in f" {v.joined} ":
        return True
    return all(w in AGENCIES or w in _CREDIT_FILLER for w in v.words)


# --- copyright and syndication notices -------------------------------------------------------

_COPYRIGHT_START = re.compile(
    r"^(?:\u00a9|\u24d2|\(c\)\s|copyright\s*(?:\u00a9|\(c\)|(?:19|20)\d\d\b|by\b))"
)
# Reported-speech verbs: a line quoting someone is article prose whatever else it contains.
_ATTRIBUTION = vocabulary(*_WORDS["attribution"])


def _is_attributed(v: _LineView) -> bool:
    return not _ATTRIBUTION.isdisjoint(v.words)


_RIGHTS_PHRASES = vocabulary(*_WORDS["rights_phrases"])


def _is_copyright(v: _LineView) -> bool:
    if len(v.words) > 30:
        return False
    if _COPYRIGHT_START.match(_fold(v.core)) and len(v.words) <= 25:
        return True
    # The notice closes a footer ('(c) X. All rights reserved.') or stands alone.
    if any(v.joined.endswith(phrase) for phrase in _RIGHTS_PHRASES):
        return True
    return any(v.joined.startswith(p) for p in _RIGHTS_PHRASES) and not _is_attributed(v)


_SYNDICATION_RES = tuple(
    re.compile(pattern)
    for pattern in (
        # English: 'This article originally appeared on ...', 'A version of this story ...'
        r"^(?:this|a version of this) (?:article|story|piece|post|report|column|interview|essay"
        r"|content|commentary|op ed)\b.*\b(?:(?:originally|first|initially|previously) "
        r"(?:appeared|published|ran|posted)|(?:was|were|is|has been) (?:originally |first "
        r"|initially )?(?:published|republished|reproduced|syndicated|produced|reprinted) "
        r"(?:by|on|in|at|with|from|as|under)|appear(?:s|ed) in print|is (?:more than|over) "
        r"\w+ (?:years?|months?) old|appeared (?:on|in|at))",
        r"^(?:originally|first) (?:published|appeared|posted) (?:on|in|at|by)\b",
        r"^republished (?:with permission|from|by|under)\b",
        # Spanish
        r"^(?:este|esta) (?:articulo|nota|reportaje|texto|contenido|historia|columna|entrevista)"
        r"\b.*\b(?:(?:fue|ha sido) (?:publicad[oa]|reproducid[oa])|publicad[oa] (?:originalmente"
        r"|por primera vez|inicialmente)|se publico (?:originalmente|primero|en))",
        r"^publicad[oa] originalmente (?:en|por)\b",
        # French
        r"^(?:cet|cette|ce|l) (?:article|texte|contenu|chronique|entretien|tribune|papier)\b.*"
        r"\b(?:(?:a ete|est) (?:initialement |d abord |originellement )?(?:publie|paru)e?"
        r"|est paru|publiee? (?:initialement|a l origine|pour la premiere fois))",
        r"^(?:initialement|originellement|d abord) (?:publie|paru)e? (?:dans|sur|par|le)\b",
        # German
        r"^(?:dieser|diese|der|die) (?:artikel|beitrag|text|bericht|kommentar|gastbeitrag"
        r"|interview)\b.*\b(?:erschien (?:zuerst|ursprunglich|erstmals|bereits|in|im|bei|auf)"
        r"|(?:zuerst|ursprunglich|erstmals) (?:erschienen|veroffentlicht))",
        r"^(?:zuerst|erstmals|ursprunglich) (?:erschienen|veroffentlicht) (?:bei|in|auf|im)\b",
    )
)


def _is_syndication_note(v: _LineView) -> bool:
    return len(v.words) <= 40 and any(p.search(v.joined) for p in _SYNDICATION_RES)


# --- contributor credits and bylines ---------------------------------------------------------

_CONTRIBUTOR_RE = re.compile(
    r"^(?:additional |further )?(?:reporting|writing|editing|research|fact checking|production"
    r"|translation|translated|compiled|graphics|design|photography|illustrations?|reporte"
    r"|reportaje|redaccion|edicion|editado|traduccion|traducido|escrito|recherche|redaction"
    r"|edition|traduction|mitarbeit|redaktion|ubersetzung|bearbeitung|mit material)"
    r"(?: [^\W\d_]+){0,3}? (?:by|por|par|von|de)$"
)
_CONTRIBUTED_RE = re.compile(
    r"\bcontributed (?:to )?(?:this|the) (?:report|story|article)\b|\bcontributed reporting\b"
    r"|\bcontribuyo a (?:este|esta) (?:informacion|articulo|nota|reportaje)\b"
    r"|\ba contribue a (?:cet|cette) (?:article|information|depeche)\b"
)


def _first_word_after(core: str, count: int) -> str:
    original = re.findall(r"[^\W_]+", core)
    return original[count] if len(original) > count else ""


def _is_contributor_credit(v: _LineView) -> bool:
    if len(v.words) > 45 or v.terminal in {"?", "!"}:
        return False
    if len(v.words) <= 30 and _CONTRIBUTED_RE.search(v.joined):
        return True
    for size in range(2, 7):
        if _CONTRIBUTOR_RE.match(" ".join(v.words[:size])):
            # 'Reporting by the agency found ...' is prose; credits name people or agencies.
            name = _first_word_after(v.core.lstrip("(["), size)
            return name[:1].isupper() and not (v.terminal and len(v.words) > 25)
    return False


_NAME_PARTICLES = vocabulary(*_WORDS["name_particles"])
MEDIA_WORDS = vocabulary(*_WORDS["media_words"])
_BYLINE_RE = re.compile(
    r"^(?:(?:written|words|story|text|reported|texto|texte)\s+)?(?:by|por|par|von)\s+(?P<names>.+)$",
    re.IGNORECASE,
)


def _is_byline(v: _LineView) -> bool:
    match = _BYLINE_RE.match(v.core)
    if match is None or v.terminal or len(v.words) > 12:
        return False
    names = [n for n in re.split(r"[\s,;&|/]+", match["names"]) if any(c.isalnum() for c in n)]
    folded = [" ".join(fold_words(n)) for n in names]
    if not names or any(f in _TIME_LIKE for f in folded):
        return False
    # 'By The Numbers' is a subhead; 'By The Associated Press' is a byline.
    if folded[0] in {"the", "el", "la", "le", "der", "die", "das"} and not (
        set(folded) & (MEDIA_WORDS | AGENCIES)
    ):
        return False
    allowed = _NAME_PARTICLES | AGENCIES
    return all(n[:1].isupper() or f in allowed for n, f in zip(names, folded, strict=True)) and any(
        n[:1].isupper() for n in names
    )


# --- datelines: lines made only of dates, times and 'updated/published' labels ---------------

_CALENDAR = vocabulary(*_WORDS["calendar"])
_RELATIVE_TIME = vocabulary(*_WORDS["relative_time"])
_META_TIME = vocabulary(*_WORDS["meta_time"])
_TIME_CONNECTORS = vocabulary(*_WORDS["time_connectors"])
_TIME_LIKE = _CALENDAR | _RELATIVE_TIME | _META_TIME
_NUMBERISH = re.compile(r"\d+(?:st|nd|rd|th|er|e|o|a|h|hs|am|pm)?\d*")


def _is_dateline(v: _LineView) -> bool:
    if not v.words or len(v.words) > 16:
        return False
    numeric = [bool(_NUMBERISH.fullmatch(w)) for w in v.words]
    if not any(numeric):
        return False
    vocab = _TIME_LIKE | _TIME_CONNECTORS
    if not all(num or w in vocab for w, num in zip(v.words, numeric, strict=True)):
        return False
    return bool(set(v.words) & _TIME_LIKE) or bool(re.search(r"\d[/.:]\d", v.core))


# --- cross-links: 'Read more: ...', 'Lee también', 'Mehr zum Thema' --------------------------

_CROSS_LINK_LABELS = vocabulary(*_WORDS["cross_link_labels"])
# Words that start real sentences too ('Watch the skies'), so they need a separator after them.
_CROSS_LINK_SEP_ONLY = vocabulary(*_WORDS["cross_link_sep_only"])
_LINK_SEP = r"\s*(?:[:\uff1a|\u00bb\u203a>\u2192]|\.\.\.|\u2026|[-\u2013\u2014](?=\s|$))"
_CROSS_LINK_RE = re.compile(
    rf"^(?:(?:{_alternation(_CROSS_LINK_LABELS)})(?:{_LINK_SEP}|$)"
    rf"|(?:{_alternation(_CROSS_LINK_SEP_ONLY)}){_LINK_SEP})"
)


def _allcaps_label(core: str) -> bool:
    """True for 'READ MORE Some headline': an upper-case label run followed by other text."""
    parts = core.split()
    run = 0
    while run < len(parts) and parts[run].isupper():
        run += 1
    return any(
        " ".join(fold_words(" ".join(parts[:n]))) in _CROSS_LINK_LABELS for n in range(1, run + 1)
    ) and run < len(parts)


def _is_cross_link(v: _LineView) -> bool:
    folded = _fold(v.core)
    match = _CROSS_LINK_RE.match(folded)
    if match is None:
        return len(v.words) <= 30 and _allcaps_label(v.core)
    rest = folded[match.end() :]
    if len(fold_words(rest)) > 25:
        return False
    # Link targets are headlines; 'Related: a 2019 study found ...' or a quote is a sentence.
    first = _first_word_after(v.core, len(fold_words(folded[: match.end()])))
    sentence = first[:1].islower() and not re.search(r"https?:|www\.", rest)
    return not (v.terminal == "." and (sentence or _QUOTE_CHARS & set(rest)))


# --- calls to action addressed to the reader -------------------------------------------------


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(fold_words(item) for item in items)


# Verbs that are furniture on their own ('Subscribe', 'Log in'); the rest need a reader marker.
_STRONG_CTA = _phrases(*_WORDS["strong_cta"])
_CTA_VERBS = _STRONG_CTA | _phrases(*_WORDS["cta_verbs"])
# German puts the infinitive last: 'Jetzt Newsletter abonnieren', 'Hier klicken'.
_VERB_FINAL = vocabulary(*_WORDS["verb_final"])
_CTA_MARKERS = vocabulary(*_WORDS["cta_markers"])
# Markers that point, not address: with a plain verb they are the article's own instructions.
_DEICTIC_MARKERS = vocabulary(*_WORDS["deictic_markers"])
# 'Here' and 'now' make a prompt only of a strong verb ('Subscribe now'); plain verbs need these.
_ADDRESS_MARKERS = _CTA_MARKERS - _DEICTIC_MARKERS
_PROMO_WORDS = vocabulary(*_WORDS["promo_words"])
_CTA_MARKER_PAIRS = _phrases(*_WORDS["cta_marker_pairs"])
_CTA_SOFTENERS = vocabulary(*_WORDS["cta_softeners"])
# What may follow a bare strong verb: 'Log in to continue reading', 'Regístrate para leer'.
_CTA_TAIL = vocabulary(*_WORDS["cta_tail"])
_COPULAS = vocabulary(*_WORDS["copulas"])
_STRONG_CTA_WORDS = frozenset(p[0] for p in _STRONG_CTA if len(p) == 1)
# A colon splits clauses, except the one in a URL ('at https://...'), which is a marker.
_CLAUSE_SPLIT = re.compile(
    r"[,;?!|\u2022\u00b7\u2014\u2013()]|:(?!//)|\.(?:\s|$)|\s-\s|\.\.\.|\u2026"
)
_LINK_RE = re.compile(r"[\w.+-]+@[\w-]+\.\w|https?://|www\.|@\w{2,}")


def _has_marker(words: tuple[str, ...], clause: str, *, deictic: bool = True) -> bool:
    """True if the words address the reader about the publication, or, if `deictic`, point."""
    markers = _CTA_MARKERS if deictic else _ADDRESS_MARKERS
    if any(w in markers for w in words) or _LINK_RE.search(clause):
        return True
    return any(pair in _CTA_MARKER_PAIRS for pair in itertools.pairwise(words))


def _cta_strength(clause: str) -> int:
    """Return 0 (none), 1 (bare strong verb), 2 (verb + reader marker), 3 (strong + marker)."""
    original = words = fold_words(clause)
    while words and words[0] in _CTA_SOFTENERS:
        words = words[1:]
    if not words:
        return 0
    for size in (3, 2, 1):
        verb = words[:size]
        if len(verb) == size and verb in _CTA_VERBS:
            tail = words[size:]
            if tail and tail[0] in _COPULAS:
                return 0  # 'Comment is free': the 'verb' is the subject of a sentence
            # A newsletter pitch names its product late: 'Get the day's top headlines delivered
            # to your inbox'.
            promo = not _PROMO_WORDS.isdisjoint(tail)
            if verb in _STRONG_CTA:
                if promo or _has_marker(tail[:8], clause):
                    return 3
                return int(all(w in _CTA_TAIL for w in tail))
            # 'See it now: Amazon', 'Get more ideas here': an article pointing at its subject.
            return 2 if promo or _has_marker(tail[:8], clause, deictic=False) else 0
    if len(words) <= 6 and words[-1] in _VERB_FINAL:
        marked = _has_marker(original[:-1], clause)  # 'Jetzt lesen': the softener is the cue
        strong = words[-1] in _STRONG_CTA_WORDS
        return (3 if marked else 1) if strong else (2 if marked else 0)
    return 0


def _is_call_to_action(v: _LineView) -> bool:
    # Quoted speech is prose even when the speaker says 'read more'.
    if not v.words or len(v.words) > 25 or v.terminal == "?" or _QUOTE_CHARS & set(v.text):
        return False
    if _is_attributed(v):
        return False
    strength = max((_cta_strength(c) for c in _CLAUSE_SPLIT.split(v.core)), default=0)
    if v.terminal == "." and len(v.words) > 12:
        # A longer sentence needs a strong verb, or a plain one selling a newsletter.
        return strength == 3 or (strength == 2 and not _PROMO_WORDS.isdisjoint(v.words))
    return strength >= 2 or (strength == 1 and len(v.words) <= 6)


# --- rule set --------------------------------------------------------------------------------

_RULES: tuple[Callable[[_LineView], bool], ...] = (
    _is_decoration,
    _is_tag_list,
    _is_label_only,
    _is_reading_time,
    _is_labelled_credit,
    _is_bracketed_credit,
    _is_agency_credit,
    _is_captioned_credit,
    _is_copyright,
    _is_syndication_note,
    _is_contributor_credit,
    _is_byline,
    _is_dateline,
    _is_cross_link,
    _is_call_to_action,
    _is_breadcrumb,
)
_SEGMENT_SPLIT = re.compile(r"\s[|\u2022\u00b7]\s")
_MAX_FURNITURE_WORDS = 45
_PROSE_WORDS = 30


def _matches_rule(v: _LineView) -> bool:
    return any(rule(v) for rule in _RULES)


def is_furniture(line: str) -> bool:
    """True for a normalised line that is furniture; the rules read its characters folded."""
    if len(line.split()) > _MAX_FURNITURE_WORDS:  # cheap exit for long prose lines
        return False
    view = _view(fold_chars(line))
    if not view.text or len(view.words) > _MAX_FURNITURE_WORDS:
        return False
    if len(view.words) > _PROSE_WORDS and view.terminal:
        return False
    if _matches_rule(view):
        return True
    # 'By Jane Doe | Updated 3 hours ago | 4 min read' is furniture because each part is.
    segments = [s for s in _SEGMENT_SPLIT.split(view.text) if s.strip()]
    return len(segments) > 1 and all(_matches_rule(_view(s.strip())) for s in segments)


def is_boilerplate_line(line: str) -> bool:
    """Return True for a line that is page furniture (ads, credits, CTAs, links), not prose."""
    return is_furniture(normalise_line(unicodedata.normalize("NFC", line)))
