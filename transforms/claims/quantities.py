"""Quantities in a sentence, normalised so figures from different outlets compare.

"$5.5 million" and "US$5.5m" are both 5,500,000 USD; "4.4%" is 4.4 percent; "1/18th" is a
fraction of 0.0556; "2,000 chips" is a count of 2,000 "chip"; "January 20, 2025" is a day.

Decisions: a hedge ("around $6 million") is not part of the quantity or its text; a range
("$5-6 million") is one quantity valued at its low end, with `high` holding the upper end; a
date without a year is resolved with `year_hint` or skipped. Numbers inside names ("GPT-4",
"V3", "Grok 3"), times of day, phone numbers, decades, ordinals and version strings are not
quantities.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from newslake.transforms.pickling import pickled_by_fields
from newslake.transforms.tokens import lower_like_ignorecase

MONEY = "money"
PERCENT = "percent"
RATIO = "ratio"
COUNT = "count"
DATE = "date"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Quantity:
    """A figure: its value in `unit` (currency code, "%", "pp", "fraction", "times", the counted
    noun, or a date's granularity), its kind, the text it was read from, and a range's top."""

    value: float
    unit: str
    kind: str
    text: str
    high: float | None = None


# A reader turns a match into a Quantity; into None for a span that holds no quantity but keeps
# its digits from other readers (a time of day, a date without a year); or into _REJECT to leave
# the text to other readers.
_REJECT = Quantity(0.0, "", "", "")
_Reader = Callable[[re.Match[str], int | None], Quantity | None]

_SMALL = dict(
    zip(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split(),
        range(1, 20),
        strict=True,
    )
)
_TENS = dict(
    zip(
        "twenty thirty forty fifty sixty seventy eighty ninety".split(),
        range(20, 100, 10),
        strict=True,
    )
)
_MAGNITUDES = {
    "dozen": 12,
    "hundred": 100,
    "thousand": 1e3,
    "k": 1e3,
    "lakh": 1e5,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "crore": 1e7,
    "billion": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "trn": 1e12,
}
_DENOMINATORS = {
    "half": 2,
    "halve": 2,
    "third": 3,
    "quarter": 4,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "twelfth": 12,
    "twentieth": 20,
    "hundredth": 100,
    "thousandth": 1000,
}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ],
        start=1,
    )
    for name in names.split()
}
_SYMBOLS = {
    "$": "USD",
    "US$": "USD",
    "U.S.$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "C$": "CAD",
    "CA$": "CAD",
    "HK$": "HKD",
    "NZ$": "NZD",
    "S$": "SGD",
    "R$": "BRL",
    "NT$": "TWD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "Rs": "INR",
    "Rs.": "INR",
    "RMB": "CNY",
}
_CODES = "USD EUR GBP JPY CNY INR AUD CAD HKD NZD SGD CHF KRW BRL TWD".split()
_CURRENCY_WORDS = {
    "dollar": "USD",
    "euro": "EUR",
    "pound": "GBP",
    "sterling": "GBP",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rupee": "INR",
    "won": "KRW",
    "franc": "CHF",
    "rouble": "RUB",
    "ruble": "RUB",
    "real": "BRL",
    "reais": "BRL",
}
_DOLLAR_COUNTRIES = {
    "us": "USD",
    "u.s.": "USD",
    "american": "USD",
    "australian": "AUD",
    "canadian": "CAD",
    "hong kong": "HKD",
    "new zealand": "NZD",
    "singapore": "SGD",
    "taiwan": "TWD",
}
_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman"}
_INVARIANT = frozenset("staff personnel police cattle sheep fish deer aircraft".split())
_NOT_PLURAL = frozenset("this its his hers was has is as us always perhaps news series".split())
# Words after a number that end the search for what is counted.
_UNIT_STOP = frozenset(
    """of in on at to for from with by and or but the a an that which who than as per each
    is are was were be been has have had will would can could may might this these those its
    their his her our your it they he she we i over under about around into onto after before
    since until during between among against up down out off more less fewer""".split()
)
# Words before a number that make it a label, not a quantity ("No. 5", "Figure 3").
_LABELS = frozenset(
    """no number version v gen generation series model phase round chapter section article page
    p pp figure fig table route room flight grade level tier stage step item line box gate
    platform unit suite apartment floor episode season game week day""".split()
)
# Words before a number that make it a year rather than a count ("the 2024 elections").
_BEFORE_YEARS = frozenset(
    """the its their his her our this that these those and or of in since by from to until for
    between before after during fiscal""".split()
)
_DAY0 = date(1970, 1, 1)

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_TENS_WORDS = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_SMALL_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen"
)
_WORDNUM = (
    rf"(?:(?:{_TENS_WORDS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine)\b)?"
    rf"|{_SMALL_WORDS})\b"
)
_NUM = rf"(?:{_DIGITS}|{_WORDNUM}|half\s+an?\b|an?\b)"
_BIG_WORDS = "thousand|million|billion|trillion|crore|lakh"
_BIG = rf"(?:{_BIG_WORDS})"
_MAG = rf"(?:\s+(?:dozen|hundred)(?:\s+{_BIG})?\b|(?:\s*|-){_BIG}\b|\s?(?:mn|mln|bn|bln|tn|trn)\b)"
_CUR_PREFIX = (
    r"(?:(?<![A-Za-z])(?-i:US|U\.S\.|AU|A|CA|C|HK|NZ|S|R|NT)\$|\$|€|£|¥|₹|₩"
    rf"|(?<![A-Za-z])(?-i:Rs\.?|RMB|{'|'.join(_CODES)})(?![A-Za-z]))"
)
_MONTH = (
    r"(?-i:(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?"
    r"|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?))\.?"
)
_COMPARATIVES = (
    "larger|bigger|higher|lower|greater|faster|slower|cheaper|smaller|longer|stronger|better"
    "|worse|wider|heavier|costlier"
)
_START = r"(?<![\w.,/$€£¥₹₩#-])"  # a number that is not part of a word, code or bigger number
_END = r"(?![\w%$€£¥]|[.,]\d|[/:]\d)"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


_MONEY_BEFORE = _compile(
    rf"""(?P<cur>{_CUR_PREFIX})\s?(?P<lo>{_DIGITS})
    (?:\s?[-–]\s?(?:{_CUR_PREFIX})?(?P<hi>{_DIGITS}))?
    (?P<mag>{_MAG}|[kmb]\b)?(?![\w%])"""
)
_MONEY_AFTER = _compile(
    rf"""{_START}(?P<lo>{_NUM})(?:\s?[-–]\s?(?P<hi>{_DIGITS}|{_WORDNUM}))?(?P<mag>{_MAG})?\s+
    (?P<country>(?:US|U\.S\.|American|Australian|Canadian|Hong\sKong|New\sZealand|Singapore
    |Taiwan)\s+)?
    (?P<cur>dollars?|euros?|pounds?(?:\s+sterling)?|sterling|yen|yuan|renminbi|rupees?|won
    |francs?|roubles?|rubles?|reais|(?-i:{"|".join(_CODES)}))\b"""
)
_CENTS = _compile(
    rf"""{_START}(?P<lo>{_DIGITS}|{_WORDNUM})[\s-]?(?P<euro>euro\s)?(?P<cur>cents?|pence)\b"""
)
_PERCENT = _compile(
    rf"""{_START}(?P<lo>{_NUM}|a\s+quarter\s+of\s+an?|three\s+quarters\s+of\s+an?
    |half\s+of\s+an?)(?:\s?[-–]\s?(?P<hi>{_DIGITS}))?\s?
    (?P<unit>%|percentage\s+points?\b|per\s?cent\b|pct\b|pp\b|ppts?\b|basis\s+points?\b
    |bps?\b)"""
)
_FRACTION = _compile(rf"{_START}(?P<a>\d+)/(?P<b>\d+)(?P<ordinal>st|nd|rd|th)?(?![\w/]|[.,]\d)")
_WORD_FRACTION = _compile(
    rf"""(?<![\w-])(?P<n>an?|one|{_WORDNUM})(?P<sep>[\s-])
    (?P<f>halves|half|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?
    |tenths?|twelfths?|twentieths?|hundredths?|thousandths?)\b
    (?P<ctx>(?=\s+(?:of|the|as|that|what|its|their|his|her)\b))?"""
)
_HALF = _compile(r"(?<![\w-])half(?=\s+(?:of|the|its|their|his|her|that|what|as)\b)")
_MULTIPLE = _compile(
    rf"""{_START}(?:(?P<n>{_DIGITS}|{_WORDNUM})(?:\s?x\b|\s+times\b
    (?=\s+(?:as|more|less|fewer|over|the|that|what|its|their|his|her|{_COMPARATIVES})\b))
    |(?P<twice>twice)(?=\s+(?:as|the|that|what|its|their|his|her)\b)
    |(?P<fold>{_DIGITS}|{_TENS_WORDS}|{_SMALL_WORDS}|hundred|thousand)-?fold\b)"""
)
_COUNT = _compile(
    rf"""{_START}(?P<lo>{_NUM})(?:\s?[-–]\s?(?P<hi>{_DIGITS}|{_WORDNUM}))?
    (?P<mag>{_MAG})?{_END}"""
)
_ISO_DATE = _compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?![\w-])")
_MONTH_DAY = _compile(
    rf"""(?<![\w-]){_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s?[%$]|[.,]\d)
    (?:,?\s+(?P<y>\d{{4}})\b)?"""
)
_DAY_MONTH = _compile(
    rf"""(?<![\w-])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?![\w-])
    (?:,?\s+(?P<y>\d{{4}})\b)?"""
)
_MONTH_YEAR = _compile(rf"(?<![\w-]){_MONTH}(?:\s+of)?,?\s+(?P<y>\d{{4}})\b")
_YEAR = _compile(
    r"""(?<![\w.,$€£¥#-])(?:(?:mid|early|late)-)?(?P<y>1[89]\d\d|20\d\d)
    (?:[-–](?P<hi>\d{4}|\d\d))?(?![\w%$€£]|[.,]\d|[-–/]\d)"""
)
# Every quantity holds a digit, one of these words or a word ending in "fold": a quick test
# (a set lookup per word, not a regex tried at every character) before the readers run.
_NUMBER_WORDS = frozenset(
    f"{_SMALL_WORDS}|{_TENS_WORDS}|{_BIG_WORDS}|dozen|hundred|half|twice".split("|")
    + [
        f"{ordinal}{plural}"
        for ordinal in """third quarter fourth fifth sixth seventh eighth ninth tenth twelfth
        twentieth hundredth thousandth""".split()
        for plural in ("", "s")
    ]
)
_DIGIT = re.compile(r"\d")
_WORD_RUN = re.compile(r"\w+")
# Spans that hold digits but no quantity; they are matched only to keep their digits out.
_NOT_QUANTITIES = [
    _compile(r"^\s*\(?\d{1,3}[.)](?=\s)"),  # a list item's number
    _compile(r"\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|am\b|pm\b)"),
    _compile(r"\b\d{1,2}:\d\d(?::\d\d)?\b"),
    _compile(r"\b\d{4}\s?(?-i:GMT|UTC|ET|EST|EDT|PT|PST|PDT|BST|CET|CEST|JST|HKT)\b"),
    _compile(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\b\d{2,4}[\s.-])\d{3,4}[\s.-]\d{3,4}\b"),
    _compile(r"(?<![\w'’])['’]?(?:1[89]|20)?\d0s\b"),
    _compile(r"\b\d+(?:\.\d+){2,}\b"),
    _compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
]


def find_quantities(sentence: str, year_hint: int | None = None) -> list[Quantity]:
    """Quantities in `sentence`, in order and not overlapping; `year_hint` (say, the year the
    article was published) dates "Jan. 20", which is skipped without it."""
    folded = lower_like_ignorecase(sentence)
    if not _may_hold_quantity(sentence, folded):
        return []
    spans: list[tuple[int, int, Quantity | None]] = []
    for pattern, read, needs in _READERS:
        if needs is not None and not any(word in folded for word in needs):
            continue
        for match in pattern.finditer(sentence):
            quantity = read(match, year_hint)
            if quantity is not _REJECT:
                spans.append((match.start(), match.end(), quantity))
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    found, end = [], 0
    for start, stop, quantity in spans:
        if start >= end:
            end = stop
            if quantity is not None:
                found.append(quantity)
    return found


def _may_hold_quantity(sentence: str, folded: str) -> bool:
    if _DIGIT.search(sentence):
        return True
    return any(
        word in _NUMBER_WORDS or (len(word) > 4 and word.endswith("fold"))
        for word in _WORD_RUN.findall(folded)
    )


def _number(text: str) -> float:
    if text[0].isdigit():
        return float(text.replace(",", ""))
    words = re.split(r"[\s-]+", text.lower())
    if words[0] == "half":
        return 0.5
    if words[0] in ("a", "an"):
        return 1.0
    return float(sum(_SMALL.get(word, 0) + _TENS.get(word, 0) for word in words))


def _scaled(number: str, magnitude: str | None) -> float:
    value = _number(number)
    for word in re.findall(r"[a-z]+", (magnitude or "").lower()):
        value *= _MAGNITUDES[word]
    return value


def _quantity(
    match: re.Match[str], value: float, unit: str, kind: str, high: float | None = None
) -> Quantity:
    """The quantity read from `match`; _REJECT for a range that does not rise ("a 2-1 win")."""
    if high is not None and high <= value:
        return _REJECT
    return Quantity(value, unit, kind, match.group(0).strip(), high)


def _top(match: re.Match[str], magnitude: str | None = None) -> float | None:
    """The top of a range such as "$5-6 million", scaled like its bottom."""
    return _scaled(match.group("hi"), magnitude) if match.group("hi") else None


def _read_money_before(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    magnitude = match.group("mag")
    currency = match.group("cur").strip()
    unit = _SYMBOLS.get(currency) or currency.upper()
    value = _scaled(match.group("lo"), magnitude)
    return _quantity(match, value, unit, MONEY, _top(match, magnitude))


def _read_money_after(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    number, magnitude = match.group("lo"), match.group("mag")
    if number.lower().split()[0] in ("a", "an", "half") and not magnitude:
        return _REJECT  # "a pound of", "a dollar store"
    word = match.group("cur").split()[0].lower()
    singular = word[:-1] if word.endswith("s") and word[:-1] in _CURRENCY_WORDS else word
    unit = _CURRENCY_WORDS.get(singular) or word.upper()
    country = " ".join((match.group("country") or "").lower().split())
    if country and singular == "dollar":
        unit = _DOLLAR_COUNTRIES[country]
    value = _scaled(number, magnitude)
    return _quantity(match, value, unit, MONEY, _top(match, magnitude))


def _read_cents(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    if match.group("cur").lower() == "pence":
        unit = "GBP"
    else:
        unit = "EUR" if match.group("euro") else "USD"
    return _quantity(match, _number(match.group("lo")) / 100, unit, MONEY)


def _read_percent(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    words = match.group("lo").lower().split()
    if len(words) > 1 and words[0] in ("half", "a", "three"):  # "half a", "a quarter of a"...
        value = {"half": 0.5, "a": 0.25, "three": 0.75}[words[0]]
    else:
        value = _number(match.group("lo"))
    unit = match.group("unit").lower()
    if unit.startswith(("basis", "bp")):
        return _quantity(match, value / 100, "pp", PERCENT)
    unit = "pp" if unit.startswith(("percentage", "pp")) else "%"
    return _quantity(match, value, unit, PERCENT, _top(match))


def _read_fraction(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    top, bottom = int(match.group("a")), int(match.group("b"))
    if not 0 < top < bottom:
        return None  # "24/7"
    of_follows = match.string[match.end() :].lstrip().startswith("of ")
    if not match.group("ordinal") and top <= 12 and bottom <= 31 and not of_follows:
        return None  # "9/11", "1/20": more likely dates
    return _quantity(match, top / bottom, "fraction", RATIO)


def _read_word_fraction(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    if match.group("sep") != "-" and match.group("ctx") is None:
        return _REJECT  # "a third party", "three quarters in a row"
    name = match.group("f").lower()
    denominator = _DENOMINATORS[name[:-1] if name.endswith("s") else name]
    return _quantity(match, _number(match.group("n")) / denominator, "fraction", RATIO)


def _read_half(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    before = match.string[: match.start()].split()
    if before and before[-1].lower() in ("first", "second", "latter", "last", "next", "this"):
        return _REJECT  # "the second half of the year"
    return _quantity(match, 0.5, "fraction", RATIO)


def _read_multiple(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    if match.group("twice"):
        return _quantity(match, 2.0, "times", RATIO)
    number = match.group("n") or match.group("fold")
    value = _MAGNITUDES.get(number.lower()) or _number(number)  # "hundredfold"
    return _quantity(match, float(value), "times", RATIO)


def _singular(word: str) -> str:
    if re.fullmatch(r"[A-Z]{2,}s", word):  # "GPUs"
        return word[:-1].lower()
    word = word.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if re.search(r"(?:ss|x|ch|sh)es$", word):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _plural(word: str) -> bool:
    lower = word.lower()
    if lower in _IRREGULAR or lower in _INVARIANT or re.fullmatch(r"[A-Z]{2,}s", word):
        return True
    return (
        len(lower) > 2
        and lower.endswith("s")
        and not lower.endswith(("ss", "us", "is", "'s", "’s"))
        and lower not in _NOT_PLURAL
    )


def _counted(sentence: str, end: int, one: bool) -> str:
    """The noun counted by a number ending at `end`: the first plural among the next few words
    ("2,000 specialized computer chips": "chip"), or for `one` thing the next word; else ""."""
    rest = sentence[end:]
    hyphenated = re.match(r"[-–]([A-Za-z]+(?:-[A-Za-z]+)*)", rest)  # "a 1,700-square-mile area"
    if hyphenated:
        *first, last = hyphenated.group(1).lower().split("-")
        return "-".join([*first, _singular(last)])
    phrase = re.split(r"[,;:!?()\"“”]|\.(?:\s|$)", rest, maxsplit=1)[0]
    for index, word in enumerate(re.findall(r"[A-Za-z][\w’'-]*", phrase)[:4]):
        if word.lower() in _UNIT_STOP:
            break
        if _plural(word) or (one and index == 0):
            return _singular(word)
    return ""


def _label(sentence: str, start: int) -> str:
    """What makes a number at `start` a label, not a quantity: "word" ("No. 5", "page 12"),
    "name" ("Grok 3", "Windows 11": after a capitalised word inside the sentence), or ""."""
    before = sentence[:start]
    previous = re.search(r"(\S+)\s+$", before)
    if not previous:
        return ""
    word = previous.group(1)
    if word.rstrip(".").lower() in _LABELS:
        return "word"
    inside = bool(before[: previous.start(1)].strip(" \"'“‘("))
    capitalised = word[0].isupper() and word.isalnum() and word.lower() not in _MONTHS
    return "name" if inside and capitalised else ""


def _read_count(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    number, magnitude = match.group("lo"), match.group("mag")
    spelled = not number[0].isdigit()
    if spelled and not magnitude and number.lower().split()[0] in ("a", "an", "half", "one"):
        return _REJECT  # "a number of firms", "one of the companies"
    value = _scaled(number, magnitude)
    unit = _counted(match.string, match.end(), one=value == 1)
    if not magnitude:
        label = _label(match.string, match.start())
        if label == "word" or (label == "name" and "," not in number):
            return _REJECT
        if not unit and spelled:
            return _REJECT  # "the two"
        if _YEAR.fullmatch(number) and not _counts_not_dates(match):
            return _REJECT  # a year: the date reader has it
    return _quantity(match, value, unit, COUNT, _top(match, magnitude))


def _days(year: int, month: int = 1, day: int = 1) -> float:
    return float((date(year, month, day) - _DAY0).days)


def _dated(
    match: re.Match[str], unit: str, year: int, month: int = 1, day: int = 1
) -> Quantity | None:
    try:
        return _quantity(match, _days(year, month, day), unit, DATE)
    except ValueError:
        return None  # "February 30": no quantity, and its digits are no count either


def _read_iso_date(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    return _dated(match, "day", *(int(match.group(g)) for g in "ymd"))


def _read_day(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    year = int(match.group("y")) if match.group("y") else year_hint
    if year is None:
        return None
    month = _MONTHS[match.group("month").lower()]
    return _dated(match, "day", year, month, int(match.group("d")))


def _read_month(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    return _dated(match, "month", int(match.group("y")), _MONTHS[match.group("month").lower()])


def _counts_not_dates(match: re.Match[str]) -> bool:
    """Whether a number that could be a year counts things: "about 2000 employees", but not
    "its 2002 results" or "the 2003 and 2004 budgets"."""
    before = match.string[: match.start()].split()
    dated = bool(before) and before[-1].lower() in _BEFORE_YEARS
    return not dated and bool(_counted(match.string, match.end(), one=False))


def _read_year(match: re.Match[str], year_hint: int | None) -> Quantity | None:
    if _counts_not_dates(match):
        return _REJECT
    year = int(match.group("y"))
    high = None
    if match.group("hi"):
        top = int(match.group("hi"))
        high = _days(top if top >= 100 else year - year % 100 + top)  # "2023-24"
    return _quantity(match, _days(year), "year", DATE, high)


def _skip(match: re.Match[str], year_hint: int | None) -> None:
    return None


def _needs(*words: str) -> tuple[str, ...]:
    """Words of which a sentence (`lower_like_ignorecase`) must hold one for a reader's
    pattern to match: without any, scanning for it is skipped (most sentences lack most)."""
    return tuple(word.lower() for word in words)


_MONTH_NAMES = _needs(*(name[:3] for name in _MONTHS))
_CURRENCY_NAMES = _needs(*_CURRENCY_WORDS, "reais", "ruble", *_CODES)
_CURRENCY_MARKS = _needs("$", "€", "£", "¥", "₹", "₩", "Rs", "RMB", *_CODES)
_PERCENT_MARKS = _needs("%", "cent", "pct", "pp", "basis", "bp")
_FRACTION_WORDS = _needs("half", "halves", *_DENOMINATORS)
_MULTIPLE_WORDS = _needs("x", "times", "twice", "fold")

# (pattern, reader, a test the sentence must pass for the pattern to be able to match).
_READERS: list[tuple[re.Pattern[str], _Reader, tuple[str, ...] | None]] = [
    (_NOT_QUANTITIES[0], _skip, None),
    (_NOT_QUANTITIES[1], _skip, _needs("am", "pm", "a.m", "p.m")),
    (_NOT_QUANTITIES[2], _skip, _needs(":")),
    (_NOT_QUANTITIES[3], _skip, None),
    (_NOT_QUANTITIES[4], _skip, None),
    (_NOT_QUANTITIES[5], _skip, _needs("0s")),
    (_NOT_QUANTITIES[6], _skip, None),
    (_NOT_QUANTITIES[7], _skip, _needs("/")),
    (_ISO_DATE, _read_iso_date, _needs("-")),
    (_MONTH_DAY, _read_day, _MONTH_NAMES),
    (_DAY_MONTH, _read_day, _MONTH_NAMES),
    (_MONTH_YEAR, _read_month, _MONTH_NAMES),
    (_YEAR, _read_year, None),
    (_MONEY_BEFORE, _read_money_before, _CURRENCY_MARKS),
    (_MONEY_AFTER, _read_money_after, _CURRENCY_NAMES),
    (_CENTS, _read_cents, _needs("cent", "pence")),
    (_PERCENT, _read_percent, _PERCENT_MARKS),
    (_FRACTION, _read_fraction, _needs("/")),
    (_WORD_FRACTION, _read_word_fraction, _FRACTION_WORDS),
    (_HALF, _read_half, _needs("half")),
    (_MULTIPLE, _read_multiple, _MULTIPLE_WORDS),
    (_COUNT, _read_count, None),
]
