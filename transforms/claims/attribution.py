"""Who a sentence attributes its claim to: "..., said John Smith", "according to Reuters".

Sources are normalised one way: a person's title is dropped ("OpenAI CEO Sam Altman" -> "Sam
Altman"), so is a leading "the" before a proper name ("the Commerce Department" -> "Commerce
Department"); a generic source keeps its determiner, in lower case ("The company said" -> "the
company"). A pronoun ("he said") names no source, so gives None.
"""

from __future__ import annotations

import re

from newslake.transforms.tokens import lower_like_ignorecase

# Verbs that attribute what they govern. The weak ones have other common senses ("added 5,000
# jobs", "announced a deal"), so they attribute only before "that", a quote or punctuation.
STRONG_VERBS = frozenset(
    """said says say told tells noted stated claimed argued argues wrote writes warned warns
    explained explains predicted predicts asserted asserts insisted insists acknowledged
    acknowledges cautioned emphasized emphasised emphasizes emphasises""".split()
)
WEAK_VERBS = frozenset(
    """added adds announced announces reported reports estimated estimates confirmed confirms
    claims notes believes believe highlighted highlights observed revealed disclosed""".split()
)
REPORTING_VERBS = STRONG_VERBS | WEAK_VERBS | {"pointed out", "points out", "according to"}

_VERB = re.compile(
    r"(?<![\w-])(?P<verb>pointed\s+out|points\s+out|"
    + "|".join(sorted(STRONG_VERBS | WEAK_VERBS, key=len, reverse=True))
    + r")(?![\w-])",
    re.IGNORECASE,
)
# The words _VERB matches, as the sentence's words in lower case: a set test rules out most
# sentences before the pattern is tried at every character.
_VERB_WORDS = STRONG_VERBS | WEAK_VERBS | {"pointed", "points"}
_WORD_RUN = re.compile(r"[\w-]+")
_ACCORDING = re.compile(
    r"\baccording\s+to\s+(?:(?:(?:a|an|the)\s+)?(?:(?:new|latest|recent|separate|joint"
    r"|official|preliminary)\s+)?(?:reports?|statements?|data|figures|estimates|analysis|survey"
    r"|study|research|filings?|documents?|note|release|memo)\s+(?:by|from|of|released\s+by"
    r"|published\s+by|issued\s+by)\s+)?",
    re.IGNORECASE,
)
_BY = re.compile(
    r"\b(?:said|reported|noted|stated|suggested|claimed|estimated|confirmed|revealed|cited"
    r"|quoted)\s+by\s+",
    re.IGNORECASE,
)
_WEAK_FOLLOWERS = re.compile(r"\s*(?:$|[,.;:!?\"“”'‘’—–-]|that\b|in\s+a\b|on\s+[A-Z])")
_BETWEEN = re.compile(
    r"(?:\s+(?:has|have|had|also|previously|recently|later|then|once|reportedly|publicly"
    r"|repeatedly|separately|earlier|further|first|subsequently|too|again|since|already|now"
    r"|still|just|often|always|would|will|could|might|may|should|did|does|do))+\s*$",
    re.IGNORECASE,
)
# Before the verb: a passive or adjective ("was said to be", "so-called"), or a denial.
_NO_CLAIM = re.compile(
    r"(?:\b(?:is|are|was|were|be|been|being|it's|not|never|declined\s+to|refused\s+to)|n't|so-)"
    r"\s*$",
    re.IGNORECASE,
)
# Where a source read forwards ("..., said X on Monday.") ends.
_SOURCE_END = re.compile(
    r"\s*[,;:!?\"“”()]|\.\s*$|\s+(?:(?:in|at|on|during|via|through)\s+(?:a|an|the|his|her"
    r"|their|its)\s+[a-z]|(?:on\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday"
    r"|Sunday)\b|(?:last|this|next|earlier|later)\s+(?:week|month|year|quarter|weekend)\b"
    r"|(?:yesterday|today|tonight|on\s+X|on\s+Twitter|on\s+social\s+media)\b)"
)
_PRONOUNS = frozenset("he she they it we i you him her them this that these those".split())
_DETERMINERS = frozenset("the a an its their his her our some many several".split())
_CONNECTORS = frozenset("of for de del da di du van von bin al la le & and".split())
# Words that end a source: function words, auxiliaries and pronouns.
_STOPS = _PRONOUNS | frozenset(
    """and or but that which who whom whose what how why while as because if when where than
    then so to in on at of for from by with into about after before despite also is are was were
    be been has have had will would can could may might should must do does did not""".split()
)
_PREPOSITIONS = frozenset("of for from at with".split())
_TITLES = frozenset(
    """mr mrs ms dr prof professor president vice chairman chairwoman chair ceo cfo cto coo chief
    executive officer director founder co-founder minister secretary senator sen rep
    representative gov governor judge mayor spokesman spokeswoman spokesperson analyst
    economist ambassador commissioner premier deputy lt col capt sgt""".split()
)
# Last words of organisations whose names hold a title word ("Defense Secretary's Office").
_ORGANISATIONS = frozenset(
    """department ministry office council commission committee agency university bank institute
    court group board bureau administration""".split()
)
_ROLES = frozenset(
    """analysts officials experts researchers economists scientists critics investors sources
    executives engineers authorities lawmakers regulators prosecutors police witnesses
    residents doctors observers insiders traders""".split()
)
_REPORTS = frozenset(
    """report reports statement statements data figures sources survey surveys study studies poll
    polls estimates extracts documents""".split()
)


