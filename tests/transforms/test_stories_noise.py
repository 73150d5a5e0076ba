"""Story grouping on copies that wire desks, aggregators and scanners make, and on the texts that
must stay apart from them (hand-written cases; the labelled sets are in benchmarks/)."""

import re

from newslake.transforms.stories import (
    Candidate,
    assign_story,
    compare,
    is_same_story,
    matching_words,
    shingles,
    signature,
)
from newslake.transforms.tokens import fingerprint_text

FERRY = [
    "Ferry crews on the Kestrel Sound routes walked out at dawn on Friday, stranding about "
    "3,400 passengers and leaving lorries queued for two kilometres outside the port of Dunmore.",
    "The strike, the first on the routes since 2019, was called by the Maritime Workers' Union "
    "after talks over a 6.5% pay offer broke down late on Thursday evening.",
    "Union organiser Fiona Gallagher said crews had been asked to work longer rotations without "
    "extra pay while the operator, Sound Link, reported record profits for the summer season.",
    "Sound Link said it regretted the disruption and had offered refunds or free transfers to "
    "the next available sailing, but warned that services could not resume before Sunday.",
    "Hauliers said the stoppage could cost them more than 200,000 pounds a day. Fresh fish from "
    "the island processing plants was being diverted to a smaller harbour further north.",
    "Island councillors called on both sides to return to talks, noting that the ferries are the "
    "only link for hospital patients who travel to the mainland for treatment every week.",
    "The transport minister, Owen Pryce, said he was in contact with the union and the company "
    "and urged them to reach an agreement that protected both workers and island residents.",
    "A further 48-hour stoppage is planned for the following weekend if no deal is reached, the "
    "union said, and crews on the freight-only night service are being balloted next month.",
]
# Another story on the same routes: same places, people and vocabulary, other news.
FERRY_FOLLOW_UP = [
    "Sound Link will order two new hybrid ferries for the Kestrel Sound routes, the operator said "
    "on Tuesday, in a contract worth about 90 million pounds with a shipyard in Galicia.",
    "The vessels, due in service in 2028, will carry 600 passengers and 40 lorries each and run "
    "on batteries inside the harbour at Dunmore, cutting noise and fumes for nearby homes.",
    "Island councillors welcomed the order but said the current fleet, the oldest in the region, "
    "had broken down eleven times this year and left hospital patients without a crossing.",
    "The transport minister, Owen Pryce, said the government would lend part of the cost and "
    "that the port would need a new charging berth, to be built over the next two winters.",
    "Union organiser Fiona Gallagher said crews hoped to be trained on the new ships and that "
    "the order showed the routes had a future after a difficult year of disputes.",
]
QUOTE = (
    '"We listened to every objection, and we changed the design three times to answer them," '
    "she said."
)
HEADER = (
    "The Dunmore Herald | Local news since 1911 | Subscribe | Sign in | Today's paper | Weather: "
    "showers and bright spells, 11 degrees | Sailing times and port updates every half hour"
)
FOOTER = (
    "The Dunmore Herald is published by Herald Media. All content is protected by copyright and "
    "may not be reproduced, distributed or cached without prior written permission. To report "
    "an error, write to the readers' editor, who answers within five working days."
)
ORIGINAL = signature("\n\n".join(FERRY))


def joins(paragraphs):
    return is_same_story(ORIGINAL, signature("\n\n".join(paragraphs)))


def test_wire_copy_with_rewritten_headline_and_lede_and_a_sign_off_joins():
    lede = (
        "DUNMORE, 12 May (Atlas Wire) - About 3,400 passengers were stranded on Friday and "
        "lorries queued outside the port of Dunmore as ferry crews on Kestrel Sound walked out."
    )
    copy = [
        "Ferry strike strands thousands on Kestrel Sound",
        lede,
        *FERRY[1:],
        "Reporting by Ines Carvalho; editing by Ruth Mbeki",
    ]
    assert joins(copy)


def test_trimmed_ending_and_added_paragraphs_join():
    assert joins(FERRY[:5])
    added = [
        *FERRY[:3],
        "Atlas Wire could not independently verify the figures, and the operator did not respond "
        "to requests for comment outside office hours.",
        *FERRY[3:],
        "Analysts said the dispute was widely expected and would have little lasting effect, "
        "though several warned that the longer-term costs for the islands remain unclear.",
    ]
    assert joins(added)


def test_aggregator_notice_and_reader_appeal_join():
    copy = [
        "This article is auto-generated from a syndicated Atlas Wire feed; only the headline may "
        "have been edited by our staff.",
        *FERRY,
        "Independent journalism takes time and money. Support our newsroom with a subscription.",
    ]
    assert joins(copy)


