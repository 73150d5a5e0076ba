"""The report as one HTML page: the page template filled with its tables and chart containers.

Data in, an HTML string out. The page frame and its prose are `page.html`, its style
`report.css` and the script that draws the charts `draw_charts.js`, all shipped with the
package; every value put into the page is escaped here.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from newslake.warehouse.report.charts import chart_specs, kind_unit
from newslake.warehouse.report.data import (
    ClaimRow,
    Figure,
    FigureSpread,
    OutletRow,
    ReportData,
    StoryRow,
)


def render_report(data: ReportData, *, generated_at: datetime, script: str) -> str:
    """The whole report as one HTML page; `script` is the charting JavaScript to inline."""
    specs = chart_specs(data)
    scope = []
    if data.topic is not None:
        scope.append(f"topic {_e(data.topic)}")
    if data.since is not None:
        scope.append(f"published on or after {data.since.isoformat()}")
    dates = (
        f"{data.first_date.isoformat()} to {data.last_date.isoformat()}"
        if data.first_date and data.last_date
        else "no dated articles"
    )
    if data.undated:
        dates += f" (and {data.undated:,} undated)"
    spec_tags = [
        f'<script type="application/json" class="vega-spec" id="spec-{name}">'
        f"{_json_for_script(spec)}</script>"
        for name, spec in specs.items()
    ]
    return Template(_asset("page.html")).substitute(
        css=_asset("report.css"),
        # Draws every chart: the spec named by the container's data-spec, as SVG, without the
        # action menu (its links would need the network). A failure is written into the container.
        draw_charts=_asset("draw_charts.js"),
        lake=_e(data.lake),
        scope="; ".join(scope) or "all articles",
        dates=dates,
        generated=_timestamp(generated_at.astimezone(UTC)),
        articles=f"{data.articles:,}",
        stories=f"{data.stories:,}",
        outlets=f"{data.outlets:,}",
        claims_shown=f"{len(data.claims):,}",
        topics_per_day=_chart(specs, "topics-per-day", "Articles per day, by topic"),
        volume_per_day=_chart(specs, "volume-per-day", "Articles and distinct stories per day"),
        outlets_per_day=_chart(specs, "outlets-per-day", "Articles per day, by outlet"),
        share_of_voice=_chart(specs, "share-of-voice", "Share of articles and stories, by outlet"),
        outlet_table=_outlet_table(data.outlet_rows),
        story_table=_story_table(data.story_rows),
        claim_timeline=_chart(specs, "claim-timeline", "When each claim appeared"),
        claim_table=_claim_table(data.claims, data.spreads),
        figure_spread=_chart(specs, "figure-spread", "Stated figures, relative to the highest"),
        spread_table=_spread_table(data.claims, data.spreads),
        spec_tags="".join(f"\n{tag}" for tag in spec_tags),
        script=_script_text(script),
    )


@cache
def _asset(name: str) -> str:
    """A file shipped with this package (the page template, its style and script)."""
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def _chart(specs: dict[str, dict[str, Any]], name: str, title: str) -> str:
    if name not in specs:
        return f'<h3>{_e(title)}</h3>\n<p class="empty">No data.</p>'
    return (
        f'<h3>{_e(title)}</h3>\n<div class="chart" id="chart-{name}" data-spec="spec-{name}"></div>'
    )


def _table(headers: list[str], rows: list[list[str]], classes: dict[int, str]) -> str:
    """A table of already escaped cells; `classes` styles columns by index (num, nowrap, wide)."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            f'<{tag} class="{classes[i]}">{v}</{tag}>' if i in classes else f"<{tag}>{v}</{tag}>"
            for i, v in enumerate(values)
        )

    head = f"<thead><tr>{cells('th', [_e(h) for h in headers])}</tr></thead>"
    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def _outlet_table(rows: list[OutletRow]) -> str:
    if not rows:
        return '<p class="empty">No data.</p>'
    return _table(
        ["outlet", "articles", "stories", "share of articles", "share of stories", "first", "last"],
        [
            [
                _e(r.outlet),
                f"{r.articles:,}",
                f"{r.stories:,}",
                f"{r.article_share:.1%}",
                f"{r.story_share:.1%}",
                _day(r.first_date),
                _day(r.last_date),
            ]
            for r in rows
        ],
        classes={1: "num", 2: "num", 3: "num", 4: "num", 5: "nowrap", 6: "nowrap"},
    )


