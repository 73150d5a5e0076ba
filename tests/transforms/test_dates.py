from datetime import UTC, date, datetime, timedelta

import pytest

from newslake.transforms.dates import DateCandidate, choose_date, url_date

NOW = datetime(2026, 3, 10, tzinfo=UTC)
DAY = datetime(2026, 3, 4, 9, tzinfo=UTC)


def c(source, value, kind="published"):
    return DateCandidate(source, value, kind)


def test_structured_date_wins_and_agreement_of_two_kinds_of_source_is_high_confidence():
    choice = choose_date([c("url", DAY.replace(hour=0)), c("jsonld", DAY)], NOW)
    assert (choice.published_at, choice.source, choice.confidence) == (DAY, "jsonld", "high")


def test_one_structured_source_is_medium_and_a_url_date_alone_is_low():
    assert choose_date([c("meta:published", DAY)], NOW).confidence == "medium"
    assert choose_date([c("url", DAY)], NOW).confidence == "low"


def test_two_fields_of_one_cms_do_not_corroborate_each_other():
    assert choose_date([c("jsonld", DAY), c("meta:published", DAY)], NOW).confidence == "medium"


def test_a_modified_date_is_never_taken_for_the_publication_date_but_marks_an_update():
    later = datetime(2026, 3, 6, tzinfo=UTC)
    choice = choose_date([c("jsonld", later, "modified"), c("time", DAY)], NOW)
    assert choice.published_at == DAY
    assert choice.is_updated
    assert not choose_date([c("time", DAY), c("jsonld", DAY, "modified")], NOW).is_updated


def test_future_and_ancient_dates_are_kept_as_candidates_but_never_chosen():
    future, ancient = datetime(2031, 1, 1, tzinfo=UTC), datetime(1970, 1, 1, tzinfo=UTC)
    choice = choose_date([c("jsonld", future), c("meta:generic", ancient), c("url", DAY)], NOW)
    assert (choice.published_at, choice.source) == (DAY, "url")
    assert len(choice.candidates) == 3
    assert choose_date([c("jsonld", future)], NOW).confidence == "none"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://n.example/2026/03/05/story", datetime(2026, 3, 5, tzinfo=UTC)),
        ("https://n.example/news/2026-03-05-story.html", datetime(2026, 3, 5, tzinfo=UTC)),
        ("https://n.example/story/88451877/", None),
        ("https://n.example/2026/13/45/x", None),
    ],
)
def test_url_dates(url, expected):
    assert url_date(url) == expected


def test_the_day_is_the_outlets_own_in_the_offset_it_states():
    # 08:30 on the 5th in Tokyo is 23:30 on the 4th in UTC.
    tokyo = DateCandidate("jsonld", datetime(2026, 3, 4, 23, 30, tzinfo=UTC), offset=540)
    choice = choose_date([tokyo], NOW)
    assert (choice.published_at, choice.offset, choice.day) == (tokyo.value, 540, date(2026, 3, 5))
    # Near miss: a date stated without an offset is the day it spells.
    plain = choose_date([DateCandidate("jsonld", datetime(2026, 3, 4, tzinfo=UTC))], NOW)
    assert (plain.offset, plain.day) == (None, date(2026, 3, 4))


def test_days_not_utc_dates_decide_whether_two_sources_agree():
    tokyo = DateCandidate("jsonld", datetime(2026, 3, 4, 23, 30, tzinfo=UTC), offset=540)
    assert choose_date([tokyo, c("url", datetime(2026, 3, 5, tzinfo=UTC))], NOW).confidence == (
        "high"
    )
    assert choose_date([tokyo, c("url", datetime(2026, 3, 4, tzinfo=UTC))], NOW).confidence == (
        "medium"
    )


def test_a_utc_date_takes_the_offset_of_the_same_instant_stated_elsewhere_on_the_page():
    utc = DateCandidate("jsonld", datetime(2026, 3, 4, 23, 30, tzinfo=UTC), offset=0)
    same = DateCandidate("meta:generic", utc.value, offset=60)
    choice = choose_date([utc, same], NOW)
    assert (choice.source, choice.offset, choice.day) == ("jsonld", 60, date(2026, 3, 5))
    # Near miss: another instant's offset says nothing about this one.
    other = DateCandidate("meta:generic", utc.value + timedelta(hours=2), offset=60)
    assert (choose_date([utc, other], NOW).offset, choose_date([utc, other], NOW).day) == (
        0,
        date(2026, 3, 4),
    )


