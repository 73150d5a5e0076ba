"""Dates written for readers, and the one a page shows by its headline: each rule with a case
it decides and a near miss it leaves alone."""

from datetime import UTC, datetime

import pytest
from lxml import html

from newslake.transforms.written_dates import find_written_date, header_dates


def at(day: int, month: int, year: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 septembre 2018", at(30, 9, 2018)),
        ("1. Februar 2022 , Daniel Dillenburg", at(1, 2, 2022)),
        ("06 Dicembre 2020", at(6, 12, 2020)),
        ("9 de marzo de 2026", at(9, 3, 2026)),
        ("February 24, 2020 | 9:25pm", at(24, 2, 2020, 21, 25)),
        ("Apr 13, 2020 at 4:38 PM", at(13, 4, 2020, 16, 38)),
        ("Mittwoch, 26.01.2022 - 14:30", at(26, 1, 2022, 14, 30)),
        ("4. 2. 2022.", at(4, 2, 2022)),
        ("28.09.19", at(28, 9, 2019)),
        ("2021-10-16 | Botschaft", at(16, 10, 2021)),
        ("17/02/2022", at(17, 2, 2022)),
        ("02/17/2022", at(17, 2, 2022)),
        # Near misses: the order of 03/04 is not in doubt only for the reader who knows the
        # site; version numbers and quantities are no dates; a month needs its name.
        ("03/04/2022", None),
        ("1.7 2.0594 0.023", None),
        ("12 Moons 2020", None),
        ("31.02.2020", None),
    ],
)
def test_written_dates(text, expected):
    found = find_written_date(text)
    assert (found.value if found else None) == expected


def test_a_date_must_open_its_line_when_a_lead_is_given():
    assert find_written_date("am 20.09.2020", within=30).value == at(20, 9, 2020)
    prose = "Der nächste Stammtisch des Vereins findet am Mittwoch, 5. Februar 2020 statt"
    assert find_written_date(prose, within=30) is None


def dates_of(body: str, title: str = "Harbour budget grows again") -> list:
    tree = html.document_fromstring(f"<html><head><title>{title}</title></head>{body}</html>")
    return header_dates(tree, [title])


def test_the_date_line_under_the_headline_is_the_published_date():
    body = "<h1>Harbour budget grows again</h1><p>By Jane Doe</p><p>4 March 2026, 09:15</p>"
    assert dates_of(body) == [(at(4, 3, 2026, 9, 15), "published")]
    # Near miss: a date in the headline's own words, or in prose further down, dates nothing.
    body = (
        "<h1>Harbour budget grows again after 4 March 2026</h1><p>The council said the harbour "
        "budget that it set on 2 March 2026 grows.</p>"
    )
    assert dates_of(body, "Harbour budget grows again after 4 March 2026") == []


def test_a_date_labelled_as_an_update_is_a_modified_date():
    body = (
        "<h1>Harbour budget grows again</h1><p>Updated 6 March 2026</p>"
        "<p>Published 4 March 2026</p>"
    )
    assert dates_of(body) == [(at(6, 3, 2026), "modified"), (at(4, 3, 2026), "published")]
    # Near miss: 'Stand:' ('as of') is a German outlet's date line, not an update.
    body = "<h1>Harbour budget grows again</h1><p>Stand: 28.04.2020 18:00 Uhr</p>"
    assert dates_of(body) == [(at(28, 4, 2020, 18), "published")]


def test_the_headline_is_the_heading_the_title_names_not_a_logo_h1():
    body = (
        "<h1>Gazette</h1><nav>Politics Sport</nav><p>Tuesday, 17 March 2026</p>"
        "<div><h2>Harbour budget grows again</h2><p>4 March 2026</p></div>"
    )
    assert dates_of(body) == [(at(4, 3, 2026), "published")]
    # Near miss: without a heading the title names, the first <h1> is the headline.
    assert dates_of(body, "Something else entirely") == [(at(17, 3, 2026), "published")]


def test_a_date_line_just_above_the_headline_counts_when_none_follows_it():
    body = (
        "<div><div><span>Jane Doe | 30 septembre 2018</span><h2>Harbour budget grows again</h2>"
        "</div><p>The council set the harbour budget again.</p></div>"
    )
    assert dates_of(body) == [(at(30, 9, 2018), "published")]
    # Near miss: a date in another block above (a top bar with today's date) is not the header.
    body = (
        "<div class='top'><span>30 septembre 2018</span></div>"
        "<div><div><h2>Harbour budget grows again</h2></div></div>"
    )
    assert dates_of(body) == []
