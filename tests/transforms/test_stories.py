import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from newslake.transforms.stories import (
    Candidate,
    StorySettings,
    assign_story,
    band_keys,
    compare,
    compare_many,
    containment,
    is_same_story,
    shingles,
    signature,
    similarity,
)

BRIDGE = [
    "The Riverside city council voted 7-2 on Tuesday night to approve a pedestrian footbridge "
    "across the Alder River, ending a two-year dispute between residents of the east bank and "
    "the owners of the old mill district.",
    "The bridge, expected to cost 14.2 million dollars, will link the Harbour Street market with "
    "the new rail station and is scheduled to open in the spring of 2027, according to the "
    "council's transport committee.",
    "Councillor Maria Ostrowski, who chaired the committee, said the vote was the result of "
    'months of negotiation. "We listened to every objection, and we changed the design three '
    'times to answer them," she said.',
    "Opponents had argued that the structure would block views of the historic mill chimneys "
    "and bring more noise to the quiet streets along the water. A petition against the original "
    "plan gathered more than 4,000 signatures last year.",
    "The revised design lowers the deck by two metres, moves the eastern landing away from the "
    "mill courtyard and adds a planted buffer along Tanner's Lane, where most of the complaints "
    "came from.",
    "Local business owners welcomed the decision. Tomasz Reyes, who runs a bakery near the "
    "market, said footfall had fallen since the old ferry stopped running and that a direct "
    "route to the station could bring commuters back.",
    "Construction is expected to begin in October, once the river authority issues its final "
    "permit. The council said temporary closures of the riverside path would be announced at "
    "least a month in advance.",
    "The two councillors who voted against the plan said they still had concerns about the "
    "budget, noting that the estimate had risen by almost a third since the first proposal was "
    "published in 2023.",
]
# Another story on the same topic: it quotes the same councillor's line.
LIBRARIES = [
    "Riverside's council will debate on Thursday whether to close two branch libraries to cover "
    "a shortfall in next year's budget, a move that librarians and parents have promised to "
    "fight.",
    "The finance office says the city faces a gap of 3.1 million dollars, driven by higher "
    "energy bills and the cost of repairing storm damage to the western flood wall.",
    "Councillor Maria Ostrowski, asked whether the council would reconsider, pointed to the "
    'footbridge debate as a model. "We listened to every objection, and we changed the design '
    'three times to answer them," she said.',
    "Library staff say the Northgate and Elm Park branches are used by more than 900 children a "
    "week for homework clubs, and that the nearest alternative is a forty-minute bus ride away.",
    "A public meeting will be held at the town hall on Wednesday evening, and residents can "
    "submit written comments through the council's website until the end of the month.",
]
BOILERPLATE = (
    "Riverside Gazette is an independent newsroom funded by its readers. Sign up for our free "
    "morning newsletter to get local news, events and weather delivered to your inbox every "
    "weekday, and follow us on social media for live updates."
)
UNRELATED = (
    "A rare leatherback turtle was spotted off the northern coast this weekend, the first "
    "sighting in the bay for more than a decade. Marine biologists from the university said the "
    "animal appeared healthy and was probably following swarms of jellyfish carried north by "
    "unusually warm currents. Boat owners were asked to keep their distance and report any "
    "further sightings to the coastguard."
)
AT = datetime(2026, 3, 1, tzinfo=UTC)


def text(paragraphs):
    return "\n\n".join(paragraphs)


def sig(paragraphs):
    return signature(text(paragraphs))


ORIGINAL = sig(BRIDGE)


def test_syndicated_copy_with_new_headline_byline_and_intro_joins():
    copy = [
        "Footbridge over Alder River finally gets the green light",
        "By Staff Reporter | Valley Wire",
        "Here is what the decision means for commuters and for the mill district.",
        *BRIDGE,
        "Advertisement",
    ]
    assert is_same_story(ORIGINAL, sig(copy))


def test_dropped_paragraph_joins():
    assert is_same_story(ORIGINAL, sig(BRIDGE[:4] + BRIDGE[5:]))


