"""Every input of a run is scored for its story: an article carries its story_id, and an exact
duplicate names the article whose story it shares."""

import re

import duckdb
from lake_rows import RUN1

from newslake.flows.recorder import RunRecorder
from newslake.flows.settings import ClaimSettings
from newslake.flows.summary import RunSummary
from newslake.transforms.extract import extract_page
from newslake.transforms.records import Page
from newslake.transforms.topics import compile_topics
from newslake.warehouse.lake import Lake
from newslake.warehouse.views import WAREHOUSE

STORY = [
    "Ferry crews on the Kestrel Sound routes walked out at dawn on Friday, stranding about 3,400 "
    "passengers and leaving lorries queued for two kilometres outside the port of Dunmore.",
    "The strike, the first on the routes since 2019, was called by the Maritime Workers' Union "
    "after talks over a 6.5% pay offer broke down late on Thursday evening.",
    "Union organiser Fiona Gallagher said crews had been asked to work longer rotations without "
    "extra pay while the operator, Sound Link, reported record profits for the summer season.",
    "Sound Link said it regretted the disruption and had offered refunds or free transfers to the "
    "next available sailing, but warned that services could not resume before Sunday.",
]


def page(url: str, paragraphs: list[str]) -> Page:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html><head><title>Ferry strike</title></head><body><article>{body}</article>"
    return Page.create(source="files:t", url=url, body=f"{html}</body></html>".encode(), run=RUN1)


def test_a_lower_cased_copy_is_a_duplicate_naming_the_article_whose_story_it_shares(tmp_path):
    lower = [p.lower() for p in STORY]
    flat = [re.sub(r"(?<=\d)[.,](?=\d)|'", "", p) for p in lower]
    typo = [p.replace("walked", "wlaked").replace("organiser", "organizer") for p in STORY]
    pages = [
        page("https://a.example/ferry", STORY),
        page("https://a.example/ferry-plain", lower),  # same outlet, same words: a duplicate
        page("https://b.example/strike", flat),  # another outlet: an article of the story
        page("https://c.example/strike", typo),  # a near copy: an article of the story
    ]
    lake = Lake(tmp_path / "lake")
    with lake.writing(RUN1, timeout_s=1) as commit:
        summary = RunSummary(RUN1.run_id, str(lake.root))
        recorder = RunRecorder(commit, RUN1, summary, {}, compile_topics([]), ClaimSettings())
        recorder.record(pages, [extract_page(p) for p in pages], {})
        recorder.close()
        commit.publish()
    con = duckdb.connect(str(lake.root / WAREHOUSE), read_only=True)
    scored = con.execute(
        "SELECT f.url, f.outcome, a.story_id FROM fetch_log f "
        "LEFT JOIN articles a USING (article_id) ORDER BY f.url"
    ).fetchall()
    con.close()
    outcomes = {url: outcome for url, outcome, _ in scored}
    assert outcomes["https://a.example/ferry-plain"] == "duplicate"
    assert sorted(outcomes.values()) == ["duplicate", "ok", "ok", "ok"]
    assert len({story for _, _, story in scored}) == 1 and scored[0][2] is not None
