import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

from newslake.warehouse.report.charts import chart_specs
from newslake.warehouse.report.data import (
    ClaimDay,
    ClaimRow,
    DayCount,
    Figure,
    FigureSpread,
    OutletRow,
    ReportData,
    StoryRow,
)
from newslake.warehouse.report.html import render_report

GENERATED = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)
EVIL = '</script><script>alert("owned")</script> & <b>bold</b>'


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def money(value: float, text: str, mentions: int) -> Figure:
    return Figure("money", "USD", value, text, mentions)


def claim(claim_id: str, text: str, figures: list[Figure]) -> ClaimRow:
    return ClaimRow(
        claim_id=claim_id,
        text=text,
        stories=3,
        outlets=2,
        articles=4,
        first_seen=at(5),
        last_seen=at(8),
        outlet_order=["Harbour Gazette", "Wire"],
        attributed_to=["the company"],
        figures=figures,
    )


def sample() -> ReportData:
    """Two outlets over 5–8 March (nothing on the 7th), two claims, one with figures that
    disagree."""
    cost = [money(5_500_000, "$5.5 million", 1), money(6_000_000, "$6 million", 3)]
    return ReportData(
        lake="/data/lake",
        topic=None,
        since=None,
        articles=5,
        stories=3,
        outlets=2,
        undated=1,
        first_date=date(2026, 3, 5),
        last_date=date(2026, 3, 8),
        topic_days=[
            DayCount(date(2026, 3, 5), "ai", 2, 1),
            DayCount(date(2026, 3, 6), "ai", 1, 1),
            DayCount(date(2026, 3, 8), "strike", 1, 1),
        ],
        outlet_days=[
            DayCount(date(2026, 3, 5), "Harbour Gazette", 1, 1),
            DayCount(date(2026, 3, 5), "Wire", 1, 1),
            DayCount(date(2026, 3, 6), "Wire", 1, 1),
            DayCount(date(2026, 3, 8), "Wire", 1, 1),
        ],
        total_days=[
            DayCount(date(2026, 3, 5), "all", 2, 1),
            DayCount(date(2026, 3, 6), "all", 1, 1),
            DayCount(date(2026, 3, 8), "all", 1, 1),
        ],
        outlet_rows=[
            OutletRow("Wire", 4, 3, 0.8, 0.75, date(2026, 3, 5), date(2026, 3, 8)),
            OutletRow("Harbour Gazette", 1, 1, 0.2, 0.25, date(2026, 3, 5), date(2026, 3, 5)),
        ],
        story_rows=[StoryRow("s1", "Lab trains a model", 2, 2, at(5), ["Harbour Gazette", "Wire"])],
        claims=[
            claim("c1", EVIL, cost),
            claim("c2", "The port moves $14 million a day.", [money(14e6, "$14 million", 2)]),
        ],
        claim_days=[
            ClaimDay("c1", date(2026, 3, 5), 1, 1, 1),
            ClaimDay("c1", date(2026, 3, 8), 2, 2, 3),
            ClaimDay("c2", date(2026, 3, 6), 1, 1, 1),
        ],
        spreads=[FigureSpread("c1", "money", "USD", 5_500_000, 6_000_000, cost)],
    )


def render(data: ReportData, script: str = "window.vegaEmbed = () => {};") -> str:
    return render_report(data, generated_at=GENERATED, script=script)


def embedded_specs(page: str) -> dict[str, dict]:
    """The chart specs as the page's own JavaScript would read them."""
    return {
        name: json.loads(text)
        for name, text in re.findall(
            r'<script type="application/json" class="vega-spec" id="spec-([\w-]+)">(.*?)</script>',
            page,
            re.DOTALL,
        )
    }


def section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}</h2>", 1)[1].split("</section>", 1)[0]


def test_claim_text_cannot_break_out_of_the_page():
    page = render(sample())
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;owned&quot;)" in page
    # Only our own script elements: the specs, the charting library and the embedding code.
    assert page.count("<script") == len(chart_specs(sample())) + 2
    # The spec JSON still carries the text exactly, for the chart tooltips.
    timeline = embedded_specs(page)["claim-timeline"]
    claims = {point["claim"] for point in timeline["layer"][1]["data"]["values"]}
    assert EVIL in claims


def test_a_closing_script_tag_inside_the_library_is_neutralised():
    page = render(sample(), script='const s = "</script><!--", t = "</SCRIPT>";')
    assert 'const s = "<\\/script><\\!--", t = "<\\/SCRIPT>";' in page


def test_every_chart_with_data_has_a_spec_and_a_container():
    page = render(sample())
    specs = embedded_specs(page)
    assert set(specs) == {
        "topics-per-day",
        "volume-per-day",
        "outlets-per-day",
        "share-of-voice",
        "claim-timeline",
        "figure-spread",
    }
    containers = re.findall(r'<div class="chart" id="chart-([\w-]+)" data-spec="spec-\1">', page)
    assert sorted(containers) == sorted(specs)
    assert "no data" not in page.lower()


