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
