"""Table-driven tests for newslake.transforms.normalise."""

import re
import unicodedata

import pytest

from newslake.transforms.normalise import (
    clean_text,
    clean_title,
    content_hash,
    fingerprint_text,
    is_boilerplate_line,
    word_count,
)

# Curly quotes are spelled as escapes so the source stays unambiguous to readers and linters.
LSQUO, RSQUO, LDQUO, RDQUO, LOW9 = "\u2018", "\u2019", "\u201c", "\u201d", "\u201e"
NBSP, NNBSP, ZWSP, SHY, BOM = "\u00a0", "\u202f", "\u200b", "\u00ad", "\ufeff"
JA_QUOTE = "\u300c\u306f\u3044\u300d\u3068\u8a00\u3063\u305f\u3002"  # Japanese corner quotes
FA_ZWNJ = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # Persian word joined by ZWNJ
RU_TEXT = "\u0421\u0435\u0433\u043e\u0434\u043d\u044f \u0445\u043e\u0440\u043e\u0448\u0430\u044f"

# --- boilerplate: (category, line) pairs that must be removed ---------------------------------

FURNITURE = [
    # label-only lines (ads, paywall, continuation, page chrome)
    ("label", "Advertisement"),
    ("label", "ADVERTISEMENT"),
    ("label", "Sponsored content"),
    ("label", "Story continues below advertisement"),
    ("label", "Advertisement - Scroll to continue"),
    ("label", "Continue reading below"),
    ("label", "Publicidad"),
    ("label", "La noticia contin\u00faa debajo"),
    ("label", "Publicit\u00e9"),
    ("label", "Contenu sponsoris\u00e9"),
    ("label", "Anzeige"),
    ("label", "Weiter nach der Anzeige"),
    ("label", "Share | Tweet | Email"),
    ("label", "Listen to this article"),
    ("label", "\u00c9couter cet article"),
    ("label", "Nur f\u00fcr Abonnenten"),
    # separators, emoji and hashtag-only lines
    ("decoration", "***"),
    ("decoration", "---"),
    ("decoration", "\u2022 \u2022 \u2022"),
    ("decoration", "\U0001f525\U0001f525\U0001f525"),
    ("decoration", "#Breaking #Ukraine"),
    ("decoration", "@newsdesk #politics"),
    # reading time in several languages
    ("reading-time", "Reading Time: 3 minutes"),
    ("reading-time", "4 min read"),
    ("reading-time", "5-minute read"),
    ("reading-time", "Tiempo de lectura: 3 minutos"),
    ("reading-time", "5 min de lectura"),
    ("reading-time", "Temps de lecture : 4 min"),
    ("reading-time", "Lesezeit: ca. 4 Minuten"),
    ("reading-time", "4 Min. Lesezeit"),
    # credits
    ("credit", "Photo: Reuters"),
    ("credit", "Image credit: Getty Images"),
    ("credit", "(Photo by Jane Doe/AFP)"),
    ("credit", "(AP Photo/Evan Vucci)"),
    ("credit", "REUTERS/Kevin Lamarque"),
    ("credit", "Jane Doe/AFP via Getty Images"),
    ("credit", "Credit...Jane Doe for The New York Times"),
    ("credit", "Foto: EFE"),
    ("credit", "Imagen de archivo de Europa Press"),
    ("credit", "Cr\u00e9dit photo : AFP"),
    ("credit", "Foto: picture alliance/dpa"),
    ("credit", "Source: Bloomberg"),
    # cross-links
    ("cross-link", "Read More: Some headline here"),
    ("cross-link", "Related: Markets rally as inflation cools"),
    ("cross-link", "READ MORE Markets rally as inflation cools"),
    ("cross-link", "See also \u2192 The week in pictures"),
    ("cross-link", "Lee tambi\u00e9n: El Gobierno aprueba los presupuestos"),
    ("cross-link", "Te puede interesar"),
    ("cross-link", "Lire aussi : La r\u00e9forme des retraites adopt\u00e9e"),
    ("cross-link", "\u00c0 lire aussi"),
    ("cross-link", "Mehr zum Thema: Die Bahn streikt erneut"),
    ("cross-link", "Lesen Sie auch \u00bb"),
    ("cross-link", "Tags: politics, economy, europe"),
    # calls to action aimed at the reader
    ("cta", "Share this article"),
    ("cta", "Share on Facebook"),
    ("cta", "Subscribe to our newsletter"),
    ("cta", "Sign up for our daily briefing"),
    ("cta", "Follow us on Twitter"),
    ("cta", "Click here to read the full report\u2026"),
    ("cta", "Download our app"),
    ("cta", "Already a subscriber? Log in"),
    ("cta", "Got a tip? Email us at tips@example.com"),
    (
        "cta",
        "Sign up for our free daily newsletter to get the best stories delivered to your "
        "inbox every morning.",
    ),
    ("cta", "S\u00edguenos en Twitter"),
    ("cta", "Suscr\u00edbete a nuestro bolet\u00edn"),
    ("cta", "Reg\u00edstrate para seguir leyendo"),
    ("cta", "Abonnez-vous \u00e0 notre newsletter"),
    ("cta", "Suivez-nous sur Instagram"),
    ("cta", "Folgen Sie uns auf Twitter"),
    ("cta", "Jetzt Newsletter abonnieren"),
    ("cta", "Hier klicken"),
    # syndication and rights notices
    ("syndication", "This article originally appeared on The Conversation."),
    ("syndication", "This story was first published by ProPublica."),
    ("syndication", "Este art\u00edculo fue publicado originalmente en The Conversation."),
    ("syndication", "Cet article a \u00e9t\u00e9 initialement publi\u00e9 sur Le Monde."),
    ("syndication", "Dieser Artikel erschien zuerst auf Zeit Online."),
    ("syndication", "The Associated Press contributed to this report."),
    ("syndication", "(Reporting by Jane Doe; Editing by John Roe)"),
    ("copyright", "Copyright 2026 Acme Media Ltd. All rights reserved."),
    ("copyright", "\u00a9 2026 Le Monde"),
    ("copyright", "Tous droits r\u00e9serv\u00e9s"),
    ("copyright", "Todos los derechos reservados."),
    ("copyright", "This material may not be published, broadcast, rewritten or redistributed."),
    # datelines, bylines, breadcrumbs
    ("dateline", "Updated 3 hours ago"),
    ("dateline", "Published 10:32 AM EST, Mon March 3, 2026"),
    ("dateline", "Actualizado hace 3 horas"),
    ("dateline", "Mis \u00e0 jour le 3 mars 2026 \u00e0 10h00"),
    ("dateline", "Aktualisiert am 3. M\u00e4rz 2026, 10:00 Uhr"),
    ("dateline", "Il y a 3 heures"),
    ("byline", "By Jane Doe"),
    ("byline", "Por Mar\u00eda L\u00f3pez y Juan P\u00e9rez"),
    ("byline", "Von Anna M\u00fcller, dpa"),
    ("byline", "By The Associated Press"),
    ("composite", "By Jane Doe | Updated 3 hours ago | 4 min read"),
    ("breadcrumb", "Home \u203a News \u203a World"),
    ("breadcrumb", "Inicio / Internacional / Europa"),
    # a few CJK labels, so Chinese/Japanese pages are not left untouched
    ("label", "\u5e7f\u544a"),
    ("cross-link", "\u76f8\u5173\u9605\u8bfb\uff1a\u5317\u4eac\u65b0\u95fb"),
    ("cta", "Get the latest news delivered to your inbox"),
    ("cta", "Jetzt lesen"),
    # a newsletter pitch that names the product late, and a prompt ending in a URL
    ("cta", "Get the day's top stories delivered to your inbox every morning with our newsletter."),
    ("cta", "Follow our coverage of the harbour strike at https://www.example.com/strike"),
    ("cta", "Click here to read more"),
    ("cta", "Tell us what you think"),
]

