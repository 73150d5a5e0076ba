from lake_rows import RUN1

from newslake.flows.claim_recorder import ClaimRecorder
from newslake.flows.settings import ClaimSettings
from newslake.transforms.claims.clusters import MAX_CLAIMS_PER_KEY, exact_key
from newslake.transforms.claims.finding import find_claims
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
