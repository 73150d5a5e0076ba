import pickle
from dataclasses import replace

from lake_rows import RUN1

from newslake.transforms.claims.clusters import (
    MAX_CLAIMS_PER_KEY,
    PreparedCache,
    exact_key,
    new_claim_id,
)
from newslake.transforms.claims.finding import find_claims
from newslake.transforms.claims.pairs import pair_model
from newslake.transforms.claims.placement import (
    ClaimLookup,
    ClaimRules,
    RankBatch,
    claim_copies,
    first_copies,
    place_claims,
    rank_firsts,
)
from newslake.transforms.records import Article

SENTENCE = "The lab said the model cost $5.6 million to train on 2,048 chips last year."
OTHER = "The port said 1,200 containers were unloaded in March, a record for the month."


def article(n: int) -> Article:
    return Article(
        article_id=f"a{n}", page_id=f"p{n}", url=f"https://o{n}.example/s", canonical_url=None,
        outlet=f"Outlet {n}", source="files:t", title="T", authors=[],
        published_at=RUN1.started_at, published_offset_minutes=None, published_day=None,
        date_source=None, date_confidence="none", is_updated=False, date_candidates=[],
        language="en", text=SENTENCE, word_count=15, content_hash=f"h{n}", story_id=f"s{n}",
        is_story_canonical=True,
    )  # fmt: skip


def rules() -> ClaimRules:
    return ClaimRules(RUN1, pair_model(False), False, PreparedCache(10))


def test_copies_of_a_sentence_in_a_batch_join_the_first_ones_cluster():
    claim, other = find_claims(f"{SENTENCE} {OTHER}", 2026)
    copies = claim_copies([(article(0), [claim, other]), (article(1), [claim])])
    firsts = first_copies(copies, {}, semantic=False)
    assert [key for key, _ in firsts.claims] == [
        exact_key(claim.normalised),
        exact_key(other.normalised),
    ]
    rows = place_claims(copies, {}, firsts, {}, {}, rules())
    by_ref = {(r.article_id, r.sentence_index): r for r in rows}
    first, copy = by_ref["a0", claim.sentence_index], by_ref["a1", claim.sentence_index]
    assert first.claim_id == copy.claim_id == new_claim_id("a0", claim.sentence_index)
    assert copy.match_keys == [exact_key(claim.normalised)]  # the first holds the rest
    assert len(first.match_keys) > 1
    assert by_ref["a0", other.sentence_index].claim_id != first.claim_id


def test_a_sentence_the_lake_holds_joins_the_stored_cluster_without_being_prepared():
    (claim,) = find_claims(SENTENCE, 2026)
    copies = claim_copies([(article(2), [claim])])
    stored = {exact_key(claim.normalised): "stored-cluster"}
    firsts = first_copies(copies, stored, semantic=False)
    assert firsts.claims == [] and firsts.match_keys() == []
    (row,) = place_claims(copies, stored, firsts, {}, {}, rules())
    assert (row.claim_id, row.article_id, row.run_id) == ("stored-cluster", "a2", RUN1.run_id)


def test_a_claim_matching_a_stored_candidate_joins_its_cluster():
    (claim,) = find_claims(SENTENCE, 2026)
    copies = claim_copies([(article(3), [replace(claim, text=claim.text.replace("lab", "firm"))])])
    firsts = first_copies(copies, {}, semantic=False)
    candidates = {key: [("a0:0", "c-old", SENTENCE)] for key in firsts.match_keys()}
    heads = {"c-old": ("a0:0", SENTENCE)}
    (row,) = place_claims(copies, {}, firsts, candidates, heads, rules())
    assert row.claim_id == "c-old"


def test_stored_claims_of_a_crowded_key_are_neither_prepared_nor_compared():
    # The lake answers the stored claims holding a key; a key held by more than
    # MAX_CLAIMS_PER_KEY of them (a stock phrase) finds none: the work stays that of its
    # rarer keys however large the lake grows.
    (claim,) = find_claims(SENTENCE, 2026)
    copies = claim_copies([(article(3), [replace(claim, text=claim.text.replace("lab", "firm"))])])
    firsts = first_copies(copies, {}, semantic=False)
    crowded = firsts.keys[0][1]
    holders = [(f"s{n}:0", f"c-{n}", SENTENCE) for n in range(MAX_CLAIMS_PER_KEY + 1)]
    cache = PreparedCache(1_000)
    (ranking,) = rank_firsts(
        firsts.found(),
        firsts.keys,
        {crowded: [ref for ref, _, _ in holders]},
        {ref: (claim_id, text) for ref, claim_id, text in holders},
        semantic=False,
        cache=cache,
    )
    assert ranking is not None and ranking.refs == () and not cache.items
    heads = {"c-0": ("s0:0", SENTENCE)}
    (row,) = place_claims(copies, {}, firsts, {crowded: holders}, heads, rules())
    assert row.claim_id == new_claim_id("a3", claim.sentence_index)
    # the same claims under a key few claims hold are compared, and the rewording joins
    (row,) = place_claims(copies, {}, firsts, {crowded: holders[:1]}, heads, rules())
    assert row.claim_id == "c-0"


