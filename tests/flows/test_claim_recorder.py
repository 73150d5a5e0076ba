from dataclasses import replace

from lake_rows import RUN1

from newslake.flows.claim_recorder import ClaimRecorder
from newslake.flows.settings import ClaimSettings
from newslake.transforms.claims.clusters import MAX_CLAIMS_PER_KEY, claim_ref, exact_key
from newslake.transforms.claims.finding import find_claims
from newslake.transforms.claims.placement import claim_keys, rank_firsts
from newslake.transforms.records import Article
from newslake.warehouse.lake import Lake
from newslake.warehouse.lake_index import LakeIndex
from newslake.warehouse.run_writer import RunWriter

SENTENCE = "The lab said the model cost $5.6 million to train on 2,048 chips last year."


def article(n: int) -> Article:
    return Article(
        article_id=f"a{n}",
        page_id=f"p{n}",
        url=f"https://outlet{n}.example/story",
        canonical_url=None,
        outlet=f"Outlet {n}",
        source="files:t",
        title="T",
        authors=[],
        published_at=RUN1.started_at,
        published_offset_minutes=None,
        published_day=RUN1.started_at.date(),
        date_source=None,
        date_confidence="none",
        is_updated=False,
        date_candidates=[],
        language="en",
        text=SENTENCE,
        word_count=15,
        content_hash=f"h{n}",
        story_id=f"s{n}",
        is_story_canonical=True,
    )


def test_a_copy_of_a_sentence_joins_its_cluster_however_many_copies_came_before(tmp_path):
    (claim,) = find_claims(SENTENCE, 2026)
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        state = LakeIndex(lake, spill=commit.staging / "index.duckdb")
        recorder = ClaimRecorder(RunWriter(commit, state, RUN1), RUN1, ClaimSettings())
        many = MAX_CLAIMS_PER_KEY + 5  # more copies than a key may have to find candidates
        recorder.record([(article(n), [claim], False) for n in range(many)])
        recorder.record([(article(many), [claim], False)])  # a later batch
        rows = state.con.execute("SELECT DISTINCT claim_id FROM run_claims").fetchall()
        key = exact_key(claim.normalised)
        crowded = state.claim_candidates([key])  # too many holders to be a candidate key
        exact = state.claim_exact([key])  # but a copy is a copy
        state.close()
    assert len(rows) == 1
    assert key not in crowded
    assert exact == {key: rows[0][0]}


BATCHES = [
    [
        SENTENCE,
        "The port said 1,200 containers were unloaded in March, a record for the month.",
        "The lab said the model cost $5.6 million to train on 2,048 chips in 2025.",
    ],
    [
        "Training the model cost the lab $5.6 million on 2,048 chips last year, it said.",
        "Officials said 1,200 containers came off ships at the port in March.",
        "The union said its members voted to ratify the agreement on Thursday.",
        SENTENCE,
    ],
]


def claims_placed(tmp_path, ranked_on_workers: bool) -> list[tuple]:
    """Two batches of claims staged by a recorder, serially or ranked as workers rank them;
    each claim's cluster and keys."""
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        state = LakeIndex(lake, spill=commit.staging / "index.duckdb")
        recorder = ClaimRecorder(RunWriter(commit, state, RUN1), RUN1, ClaimSettings())
        n = 0
        for texts in BATCHES:
            batch = []
            for text in texts:
                batch.append((replace(article(n), text=text), find_claims(text, 2026), False))
                n += 1
            if not ranked_on_workers:
                recorder.record(batch)
                continue
            found_keys = {
                claim_ref(a.article_id, c.sentence_index): keys
                for a, claims, _ in batch
                for c, keys in zip(claims, claim_keys(claims, True), strict=True)
            }
            lookup = recorder.look_up(batch, found_keys)
            assert lookup is not None and lookup.firsts.texts is None  # nothing prepared here
            rankings = [
                ranked
                for chunk in lookup.chunks(2)
                for ranked in rank_firsts(*chunk[:4], True, chunk.start)
            ]
            recorder.place(lookup, rankings)
        rows = state.con.execute(
            "SELECT i.ref, i.claim_id, list_sort(list(k.match_key)) FROM run_claims i "
            "JOIN run_claim_keys k USING (ref) GROUP BY ALL ORDER BY ref"
        ).fetchall()
        state.close()
    return rows


def test_claims_ranked_on_workers_are_placed_as_the_serial_path_places_them(tmp_path):
    serial = claims_placed(tmp_path / "serial", ranked_on_workers=False)
    ranked = claims_placed(tmp_path / "ranked", ranked_on_workers=True)
    assert ranked == serial
    clusters = {ref.split(":")[0]: claim_id for ref, claim_id, _ in serial}
    assert clusters["a3"] == clusters["a0"] == clusters["a6"]  # a later batch's rewording, copy
    assert clusters["a4"] == clusters["a1"] != clusters["a5"]