def test_reordered_paragraphs_join():
    reordered = [BRIDGE[0], BRIDGE[5], *BRIDGE[1:5], *BRIDGE[6:]]
    assert similarity(ORIGINAL, sig(reordered)) > 0.8
    assert is_same_story(ORIGINAL, sig(reordered))


def test_correction_of_one_sentence_joins():
    corrected = list(BRIDGE)
    corrected[1] = corrected[1].replace("14.2 million", "15.8 million").replace("spring", "summer")
    assert is_same_story(ORIGINAL, sig(corrected))


def test_teaser_of_first_two_paragraphs_joins_and_is_found_by_its_opening():
    # A teaser is the story cut short, not a new story: all of it lies in the article.
    teaser = signature(text(BRIDGE[:2]))
    assert similarity(ORIGINAL, teaser) < StorySettings().threshold
    assert containment(ORIGINAL, teaser) == 1.0
    assert is_same_story(ORIGINAL, teaser)
    # Bands of the whole text match with p ~ 64 * 0.28**4 ~ 0.4; the opening's bands always do.
    n = StorySettings().bands
    assert band_keys(ORIGINAL)[n:] == band_keys(teaser)[n:]


def test_teaser_of_a_long_article_joins_through_its_opening():
    minutes = [
        f"Item {i} on the agenda of session {i + 100} concerned permit {i * 7} and budget line "
        f"{i * 13}, which the clerk recorded as motion {i * 3 + 1}."
        for i in range(300)
    ]
    full, teaser = sig(BRIDGE + minutes), sig(BRIDGE[:2])
    c = compare(full, teaser)
    assert c.shared < StorySettings().min_shared <= c.lead_shared
    assert is_same_story(full, teaser)
    # The same opening followed by another story is not a teaser.
    assert not is_same_story(full, sig(BRIDGE[:2] + LIBRARIES))


def test_different_story_sharing_a_quote_does_not_join():
    assert not is_same_story(ORIGINAL, sig(LIBRARIES))


def test_different_stories_wrapped_in_the_same_boilerplate_do_not_join():
    a, b = sig([*BRIDGE, BOILERPLATE]), sig([BOILERPLATE, *LIBRARIES, BOILERPLATE])
    assert 0 < similarity(a, b) < 0.2
    assert not is_same_story(a, b)
    assert not is_same_story(sig([*BRIDGE[:2], BOILERPLATE]), sig([*LIBRARIES[:2], BOILERPLATE]))


def test_shingles_ignore_case_punctuation_and_quote_style():
    a = shingles("“Hello,” she said — ‘WORLD’ isn't ready!")
    b = shingles("\"hello\" She said: 'world' isn’t ready")
    # Inner apostrophes go too: a copy stripped of punctuation writes "isnt".
    assert a == b == ["hello she said world isnt", "she said world isnt ready"]
    assert shingles("hello she said world isnt ready") == a
    assert shingles("Two words") == ["two words"]
    assert shingles("  ... ") == []


def test_signature_is_deterministic_within_a_process():
    settings = StorySettings()
    assert signature(text(BRIDGE)) == ORIGINAL
    assert len(ORIGINAL) == settings.signature_length == settings.num_perm + settings.lead_perm
    assert all(isinstance(v, int) and 0 <= v < 2**32 for v in ORIGINAL)