# --- near misses that must survive -----------------------------------------------------------

PROSE = [
    ("label", "Advertisement revenue fell by a third."),
    ("label", "The story continues to unfold in Brussels, officials said."),
    ("label", "Comments by the minister drew criticism from unions."),
    ("label", "Menu prices rose 3% in March."),
    ("label", "Publicidad enga\u00f1osa: multa de 2 millones a la empresa."),
    ("label", "Die Anzeige wurde am Montag bei der Polizei erstattet."),
    ("decoration", "2026"),
    ("decoration", "1."),
    ("reading-time", "It takes 4 minutes to read the report."),
    ("reading-time", "Reading time for pupils fell by 10 minutes a day, the study found."),
    ("credit", "Photo ID laws were struck down by the court."),
    ("credit", "Sources said the talks had stalled."),
    ("credit", "Fuente de energ\u00eda renovable crece en Espa\u00f1a."),
    ("credit", "(The figures exclude Scotland.)"),
    ("credit", "Reuters could not independently verify the report."),
    ("cross-link", '"We want people to read more books," she said.'),
    ("cross-link", "Related party transactions were disclosed in the filing."),
    ("cross-link", "Lire les commentaires, on croirait un roman."),
    ("cross-link", "More than 200 people were evacuated."),
    ("cta", "The company said it would share the data with regulators."),
    ("cta", "Subscribers to the service rose 12% last year, the report said."),
    ("cta", "Follow the money"),
    ("cta", "Register of interests"),
    ("cta", "Like many countries, Spain faces a housing shortage."),
    ("cta", "Support grows for the bill"),
    ("cta", "Comparte la preocupaci\u00f3n el sindicato, que pidi\u00f3 m\u00e1s inversi\u00f3n."),
    ("cta", "Partager le pouvoir n'est pas simple, dit-elle."),
    ("cta", "Folgen f\u00fcr die Wirtschaft"),
    ("cta", "Comment is free, but facts are sacred."),
    ("cta", "Register now, officials urged voters ahead of Friday's deadline."),
    ("cross-link", "Related: a 2019 study found similar effects."),
    ("cross-link", 'Listen: "We will not back down," she said.'),
    ("copyright", "All rights reserved, the label insisted, citing the contract."),
    ("syndication", "The study was first published in Nature in 2019."),
    ("syndication", "Der Artikel beschreibt die Lage an der Grenze."),
    ("copyright", "Copyright infringement lawsuits rose 5% last year."),
    ("dateline", "Updated figures show unemployment fell to 4% in March."),
    ("dateline", "Published in 1998, the novel sold poorly."),
    ("byline", "By contrast, rivals held steady."),
    ("byline", "By The Numbers"),
    ("byline", "Von Berlin aus gesehen"),
    ("byline", "Reporting by the agency found widespread fraud."),
    ("subhead", "EASTERN CHANNEL"),
    ("subhead", "What happens next"),
    ("subhead", "Por qu\u00e9 importa"),
    ("subhead", "Ce que l'on sait"),
    ("subhead", "Was wir wissen"),
    # an article pointing its reader at its own subject, not at the publication
    ("cta", "See it now: Harbourline store"),
    ("cta", "Get more weeknight recipe ideas here!"),
    ("cta", "Click here to download the full ferry timetable."),
    ("cta", "Get started with the beginner plan here."),
    ("brackets", "See note [1] and [sic] in the ruling."),
    ("subhead", "\u00ab Nous allons partir \u00bb, a d\u00e9clar\u00e9 le ministre."),
]