def attributed_to(sentence: str) -> str | None:
    """The source `sentence` attributes its claim to, or None (no attribution, or a pronoun)."""
    lowered = lower_like_ignorecase(sentence)
    match = ("according" in lowered and _ACCORDING.search(sentence)) or (
        "by" in lowered and _BY.search(sentence)
    )
    if match:
        words = _words_after(sentence[match.end() :], whole=False)
        if not _proper(words) and any(w.lower() in _REPORTS for w in words):
            return None  # "according to reports", "according to a survey released"
        return _clean(words)
    if _VERB_WORDS.isdisjoint(_WORD_RUN.findall(lowered)):
        return None
    for match in _VERB.finditer(sentence):
        verb = match.group("verb").lower()
        if verb in WEAK_VERBS and not _WEAK_FOLLOWERS.match(sentence, match.end()):
            continue
        left = _BETWEEN.sub("", sentence[: match.start()]).rstrip()
        if _NO_CLAIM.search(left):
            continue
        words = _source_before(left, sentence[match.end() :])
        if words:
            return _clean(words)
    return None


def _source_before(left: str, right: str) -> list[str]:
    """The words naming who speaks, from the text before and after a reporting verb."""
    inverted = _words_after(right, whole=True) if left.endswith((",", '"', "”")) else []
    if inverted and _proper(inverted):
        return inverted  # "..., said John Smith, chief executive of Acme."
    if left.endswith(","):  # "Jim Fan, research manager at Nvidia, said ..."
        head, _, apposition = left[:-1].rpartition(",")
        name = _words_before(head)
        whole_name = len(name) == len(_segment(head)) and _proper(name)
        if (
            name
            and (whole_name or name[0].lower() in _DETERMINERS)
            and len(apposition.split()) < 13
        ):
            return name
    return inverted or _words_before(left)


def _words_after(text: str, whole: bool) -> list[str]:
    """Up to eight words from the start of `text` to a punctuation mark, venue or time, or to
    a function word; none if `whole` and a function word comes first ("said the deal was off")."""
    words = _SOURCE_END.split(text, maxsplit=1)[0].split()
    for index, word in enumerate(words):
        joins = word in _CONNECTORS and index > 0 and _proper(words[index - 1 : index + 2 : 2])
        if word.lower() in _STOPS - _PREPOSITIONS and not joins and not (index == 0 and not whole):
            return [] if whole else words[:index]
    return words if len(words) <= 8 else []


def _words_before(left: str) -> list[str]:
    """The noun phrase that ends `left`, read backwards: a name, or up to six words ending at a
    determiner ("the U.S. government"); a lone pronoun is returned for the caller to refuse."""
    words = _segment(left)
    phrase: list[str] = []
    for index in range(len(words) - 1, -1, -1):
        word, lower = words[index], words[index].lower()
        if lower in _DETERMINERS:
            return [word, *phrase]
        before_name = bool(phrase) and phrase[0][0].isupper()
        joins = lower in _CONNECTORS and before_name and index > 0 and words[index - 1][0].isupper()
        surname = lower in _PRONOUNS and before_name and word[0].isupper()  # "He Xiaopeng"
        if lower in _PRONOUNS and not surname:
            return [] if phrase else [word]
        acronym = len(word) > 1 and word.isupper()  # "WHO"
        stop = lower in _STOPS and not (joins or surname or acronym)
        if len(phrase) == 6 or not word[0].isalnum() or stop:
            break
        phrase.insert(0, word)
    return phrase


def _segment(left: str) -> list[str]:
    """The words after the last punctuation mark in `left`."""
    return re.split(r"[,;:\"“”()—–]|\s-\s", left)[-1].split()


def _clean(words: list[str]) -> str | None:
    """A source phrase normalised: no title before a name, "the" only on generic sources."""
    words = [w.strip("'\"“”‘’") for w in words]
    words = [w for w in words if w]
    if not words or (len(words) == 1 and words[0].lower() in _PRONOUNS):
        return None
    if words[0].lower() == "the" and len(words) > 1 and _proper(words[1:]):
        words = words[1:]
    titles = [i for i, w in enumerate(words) if w.rstrip(".").lower() in _TITLES]
    if titles and words[-1].lower() not in _ORGANISATIONS:
        named = words[titles[-1] + 1 :]
        while named[:1] == ["of"]:  # "Secretary of State Marco Rubio"
            named = named[2:]
        if named and _proper(named):
            return " ".join(named)
    if len(words) == 1 and words[0].lower() in _ROLES:
        return words[0].lower()  # "Analysts said"
    if words[0].lower() in _DETERMINERS:
        words[0] = words[0].lower()
    return " ".join(words)


def _proper(words: list[str]) -> bool:
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _CONNECTORS for w in words)
