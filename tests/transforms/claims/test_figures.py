import re

import pytest

from newslake.transforms.claims.figures import anchored, find_anchors

STOP = set(
    "the a an of to is are was its it only around about reportedly said has have on in".split()
)


def content(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP]


def same_figure(a: str, b: str) -> bool:
    return anchored(find_anchors(a, content), find_anchors(b, content))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "The cost to train the V3 model is reportedly around $6 million, a mere fraction of "
            "the $60 million Meta spends on comparable models.",
            "The lab said its model, V3, released a few weeks earlier, cost only US$5.5 million "
            "to train.",
        ),
        (
            "Some 2,100 dockworkers walked off the job at the port on Sunday.",
            "About 2,000 dockworkers walked off the job, the union said.",
        ),
        (
            "Lead levels at three schools exceeded 15 parts per billion, officials said.",
            "Officials said lead at the schools topped 15 ppb at three schools.",
        ),
    ],
)
def test_a_figure_stated_about_the_same_thing_anchors_two_sentences(a, b):
    assert same_figure(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # Same kind of figure, different subject and predicate.
        (
            "The final training run cost $5.6 million.",
            "The city council approved $3.2 million for pipe replacement.",
        ),
        # Different kinds: money against a count.
        ("The lab spent $2,048 on cloud credits.", "The lab used 2,048 chips to train it."),
        # The same words, but the figure of one sits in another clause.
        (
            "Shares fell 17 percent on Monday, wiping out gains.",
            "The chipmaker, whose shares fell sharply, employs 17,000 people.",
        ),
        # No figure at all.
        ("The strike ended on Thursday.", "The strike ended on Thursday after talks."),
    ],
)
def test_figures_of_other_things_do_not_anchor(a, b):
    assert not same_figure(a, b)


def test_the_figure_text_itself_does_not_count_as_shared_words():
    a = find_anchors("It cost $6 million dollars.", content)
    assert all("million" not in anchor.words for anchor in a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # The day's own clause says little ("came on"); the clause beside it says what happened.
        (
            "The turning point came on March 3, when the lab released its reasoning model.",
            "Released on March 3, the model matched its rivals at a fraction of the cost.",
        ),
        (
            "Dittemore announced his resignation on April 23.",
            "On April 23, Dittemore announced he would resign.",
        ),
        # A year stated by one sentence only: the day still agrees.
        (
            "The plant closed on 12 May 2025 after the fire, the company said.",
            "The plant closed on May 12 following a fire.",
        ),
    ],
)
def test_the_same_day_stated_about_the_same_event_anchors_two_sentences(a, b):
    assert same_figure(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # The same day, different events.
        (
            "The council voted on June 3 to raise parking fees downtown.",
            "Striking nurses returned to work on June 3 after a deal.",
        ),
        # The same event, other days or other years.
        (
            "The plant closed on May 12 after the fire.",
            "The plant closed on May 14 after the fire.",
        ),
        (
            "The treaty was signed on June 3, 2019 in Geneva.",
            "The treaty was signed on June 3, 2021 in Geneva.",
        ),
        # A month alone is no day.
        (
            "The plant closed in May 2024 after the fire.",
            "The plant closed in May 2024 after a fire.",
        ),
    ],
)
def test_other_days_or_other_events_on_one_day_do_not_anchor(a, b):
    assert not same_figure(a, b)
