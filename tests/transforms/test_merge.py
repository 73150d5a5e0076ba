"""Merging a strict and a broad extraction: gaps inside the article filled, edges untouched."""

from newslake.transforms.merge import fill_gaps

A = "The harbour board approved the dredging plan after a four-hour meeting."
B = "Work on the eastern channel is due to start in May."
C = "Fishing crews said they would watch the silt levels closely."
D = "The board meets again in June to review the first soundings."
LIST = ["- Channel depth: 9 metres", "- Silt removed: 40,000 tonnes"]


def test_blocks_the_strict_pass_cut_from_the_middle_are_restored():
    assert fill_gaps([A, B, C, D], [A, B, *LIST, C, D]) == [A, B, *LIST, C, D]


def test_blocks_before_or_after_the_shared_span_are_not_added():
    menu, footer = "Home News Sport Weather", "Copyright Port Avery Post"
    assert fill_gaps([A, B, C], [menu, A, B, C, footer]) == [A, B, C]


def test_strict_blocks_the_broad_pass_lacks_are_kept():
    assert fill_gaps([A, B, C, D], [A, C, D]) == [A, B, C, D]


def test_a_block_worded_differently_is_not_duplicated():
    assert fill_gaps([A, B, C], [A, B.replace(" ", "  "), C]) == [A, B, C]


def test_a_block_the_passes_cut_differently_is_not_added_twice():
    longer = B + " Dredgers arrive from Rotterdam the week before."
    assert fill_gaps([A, B, C], [A, longer, C]) == [A, B, C]


def test_a_broad_pass_that_adds_too_much_is_ignored():
    other = [
        f"Unrelated story paragraph number {n} about something else entirely." for n in range(9)
    ]
    assert fill_gaps([A, B, C], [A, *other, B, C]) == [A, B, C]


def test_empty_inputs():
    assert fill_gaps([], [A, B]) == []
    assert fill_gaps([A, B], []) == [A, B]