SHORTCODES = [
    ('[button link="https://x.example/review" type="big"] Send us your review[/button]', ""),
    ('[gallery ids="4,5,6"]', ""),
    (
        'The pier [caption id="a1" align="left"]North pier at dawn[/caption] reopened.',
        "The pier North pier at dawn reopened.",
    ),
    ("Officials called it a [VIDEO] and [sic] moment, citing rule [3].", None),
]


@pytest.mark.parametrize(("raw", "expected"), SHORTCODES)
def test_unrendered_shortcodes_are_stripped_and_brackets_kept(raw: str, expected: str | None):
    assert clean_text(raw) == (raw if expected is None else expected)


@pytest.mark.parametrize(("category", "line"), FURNITURE)
def test_furniture_line_is_boilerplate(category: str, line: str) -> None:
    assert is_boilerplate_line(line), f"{category}: {line!r} should be removed"


@pytest.mark.parametrize(("category", "line"), PROSE)
def test_prose_line_is_kept(category: str, line: str) -> None:
    assert not is_boilerplate_line(line), f"{category}: {line!r} should be kept"


@pytest.mark.parametrize("line", ["", "   ", "\t"])
def test_blank_line_is_not_boilerplate(line: str) -> None:
    assert is_boilerplate_line(line) is False


def test_long_sentence_is_prose_even_with_furniture_words() -> None:
    line = (
        "Subscribe, share and follow were the three verbs the marketing team repeated in every "
        "meeting, according to people who attended, and the strategy was copied by rivals."
    )
    assert not is_boilerplate_line(line)


def test_clean_text_removes_furniture_but_keeps_prose_and_subheads() -> None:
    raw = "\n".join(
        [
            "The minister resigned on Monday.",
            "Advertisement",
            "",
            "What happens next",
            "",
            "Photo: Reuters",
            "Officials said a vote was due in May.",
            "Share on Facebook",
        ]
    )
    assert clean_text(raw) == (
        "The minister resigned on Monday.\n\nWhat happens next\n\n"
        "Officials said a vote was due in May."
    )