# Hand-picked misspellings: letters swapped, dropped, doubled and hit on a neighbouring key,
# about one word in twelve.
TYPOS = {
    "walked": "wlaked",
    "passengers": "passengres",
    "kilometres": "kilometers",
    "strike": "strik",
    "routes": "rouets",
    "offer": "offfer",
    "organiser": "organizer",
    "without": "withuot",
    "profits": "profitss",
    "disruption": "disruptoin",
    "sailing": "salling",
    "stoppage": "stopage",
    "processing": "procesing",
    "diverted": "divertde",
    "councillors": "councilors",
    "hospital": "hosptial",
    "minister": "minsiter",
    "agreement": "agreemnet",
    "residents": "residnets",
    "balloted": "ballotted",
}
# Scanner confusions: look-alike letters and digits, a word hyphenated at a line end, a lost space.
OCR = {
    "morning": "rnorning",
    "Friday": "Fridav",
    "leaving": "1eaving",
    "Dunmore": "Dunrnore",
    "Union": "Uni0n",
    "broke": "hroke",
    "Thursday": "Thursclay",
    "crews": "crcws",
    "longer": "1onger",
    "summer": "surnmer",
    "regretted": "regrettcd",
    "transfers": "trans-\nfers",
    "available": "avai1able",
    "Hauliers": "Hau1iers",
    "island": "is1and",
    "harbour": "harhour",
    "contact": "contaet",
    "company": "cornpany",
    "weekend": "wcekend",
    "night service": "nightservice",
}


def _misspelt(mapping):
    out = []
    for paragraph in FERRY:
        for word, wrong in mapping.items():
            paragraph = re.sub(rf"\b{word}\b", wrong, paragraph)
        out.append(paragraph)
    return out


def test_copy_with_typos_joins():
    copy = _misspelt(TYPOS)
    assert copy != FERRY
    assert joins(copy)


def test_copy_with_scanner_errors_joins():
    copy = _misspelt(OCR)
    assert copy != FERRY
    assert joins(copy)


def test_lower_cased_copy_stripped_of_punctuation_shingles_as_the_original():
    flat = [re.sub(r"[^\w\s]", "", p.lower()) for p in FERRY]
    assert "3400" in flat[0] and "workers union" in flat[1]
    assert shingles("\n\n".join(flat[:7])) == shingles("\n\n".join(FERRY[:7]))
    # A hyphen joins two words into one ("48hour", "freightonly"): a few shingles differ.
    assert compare(ORIGINAL, signature("\n\n".join(flat))).jaccard > 0.9
    assert joins(flat)


def test_paragraphs_reflowed_into_one_line_shingle_as_the_original():
    assert signature(" ".join(FERRY)) == ORIGINAL


def test_matching_words_drop_inner_apostrophes_and_number_separators_only():
    words = matching_words(fingerprint_text("Workers' pay: 6.5% of 3,400 isn't 12:30, L'Aquila"))
    assert words == ["workers", "pay", "65", "of", "3400", "isnt", "1230", "laquila"]


def test_reordered_sentences_with_a_sentence_of_another_story_join():
    sentences = [s for p in FERRY for s in re.split(r"(?<=[.!?])\s+", p)]
    shuffled = sentences[1::2] + sentences[::2]
    shuffled.insert(5, FERRY_FOLLOW_UP[1])
    assert joins([" ".join(shuffled[:6]), " ".join(shuffled[6:])])


def test_several_edits_at_once_join():
    # Every other misspelling (one word in 25), then lower case without punctuation, one line,
    # the last two paragraphs cut.
    copy = _misspelt(dict(list(TYPOS.items())[::2]))[:6]
    copy = [re.sub(r"[^\w\s]", "", p.lower()) for p in copy]
    assert joins([" ".join(copy)])


def test_same_topic_story_stays_apart_from_the_story_and_its_noisy_copies():
    other = signature("\n\n".join(FERRY_FOLLOW_UP))
    assert not is_same_story(ORIGINAL, other)
    for copy in (_misspelt(TYPOS), _misspelt(OCR), FERRY[:5]):
        assert not is_same_story(signature("\n\n".join(copy)), other)
    found = [Candidate("follow-up", other), Candidate("strike", ORIGINAL)]
    assert assign_story(signature("\n\n".join(_misspelt(TYPOS))), found) == "strike"


def test_story_quoting_another_story_stays_apart():
    quoting = [*FERRY_FOLLOW_UP[:3], f'"{FERRY[2]}" the union said last month.', FERRY[3]]
    quoting += FERRY_FOLLOW_UP[3:]
    assert compare(ORIGINAL, signature("\n\n".join(quoting))).shared > 0
    assert not joins(quoting)


def test_stories_sharing_an_outlet_s_header_and_footer_stay_apart():
    a = signature("\n\n".join([HEADER, *FERRY[:3], FOOTER]))
    b = signature("\n\n".join([HEADER, *FERRY_FOLLOW_UP[:3], FOOTER]))
    assert compare(a, b).shared > 0
    assert not is_same_story(a, b)
    assert not is_same_story(ORIGINAL, signature(f"{HEADER}\n\n{QUOTE}\n\n{FOOTER}"))