def test_signature_is_identical_in_another_process_with_another_hash_seed():
    code = (
        "import json, sys\n"
        "from newslake.transforms.stories import signature\n"
        "print(json.dumps(list(signature(sys.stdin.read()))))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=text(BRIDGE),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert tuple(json.loads(out.stdout)) == ORIGINAL


def test_signature_values_are_pinned():
    # Stored signatures are only comparable with new ones if hashing never changes: a rensa
    # upgrade or a tokeniser change that alters these values needs every signature recomputed.
    sig = signature("The quick brown fox jumps over the lazy dog by the river bank at dawn.")
    assert sig[:3] + sig[-2:] == PINNED_VALUES
    assert band_keys(sig)[0] == PINNED_KEY


PINNED_VALUES = (3273021431, 3445572421, 3315129091, 571736819, 1636140837)
PINNED_KEY = "0:e72b41c88eb5b885"


def test_empty_text_has_no_signature_keys_or_story():
    assert signature("  ... ") == ()
    assert band_keys(()) == []
    assert not is_same_story((), ())
    assert assign_story((), [Candidate("s1", ORIGINAL, AT)]) is None
    assert assign_story(ORIGINAL, [Candidate("s1", (), AT)]) is None


def test_band_keys_are_stable_strings_one_per_band():
    settings = StorySettings()
    keys = band_keys(ORIGINAL)
    assert len(keys) == settings.bands + settings.lead_perm // settings.lead_rows
    assert all(re.fullmatch(r"\d+:[0-9a-f]{16}", k) for k in keys)
    assert [k.split(":")[0] for k in keys] == [str(b) for b in range(len(keys))]
    assert band_keys(list(ORIGINAL)) == keys


def test_band_keys_of_near_duplicates_overlap_and_of_unrelated_texts_do_not():
    corrected = list(BRIDGE)
    corrected[6] = corrected[6].replace("October", "November")
    assert len(set(band_keys(ORIGINAL)) & set(band_keys(sig(corrected)))) >= 16
    for other in (sig(LIBRARIES), signature(UNRELATED)):
        assert not set(band_keys(ORIGINAL)) & set(band_keys(other))


def test_signatures_and_keys_of_other_settings_are_rejected():
    with pytest.raises(ValueError):
        band_keys(ORIGINAL[:100])
    with pytest.raises(ValueError):
        compare(ORIGINAL, ORIGINAL[:100])
    with pytest.raises(ValueError):
        StorySettings(num_perm=100, bands=32)


def test_compare_estimates_jaccard_and_containment():
    words = [f"w{i}" for i in range(400)]
    a, b = signature(" ".join(words[:300])), signature(" ".join(words[100:]))
    est = compare(a, b)
    exact = 196 / 396  # 5-word shingles: 296 each, 196 shared
    assert abs(est.jaccard - exact) < 0.1
    assert abs(est.containment - 196 / 296) < 0.1
    assert compare(a, a).jaccard == compare(a, a).containment == 1.0
    part = signature(" ".join(words[50:150]))
    assert containment(part, signature(" ".join(words))) == 1.0


def test_assign_story_joins_best_verified_candidate():
    teaser = Candidate("teaser-story", signature(text(BRIDGE[:2])), AT)
    other = Candidate("libraries", sig(LIBRARIES), AT)
    full = Candidate("bridge", list(ORIGINAL), AT)  # as read back from the lake
    copy = sig(["New headline for the bridge", *BRIDGE])
    assert assign_story(copy, [other, teaser, full]) == "bridge"
    assert assign_story(copy, [other]) is None
    assert assign_story(copy, []) is None


def test_assign_story_prefers_the_earliest_story_on_ties():
    later = datetime(2026, 3, 2, tzinfo=UTC)
    cands = [
        Candidate("b-later", ORIGINAL, later),
        Candidate("z-undated", ORIGINAL, None),
        Candidate("a-earlier", ORIGINAL, AT),
    ]
    assert assign_story(ORIGINAL, cands) == "a-earlier"
    assert assign_story(ORIGINAL, cands[:2]) == "b-later"
    assert assign_story(ORIGINAL, [Candidate("y", ORIGINAL), Candidate("x", ORIGINAL)]) == "x"


def test_assign_story_skips_signatures_made_with_other_settings():
    small = StorySettings(num_perm=64, bands=16)
    assert len(signature(text(BRIDGE), small)) == 80
    cand = Candidate("old", signature(text(BRIDGE), small), AT)
    assert assign_story(ORIGINAL, [cand]) is None


def test_comparing_many_candidates_at_once_gives_each_pair_s_comparison():
    base = "Port workers walked out on Monday over pay, halting cargo at the city's docks. " * 3
    texts = [
        base,
        base + "The union said talks would resume on Friday with a mediator present.",
        "An entirely different story about a library reopening after a long repair. " * 3,
        base.replace("Monday", "Tuesday"),
    ]
    sig = signature(base)
    others = [signature(t) for t in texts]
    assert compare_many(sig, others) == [compare(sig, other) for other in others]
    assert compare_many(sig, []) == []