def test_empty_sections_say_no_data_and_draw_no_chart():
    data = replace(sample(), claims=[], claim_days=[], spreads=[], story_rows=[])
    page = render(data)
    assert set(embedded_specs(page)) == {
        "topics-per-day",
        "volume-per-day",
        "outlets-per-day",
        "share-of-voice",
    }
    for heading in (
        "Recurring claims",
        "Figures that disagree",
        "Stories carried by the most outlets",
    ):
        html = section(page, heading)
        assert "no data" in html.lower(), heading
        assert 'class="chart"' not in html


def test_claims_without_conflicting_figures_leave_the_figures_section_empty():
    page = render(replace(sample(), spreads=[]))
    assert "figure-spread" not in embedded_specs(page)
    assert "no data" in section(page, "Figures that disagree").lower()
    assert 'class="disagree"' not in section(page, "Recurring claims").split("</p>", 1)[1]


def test_day_charts_keep_days_without_articles_on_the_axis():
    specs = chart_specs(sample())
    for name in ("topics-per-day", "volume-per-day", "outlets-per-day"):
        assert specs[name]["encoding"]["x"]["scale"]["domain"] == [
            "2026-03-05",
            "2026-03-06",
            "2026-03-07",
            "2026-03-08",
        ], name


def test_volume_line_is_zero_on_days_without_articles():
    values = chart_specs(sample())["volume-per-day"]["data"]["values"]
    assert [(v["date"], v["articles"], v["stories"]) for v in values] == [
        ("2026-03-05", 2, 1),
        ("2026-03-06", 1, 1),
        ("2026-03-07", 0, 0),
        ("2026-03-08", 1, 1),
    ]


def test_share_of_voice_has_a_bar_per_outlet_and_measure():
    values = chart_specs(sample())["share-of-voice"]["data"]["values"]
    assert sorted((v["outlet"], v["measure"], v["share"]) for v in values) == [
        ("Harbour Gazette", "articles", 0.2),
        ("Harbour Gazette", "stories", 0.25),
        ("Wire", "articles", 0.8),
        ("Wire", "stories", 0.75),
    ]


def test_claim_timeline_has_a_span_per_claim_and_a_dot_per_claim_day():
    layers = chart_specs(sample())["claim-timeline"]["layer"]
    spans, dots = (layer["data"]["values"] for layer in layers)
    assert [(s["first"], s["last"]) for s in spans] == [("2026-03-05", "2026-03-08")] * 2
    assert [(d["label"][:2], d["date"], d["stories"]) for d in dots] == [
        ("1.", "2026-03-05", 1),
        ("1.", "2026-03-08", 2),
        ("2.", "2026-03-06", 1),
    ]


def test_undated_claims_get_no_span():
    data = sample()
    undated = replace(data.claims[1], first_seen=None, last_seen=None)
    spans = chart_specs(replace(data, claims=[data.claims[0], undated]))["claim-timeline"]
    assert len(spans["layer"][0]["data"]["values"]) == 1


def test_figures_are_drawn_relative_to_the_highest_of_their_claim():
    values = chart_specs(sample())["figure-spread"]["data"]["values"]
    assert sorted((v["figure"], round(v["relative"], 4)) for v in values) == [
        ("$5.5 million", 0.9167),
        ("$6 million", 1.0),
    ]
    assert all(v["label"].endswith("(money, USD)") for v in values)


def test_tables_show_the_numbers():
    page = render(sample())
    outlets = section(page, "Share of voice")
    assert "<td>Wire</td>" in outlets and "80.0%" in outlets and "75.0%" in outlets
    claims = section(page, "Recurring claims")
    assert '<span class="disagree" title="money, USD">$6 million</span>&#8239;×3' in claims
    assert '<span class="fig" title="money, USD">$14 million</span>' in claims
    assert "Harbour Gazette → Wire" in claims
    spread = section(page, "Figures that disagree")
    assert "5,500,000" in spread and "6,000,000" in spread


def test_header_names_the_lake_scope_dates_and_generation_time():
    page = render(replace(sample(), topic="port<strike>", since=date(2026, 3, 5)))
    header = page.split("</header>", 1)[0]
    assert "<code>/data/lake</code>" in header
    assert "topic port&lt;strike&gt;; published on or after 2026-03-05" in header
    assert "2026-03-05 to 2026-03-08 (and 1 undated)" in header
    assert "2026-03-20 09:30 UTC" in header
    assert "<b>5</b> articles" in header


def test_the_page_loads_nothing_from_the_network():
    page = render(sample())
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "<link" not in page and "@import" not in page