# --- repair and normalisation ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("don\u00e2\u20ac\u2122t panic", f"don{RSQUO}t panic"),
        ("l'\u00c3\u00a9t\u00c3\u00a9 dernier", "l'\u00e9t\u00e9 dernier"),
        ("Stra\u00c3\u0178e gesperrt", "Stra\u00dfe gesperrt"),
        ("Espa\u00c3\u00b1a gana", "Espa\u00f1a gana"),
    ],
)
def test_mojibake_is_repaired(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_decomposed_and_composed_accents_are_equal_after_cleaning() -> None:
    decomposed = "Cafe\u0301 de\u0301ja\u0300 vu"
    assert decomposed != "Caf\u00e9 d\u00e9j\u00e0 vu"
    assert clean_text(decomposed) == "Caf\u00e9 d\u00e9j\u00e0 vu"
    assert unicodedata.is_normalized("NFC", clean_text(decomposed))


# The page's characters stay in the stored text: quotes, primes, dashes, ellipses, guillemets.
KEPT_CHARACTERS = [
    f"{LDQUO}Yes,{RDQUO} she said.",
    f"It{RSQUO}s {LSQUO}fine{RSQUO}.",
    f"{LOW9}Ja{LDQUO}, sagte er.",
    "The 6\u2032 2\u2033 forward",
    "Prices rose \u2013 sharply \u2014 and then\u2026 fell.",
    "\u00ab Non \u00bb, dit-il.",
    JA_QUOTE,
]


@pytest.mark.parametrize("raw", KEPT_CHARACTERS)
def test_stored_text_keeps_the_pages_quotes_dashes_and_ellipses(raw: str) -> None:
    assert clean_text(raw) == raw


@pytest.mark.parametrize(
    ("raw", "straight"),
    [
        (f"{LDQUO}Yes,{RDQUO} she said.", '"Yes," she said.'),
        (f"It{RSQUO}s {LSQUO}fine{RSQUO}.", "It's 'fine'."),
        (f"{LOW9}Ja{LDQUO}, sagte er.", '"Ja", sagte er.'),
        ("The 6\u2032 2\u2033 forward", "The 6' 2\" forward"),
    ],
)
def test_curly_and_straight_quotes_are_one_text_for_identity(raw: str, straight: str) -> None:
    assert clean_text(raw) != clean_text(straight)
    assert fingerprint_text(clean_text(raw)) == fingerprint_text(straight)
    assert content_hash(clean_text(raw)) == content_hash(clean_text(straight))


def test_soft_hyphens_stay_in_the_text_but_not_in_its_identity() -> None:
    hyphenated = f"Die Hinder{SHY}nisse der Demo{SHY}kratie wachsen."
    assert clean_text(hyphenated) == hyphenated
    assert word_count(hyphenated) == 5
    assert content_hash(hyphenated) == content_hash(hyphenated.replace(SHY, ""))
    assert is_boilerplate_line(f"Adver{SHY}tisement")


def test_furniture_is_found_whatever_the_quotes() -> None:
    for quote in ("'", RSQUO):
        assert clean_text(f"Advertisement\n\nIt{quote}s a fine day, she said.") == (
            f"It{quote}s a fine day, she said."
        )
        assert is_boilerplate_line(f"Don{quote}t miss: Sign up for our newsletter")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"10{NBSP}km and 5{NNBSP}%", "10 km and 5 %"),
        (f"zero{ZWSP}width{BOM} and soft{SHY}hyphen", f"zerowidth and soft{SHY}hyphen"),
        ("tabs\t\tand   many    spaces", "tabs and many spaces"),
        ("   padded line   ", "padded line"),
        (FA_ZWNJ, FA_ZWNJ),
    ],
)
def test_whitespace_cleanup(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_paragraphs_are_separated_by_exactly_one_blank_line() -> None:
    raw = "First para line one.\nline two.\n\n\n\n  \t \nSecond para.\r\n\r\nThird para."
    assert clean_text(raw) == "First para line one.\nline two.\n\nSecond para.\n\nThird para."
    assert not re.search(r"\n{3,}", clean_text(raw))


def test_consecutive_duplicate_paragraphs_are_dropped() -> None:
    raw = "Alpha beta.\n\nAlpha  beta.\n\nAdvertisement\n\nALPHA BETA.\n\nGamma.\n\nAlpha beta."
    # The ad between copies is removed first, so all three copies collapse; the later repeat stays.
    assert clean_text(raw) == "Alpha beta.\n\nGamma.\n\nAlpha beta."


def test_clean_text_of_only_furniture_is_empty() -> None:
    assert clean_text("Advertisement\n\n***\n\nShare this article") == ""


# --- titles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Foo | Outlet", None, "Foo"),
        ("Outlet - Foo", "Outlet", "Foo"),
        ("Crash kills 3 \u2014 BBC News", "bbc.co.uk", "Crash kills 3"),
        ("Rates rise :: The Daily Planet", None, "Rates rise"),
        ("Rates rise | Business | The Guardian", None, "Rates rise"),
        ("Biden wins - The New York Times", None, "Biden wins"),
        (
            "El Gobierno aprueba el presupuesto - EL PA\u00cdS",
            "elpais.com",
            "El Gobierno aprueba el presupuesto",
        ),
        ("COVID-19 cases rise - Reuters", None, "COVID-19 cases rise"),
        (
            "\u00ab Jamais \u00bb : le ministre s'explique - Le Monde",
            None,
            "\u00ab Jamais \u00bb : le ministre s'explique",
        ),
        ("  Spaced \n  out   title  ", None, "Spaced out title"),
        ("Caf\u00c3\u00a9 owners protest | Local News", None, "Caf\u00e9 owners protest"),
    ],
)
def test_clean_title_strips_site_name(title: str, site: str | None, expected: str) -> None:
    assert clean_title(title, site) == expected