RELATED = [
    SENTENCE,
    "The lab said the model cost $5.6 million to train on 2,048 chips in 2025.",
    "Training the model cost the lab $5.6 million on 2,048 chips last year, it said.",
    OTHER,
    "The port said 1,200 containers were unloaded in March, the most for any month.",
    "Officials said 1,200 containers came off ships at the port in March.",
    "The union said its members voted to ratify the agreement on Thursday.",
]


def looked_up(semantic: bool):
    """A batch of related claims, half of one story stored already, as the lake index would
    answer for it: (copies, stored, firsts, candidates, heads)."""
    found = [claim for n, text in enumerate(RELATED) for claim in find_claims(text, 2026)]
    batch = [(article(10 + n), [claim]) for n, claim in enumerate(found)]
    copies = claim_copies([*batch, (article(30), [found[0]])])
    firsts = first_copies(copies, {}, semantic)
    stored_text = "The lab said the model cost about $5.6 million to train on 2,048 chips."
    candidates = {key: [("s0:0", "c-old", stored_text)] for key in firsts.keys[1]}
    heads = {"c-old": ("s0:0", stored_text)}
    return copies, {}, firsts, candidates, heads


def placed_serially(semantic):
    """The looked-up batch, its serial placement, and its claims found again with the keys
    found on workers (as a run sends them to rank)."""
    copies, stored, firsts, candidates, heads = looked_up(semantic)
    claim_rules = ClaimRules(RUN1, pair_model(semantic), semantic, PreparedCache(10))
    serial = place_claims(copies, stored, firsts, candidates, heads, claim_rules)
    found_keys = dict(zip(refs(firsts), firsts.keys, strict=True))
    keyed = first_copies(copies, stored, semantic, found_keys)
    return copies, stored, firsts, candidates, heads, serial, keyed


def test_rankings_from_workers_place_a_batch_as_the_serial_path_does():
    for semantic in (False, True):
        copies, stored, firsts, candidates, heads, serial, keyed = placed_serially(semantic)
        assert keyed.texts is None and keyed.keys == firsts.keys
        lookup = ClaimLookup(copies, stored, keyed, candidates, heads)
        rankings = []
        for chunk in lookup.chunks(3):  # as workers rank a batch
            claims, keys, chunk_candidates, texts, start = chunk
            assert len(claims) <= 3 + start and set(chunk_candidates) <= set(candidates)
            rankings += rank_firsts(claims, keys, chunk_candidates, texts, semantic, start)
        fresh_rules = ClaimRules(RUN1, pair_model(semantic), semantic, PreparedCache(10))
        ranked = place_claims(copies, stored, keyed, candidates, heads, fresh_rules, rankings)
        assert ranked == serial
        cluster = {row.article_id: row.claim_id for row in serial}
        assert cluster["a12"] == "c-old"  # a rewording joined the stored cluster
        assert cluster["a14"] == cluster["a13"] != cluster["a16"]  # and one of the batch's


def refs(firsts):
    return [ref for ref, _ in firsts.found()]


def test_a_chunk_carries_exactly_the_stored_claims_sharing_a_key_with_its_claims():
    copies, stored, firsts, _, heads = looked_up(False)
    # two stored claims per key, one of them under every key
    candidates = {
        key: [(f"s{key}:0", f"c{key}", f"text {key}"), ("s0:0", "c0", "text 0")]
        for key in {key for keys in firsts.keys for key in keys}
    }
    lookup = ClaimLookup(copies, stored, firsts, candidates, heads)
    for _, keys, chunk_candidates, texts, start in lookup.chunks(2):
        mine = {key for claim_keys in keys[start:] for key in claim_keys}
        assert set(chunk_candidates) == mine
        assert chunk_candidates == {key: [f"s{key}:0", "s0:0"] for key in mine}
        assert texts == {
            **{f"s{key}:0": (f"c{key}", f"text {key}") for key in mine},
            "s0:0": ("c0", "text 0"),
        }


def test_a_batch_packed_once_is_ranked_by_chunks_as_the_serial_path_places_it():
    for semantic in (False, True):
        copies, stored, _, candidates, heads, serial, keyed = placed_serially(semantic)
        lookup = ClaimLookup(copies, stored, keyed, candidates, heads)
        packed = pickle.loads(pickle.dumps(tuple(lookup.ranking())))  # as sent to workers
        for size in (1, 2, 100):
            assert list(lookup.chunks(size)) == [
                RankBatch(*packed).chunk(start, size) for start in range(0, len(refs(keyed)), size)
            ]
            rankings = []
            for start in range(0, len(refs(keyed)), size):
                chunk = RankBatch(*packed).chunk(start, size)
                rankings += rank_firsts(*chunk[:4], semantic, chunk.start)
            assert len(rankings) == len(refs(keyed))
            fresh_rules = ClaimRules(RUN1, pair_model(semantic), semantic, PreparedCache(10))
            ranked = place_claims(copies, stored, keyed, candidates, heads, fresh_rules, rankings)
            assert ranked == serial
