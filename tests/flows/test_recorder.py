from lake_rows import RUN1

from newslake.flows.recorder import RunRecorder
from newslake.flows.settings import ClaimSettings
from newslake.flows.summary import RunSummary
from newslake.transforms.claims.finding import article_claims
from newslake.transforms.extract import extract_page
from newslake.transforms.records import Page
from newslake.transforms.topics import compile_topics
from newslake.warehouse.lake import Lake

STORY = (
    "<p>The city council approved a budget of $3.2 million for new bus lanes on Monday, "
    "officials said after a long debate about the cost of the plan.</p>"
    "<p>Work on the first two lanes is due to start in May and should take about eight months, "
    "according to the transport department, which will publish a timetable next week.</p>"
)


def page(url: str, paragraphs: str) -> Page:
    html = "<html><head><title>Bus lanes</title></head><body><article><h1>Bus lanes</h1>"
    html += f"{paragraphs}</article></body></html>"
    return Page.create(source="files:t", url=url, body=html.encode(), run=RUN1)


def test_only_staged_articles_are_returned_for_claims_and_their_claims_are_staged(tmp_path):
    pages = [
        page("https://a.example/bus", STORY),
        page("https://a.example/bus?amp=1", STORY),  # the same text, same outlet: a duplicate
        page("https://c.example/other", STORY.replace("bus lanes", "cycle paths")),
    ]
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        summary = RunSummary(RUN1.run_id, str(lake.root))
        recorder = RunRecorder(commit, RUN1, summary, {}, compile_topics([]), ClaimSettings())
        placed = recorder.record(pages, [extract_page(p) for p in pages], {})
        claims = [article_claims(a.text, a.language, a.published_at) for a, _ in placed]
        recorder.record_claims(placed, claims)
        staged = commit.tables["claims"].rows
        recorder.close()
    assert [a.url for a, _ in placed] == ["https://a.example/bus", "https://c.example/other"]
    assert [replaces for _, replaces in placed] == [False, False]
    assert all(claims) and staged == sum(map(len, claims))
    assert summary.outcomes["duplicate"] == 1