def test_a_local_time_without_offset_tells_the_outlets_offset_for_a_utc_date():
    utc = DateCandidate("jsonld", datetime(2026, 3, 5, 1, 49, 9, tzinfo=UTC), offset=0)
    local = c("time", datetime(2026, 3, 4, 17, 49, 9, tzinfo=UTC))  # written without offset
    choice = choose_date([utc, local], NOW)
    assert (choice.source, choice.offset, choice.day) == ("jsonld", -480, date(2026, 3, 4))


@pytest.mark.parametrize(
    "other",
    [
        c("meta:generic", datetime(2026, 3, 5, tzinfo=UTC)),  # a bare day, not a local time
        c("time", datetime(2026, 3, 4, 17, 49, 9, tzinfo=UTC), "modified"),  # another event
        c("time", datetime(2026, 3, 4, 17, 41, 9, tzinfo=UTC)),  # not a whole offset away
    ],
)
def test_near_misses_of_a_local_time_leave_a_utc_date_in_utc(other):
    utc = DateCandidate("jsonld", datetime(2026, 3, 5, 1, 49, 9, tzinfo=UTC), offset=0)
    choice = choose_date([utc, other], NOW)
    assert (choice.offset, choice.day) == (0, date(2026, 3, 5))


def test_a_local_time_written_to_the_minute_tells_the_offset_of_a_utc_date_with_seconds():
    utc = DateCandidate("jsonld", datetime(2020, 2, 25, 2, 25, 54, tzinfo=UTC), offset=0)
    shown = c("text", datetime(2020, 2, 24, 21, 25, tzinfo=UTC))  # '9:25pm' under the headline
    choice = choose_date([utc, shown], NOW)
    assert (choice.source, choice.offset, choice.day) == ("jsonld", -300, date(2020, 2, 24))
    # Near miss: a time 7 minutes off is another event, not this instant at another offset.
    other = c("text", datetime(2020, 2, 24, 21, 32, tzinfo=UTC))
    assert choose_date([utc, other], NOW).day == date(2020, 2, 25)


def test_a_utc_date_takes_the_neighbouring_day_the_page_states_for_readers():
    # 23:01 UTC is 00:01 the next day in Rome; the URL path and the date line say so.
    utc = DateCandidate("jsonld", datetime(2023, 11, 1, 23, 1, tzinfo=UTC), offset=0)
    for source in ("url", "text"):
        choice = choose_date([utc, c(source, datetime(2023, 11, 2, tzinfo=UTC))], NOW)
        assert (choice.source, choice.offset, choice.day) == ("jsonld", None, date(2023, 11, 2))


@pytest.mark.parametrize(
    "others",
    [
        # the page also states the UTC day (a date line with its local time of day)
        [
            c("url", datetime(2023, 11, 2, tzinfo=UTC)),
            c("text", datetime(2023, 11, 1, 19, 1, tzinfo=UTC)),
        ],
        # two days away: no offset in use gets there
        [c("url", datetime(2023, 11, 3, tzinfo=UTC))],
    ],
)
def test_a_utc_date_keeps_its_day_when_the_page_states_it_or_no_offset_reaches_another(others):
    utc = DateCandidate("jsonld", datetime(2023, 11, 1, 23, 1, tzinfo=UTC), offset=0)
    assert choose_date([utc, *others], NOW).day == date(2023, 11, 1)


def test_a_stated_offset_is_the_outlets_own_whatever_the_url_says():
    rome = DateCandidate("jsonld", datetime(2023, 11, 1, 23, 1, tzinfo=UTC), offset=60)
    choice = choose_date([rome, c("url", datetime(2023, 11, 3, tzinfo=UTC))], NOW)
    assert (choice.offset, choice.day) == (60, date(2023, 11, 2))


def test_the_day_the_page_shows_beats_a_generic_meta_date_but_not_a_published_one():
    shown = c("text", datetime(2026, 3, 2, tzinfo=UTC))
    assert choose_date([c("meta:generic", DAY), shown], NOW).source == "text"
    # Near miss: a field that names the publication outright stays first.
    assert choose_date([c("meta:published", DAY), shown], NOW).source == "meta:published"
