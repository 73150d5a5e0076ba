from datetime import UTC, datetime

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