def _story_table(rows: list[StoryRow]) -> str:
    if not rows:
        return '<p class="empty">No data.</p>'
    return _table(
        ["story", "outlets", "articles", "first published", "carried by"],
        [
            [
                _e(r.title or "(untitled)"),
                f"{r.outlets:,}",
                f"{r.articles:,}",
                _timestamp(r.first_published),
                _e(", ".join(r.outlet_names)),
            ]
            for r in rows
        ],
        classes={0: "wide", 1: "num", 2: "num", 3: "nowrap"},
    )


def _claim_table(claims: list[ClaimRow], spreads: list[FigureSpread]) -> str:
    if not claims:
        return '<p class="empty">No data: no claim recurs in these articles.</p>'
    disputed = {(s.claim_id, s.kind, s.unit) for s in spreads}
    rows = []
    for rank, c in enumerate(claims, 1):
        figures = [
            _figure(f, disagrees=(c.claim_id, f.kind, f.unit) in disputed) for f in c.figures
        ]
        notes = [f"outlets, first to last: {_e(' → '.join(c.outlet_order))}"]
        if c.attributed_to:
            notes.append(f"attributed to: {_e('; '.join(c.attributed_to))}")
        rows.append(
            [
                str(rank),
                f'{_e(c.text)}<div class="note">{"<br>".join(notes)}</div>',
                f"{c.stories:,}",
                f"{c.outlets:,}",
                f"{c.articles:,}",
                _day_of(c.first_seen),
                _day_of(c.last_seen),
                "<br>".join(figures),
            ]
        )
    return _table(
        ["#", "claim", "stories", "outlets", "articles", "first seen", "last seen", "figures"],
        rows,
        classes={0: "num", 1: "wide", 2: "num", 3: "num", 4: "num", 5: "nowrap", 6: "nowrap"},
    )


def _spread_table(claims: list[ClaimRow], spreads: list[FigureSpread]) -> str:
    ranks = {c.claim_id: rank for rank, c in enumerate(claims, 1)}
    texts = {c.claim_id: c.text for c in claims}
    shown = [s for s in spreads if s.claim_id in ranks]
    if not shown:
        return '<p class="empty">No data: the recurring claims state no conflicting figures.</p>'
    return _table(
        ["#", "claim", "kind", "figures", "low", "high"],
        [
            [
                str(ranks[s.claim_id]),
                _e(texts[s.claim_id]),
                _e(kind_unit(s)),
                "<br>".join(_figure(f, disagrees=True) for f in s.figures),
                _e(_number(s.low)),
                _e(_number(s.high)),
            ]
            for s in shown
        ],
        classes={0: "num", 1: "wide", 2: "nowrap", 4: "num", 5: "num"},
    )


def _figure(figure: Figure, *, disagrees: bool) -> str:
    """A figure as stated, its kind and unit on hover, and ×N: the sentences stating it."""
    title = f"{figure.kind}, {figure.unit}" if figure.unit else figure.kind
    return (
        f'<span class="{"disagree" if disagrees else "fig"}" title="{_e(title)}">'
        f"{_e(figure.text)}</span>&#8239;×{figure.mentions}"
    )


def _number(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:,.6g}"


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "undated"


def _day_of(value: datetime | None) -> str:
    """The UTC day of a timestamp, with the full time as a hover title."""
    if value is None:
        return "undated"
    return f'<span title="{_timestamp(value)}">{value.astimezone(UTC).date().isoformat()}</span>'


def _timestamp(value: datetime | None) -> str:
    if value is None:
        return "undated"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _json_for_script(value: Any) -> str:
    """JSON that cannot end its <script> element early: <, > and & become escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _script_text(script: str) -> str:
    """Script text that cannot end its <script> element early (`<\\/` means `</` in JS)."""
    return re.sub(r"</(script)", r"<\\/\1", script, flags=re.IGNORECASE).replace("<!--", "<\\!--")