@pytest.mark.parametrize(
    ("title", "site"),
    [
        ("Strike ends - union claims victory", None),
        ("Strike Ends - Union Claims Victory", None),
        ("Ukraine - Russia talks resume", None),
        ("Fed Raises Rates - What It Means For You", None),
        ("Live updates | Fed raises rates", None),
        ("Strike ends - union claims victory", "Daily Planet"),
        ("Talks fail - AP sources describe chaos", "AP"),
        ("COVID-19 vaccine approved", None),
    ],
)
def test_clean_title_keeps_headline_parts(title: str, site: str | None) -> None:
    assert clean_title(title, site) == title


@pytest.mark.parametrize("title", [None, "", "   ", "\u200b\u00a0"])
def test_clean_title_empty_is_none(title: str | None) -> None:
    assert clean_title(title) is None


def test_clean_title_never_returns_empty_when_title_is_only_the_site() -> None:
    assert clean_title("The Guardian", "The Guardian") == "The Guardian"


# --- fingerprints and hashes -----------------------------------------------------------------

BASE = 'The minister\'s plan, she said, is "bold".'


@pytest.mark.parametrize(
    "variant",
    [
        "the minister's plan she said is bold",
        "THE MINISTER'S PLAN, SHE SAID, IS BOLD!",
        f"The minister{RSQUO}s plan, she said, is {LDQUO}bold{RDQUO}.",
        "The   minister's\nplan,\tshe said,\n\nis bold",
        "\u2014The minister's plan \u2026 she said \u2026 is \u00abbold\u00bb\u2014",
    ],
)
def test_fingerprint_and_hash_ignore_case_punctuation_whitespace_and_quotes(variant: str) -> None:
    assert fingerprint_text(variant) == fingerprint_text(BASE)
    assert content_hash(variant) == content_hash(BASE)


def test_fingerprint_is_single_spaced_casefolded_tokens() -> None:
    assert fingerprint_text(BASE) == "the minister's plan she said is bold"
    assert fingerprint_text("STRASSE Stra\u00dfe") == "strasse strasse"


@pytest.mark.parametrize(
    "variant",
    [
        "The minister's plan, she said, is bald.",
        "The minister's plan, he said, is bold.",
        "The ministers plan, she said, is bold.",
        "The minister's plan, she said, is bold too.",
    ],
)
def test_hash_changes_when_a_word_changes(variant: str) -> None:
    assert content_hash(variant) != content_hash(BASE)


def test_content_hash_shape() -> None:
    digest = content_hash(BASE)
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    assert content_hash("") == "e3b0c44298fc1c14"


# --- word counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The quick brown fox jumps.", 5),
        ("Don't stop \u2014 it's 3.5% higher!", 5),
        ("well-known state-of-the-art", 6),
        ("\u6771\u4eac\u306f\u65e5\u672c\u306e\u9996\u90fd\u3067\u3059\u3002", 10),
        ("\u5317\u4eac\u5e02 Beijing", 4),
        ("\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e", 2),
        (RU_TEXT, 2),
        ("", 0),
        ("*** --- !!!", 0),
    ],
)
def test_word_count(text: str, expected: int) -> None:
    assert word_count(text) == expected
