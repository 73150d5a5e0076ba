"""`newslake report`: the report's records, its Vega-Lite chart specs and its one-file HTML.

Data in, an HTML string out. Charts are Vega-Lite specs drawn in the page by vega-embed as
SVG; the JavaScript that draws them is passed in (see `vega_script`), so the page needs no
network to open.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# Longest claim wording shown as a chart label; the tables show it whole.
LABEL_CHARS = 64


@dataclass(frozen=True, slots=True)
class DayCount:
    """Articles and distinct stories published on one day under one key (topic or outlet)."""

    date: date
    key: str
    articles: int
    stories: int


@dataclass(frozen=True, slots=True)
class OutletRow:
    """An outlet's volume and its share of the report's articles and stories."""

    outlet: str
    articles: int
    stories: int
    article_share: float
    story_share: float
    first_date: date | None
    last_date: date | None


@dataclass(frozen=True, slots=True)
class StoryRow:
    """A story (near-duplicate cluster) and how widely it was carried."""

    story_id: str
    title: str | None
    outlets: int
    articles: int
    first_published: datetime | None
    outlet_names: list[str]


@dataclass(frozen=True, slots=True)
class Figure:
    """One distinct figure a claim states, normalised, with the sentences stating it."""

    kind: str
    unit: str | None
    value: float
    text: str
    mentions: int


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """A recurring claim: its earliest wording, support, span and figures."""

    claim_id: str
    text: str
    stories: int
    outlets: int
    articles: int
    first_seen: datetime | None
    last_seen: datetime | None
    outlet_order: list[str]
    attributed_to: list[str]
    figures: list[Figure]


@dataclass(frozen=True, slots=True)
class ClaimDay:
    """How many stories, outlets and articles stated a claim on one day."""

    claim_id: str
    date: date
    stories: int
    outlets: int
    articles: int


@dataclass(frozen=True, slots=True)
class FigureSpread:
    """A claim's figures of one kind and unit that disagree (the `claim_figures` view)."""

    claim_id: str
    kind: str
    unit: str | None
    low: float
    high: float
    figures: list[Figure]


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the report shows, already restricted to its topic and start date."""

    lake: str
    topic: str | None
    since: date | None
    articles: int
    stories: int
    outlets: int
    undated: int
    first_date: date | None
    last_date: date | None
    topic_days: list[DayCount] = field(default_factory=list)
    outlet_days: list[DayCount] = field(default_factory=list)
    total_days: list[DayCount] = field(default_factory=list)
    outlet_rows: list[OutletRow] = field(default_factory=list)
    story_rows: list[StoryRow] = field(default_factory=list)
    claims: list[ClaimRow] = field(default_factory=list)
    claim_days: list[ClaimDay] = field(default_factory=list)
    spreads: list[FigureSpread] = field(default_factory=list)


def vega_script() -> str:
    """The Vega, Vega-Lite and vega-embed JavaScript bundled by vl-convert, as one script."""
    import vl_convert

    # The stub marks `snippet` required; the function's signature is (snippet=None, vl_version=None)
    # and None means the default snippet (vl-convert-python 1.9).
    return vl_convert.javascript_bundle()  # type: ignore[call-arg]


def chart_specs(data: ReportData) -> dict[str, dict[str, Any]]:
    """Vega-Lite specs by chart id, for each chart that has data to draw."""
    days = _calendar(data.first_date, data.last_date)
    specs = {
        "topics-per-day": _topics_chart(data.topic_days, days),
        "volume-per-day": _volume_chart(data.total_days, days),
        "outlets-per-day": _outlets_chart(data.outlet_days, days),
        "share-of-voice": _share_chart(data.outlet_rows),
        "claim-timeline": _timeline_chart(data.claims, data.claim_days),
        "figure-spread": _spread_chart(data.claims, data.spreads),
    }
    return {name: spec for name, spec in specs.items() if spec is not None}


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
    body = [
        "<header>",
        "<h1>newslake report</h1>",
        "<dl>",
        f"<dt>Lake</dt><dd><code>{_e(data.lake)}</code></dd>",
        f"<dt>Scope</dt><dd>{'; '.join(scope) or 'all articles'}</dd>",
        f"<dt>Published</dt><dd>{dates}</dd>",
        f"<dt>Generated</dt><dd>{_timestamp(generated_at.astimezone(UTC))}</dd>",
        "</dl>",
        '<ul class="totals">',
        f"<li><b>{data.articles:,}</b> articles</li>",
        f"<li><b>{data.stories:,}</b> stories</li>",
        f"<li><b>{data.outlets:,}</b> outlets</li>",
        f"<li><b>{len(data.claims):,}</b> recurring claims shown</li>",
        "</ul>",
        "</header>",
        "<section><h2>Coverage over time</h2>",
        "<p>Articles by publication day (UTC); an article matching two topics counts under "
        "both. Undated articles are left out of these charts.</p>",
        _chart(specs, "topics-per-day", "Articles per day, by topic"),
        _chart(specs, "volume-per-day", "Articles and distinct stories per day"),
        _chart(specs, "outlets-per-day", "Articles per day, by outlet"),
        "</section>",
        "<section><h2>Share of voice</h2>",
        "<p>Each outlet's share of the articles, and of the stories (copies of one story "
        "count once per outlet).</p>",
        _chart(specs, "share-of-voice", "Share of articles and stories, by outlet"),
        _outlet_table(data.outlet_rows),
        "</section>",
        "<section><h2>Stories carried by the most outlets</h2>",
        _story_table(data.story_rows),
        "</section>",
        "<section><h2>Recurring claims</h2>",
        "<p>Claims stated by several independent stories, most supported first. The timeline "
        "runs from a claim's first to its last appearance; a dot's size is the number of "
        "stories stating it that day. In the table, ×N after a figure is the number of "
        'sentences stating it; <span class="disagree">highlighted</span> figures disagree with '
        "another of the same kind.</p>",
        _chart(specs, "claim-timeline", "When each claim appeared"),
        _claim_table(data.claims, data.spreads),
        "</section>",
        "<section><h2>Figures that disagree</h2>",
        "<p>Recurring claims above whose sentences state different values of the same kind "
        "and unit. Each value is shown as a share of the highest one stated for that claim.</p>",
        _chart(specs, "figure-spread", "Stated figures, relative to the highest"),
        _spread_table(data.claims, data.spreads),
        "</section>",
        "<footer>Charts drawn with Vega-Lite in this page; no network needed.</footer>",
    ]
    spec_tags = [
        f'<script type="application/json" class="vega-spec" id="spec-{name}">'
        f"{_json_for_script(spec)}</script>"
        for name, spec in specs.items()
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>newslake report: {_e(data.lake)}</title>",
            f"<style>{_CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            *body,
            "</main>",
            *spec_tags,
            f"<script>{_script_text(script)}</script>",
            f"<script>{_EMBED}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _topics_chart(counts: list[DayCount], days: list[str]) -> dict[str, Any] | None:
    if not counts:
        return None
    return _spec(
        {
            "data": {"values": [_day_value(d, "topic") for d in counts]},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": _calendar_axis(days),
                "y": {"field": "articles", "type": "quantitative", "title": "articles"},
                "color": {"field": "topic", "type": "nominal", "title": "topic"},
                "tooltip": [
                    {"field": "date", "type": "nominal", "title": "day"},
                    {"field": "topic", "type": "nominal"},
                    {"field": "articles", "type": "quantitative"},
                    {"field": "stories", "type": "quantitative"},
                ],
            },
            "height": 220,
        }
    )


def _volume_chart(counts: list[DayCount], days: list[str]) -> dict[str, Any] | None:
    if not counts:
        return None
    # A day without articles is a zero on the line, not a gap it would draw straight across.
    by_day = {d.date.isoformat(): d for d in counts}
    values = [
        {"date": day, "articles": 0, "stories": 0}
        if day not in by_day
        else _day_value(by_day[day], "key")
        for day in days
    ]
    return _spec(
        {
            "data": {"values": values},
            "transform": [{"fold": ["articles", "stories"], "as": ["measure", "count"]}],
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": _calendar_axis(days),
                "y": {"field": "count", "type": "quantitative", "title": "per day"},
                "color": {"field": "measure", "type": "nominal", "title": None},
                "tooltip": [
                    {"field": "date", "type": "nominal", "title": "day"},
                    {"field": "measure", "type": "nominal"},
                    {"field": "count", "type": "quantitative"},
                ],
            },
            "height": 180,
        }
    )


def _outlets_chart(counts: list[DayCount], days: list[str]) -> dict[str, Any] | None:
    if not counts:
        return None
    return _spec(
        {
            "data": {"values": [_day_value(d, "outlet") for d in counts]},
            "mark": {"type": "rect", "tooltip": True, "stroke": "white", "strokeWidth": 1},
            "encoding": {
                "x": _calendar_axis(days),
                "y": {
                    "field": "outlet",
                    "type": "nominal",
                    "title": None,
                    "sort": {"field": "articles", "op": "sum", "order": "descending"},
                    "axis": {"labelLimit": 220},
                },
                "color": {
                    "field": "articles",
                    "type": "quantitative",
                    "title": "articles",
                    "scale": {"scheme": "blues"},
                    "legend": {"values": _legend_values(d.articles for d in counts)},
                },
                "tooltip": [
                    {"field": "date", "type": "nominal", "title": "day"},
                    {"field": "outlet", "type": "nominal"},
                    {"field": "articles", "type": "quantitative"},
                    {"field": "stories", "type": "quantitative"},
                ],
            },
            "height": {"step": 24},
        }
    )


def _share_chart(rows: list[OutletRow]) -> dict[str, Any] | None:
    if not rows:
        return None
    values = [
        {"outlet": r.outlet, "measure": measure, "share": share, "count": count}
        for r in rows
        for measure, share, count in (
            ("articles", r.article_share, r.articles),
            ("stories", r.story_share, r.stories),
        )
    ]
    return _spec(
        {
            "data": {"values": values},
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "y": {
                    "field": "outlet",
                    "type": "nominal",
                    "title": None,
                    "sort": [r.outlet for r in rows],
                    "axis": {"labelLimit": 220},
                },
                "yOffset": {"field": "measure", "type": "nominal"},
                "x": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "share",
                    "axis": {"format": "%"},
                },
                "color": {"field": "measure", "type": "nominal", "title": "share of"},
                "tooltip": [
                    {"field": "outlet", "type": "nominal"},
                    {"field": "measure", "type": "nominal", "title": "share of"},
                    {"field": "share", "type": "quantitative", "format": ".1%"},
                    {"field": "count", "type": "quantitative"},
                ],
            },
            "height": {"step": 14},
        }
    )


def _timeline_chart(claims: list[ClaimRow], days: list[ClaimDay]) -> dict[str, Any] | None:
    labels = _claim_labels(claims)
    spans = [
        {
            "label": labels[c.claim_id],
            "first": c.first_seen.astimezone(UTC).date().isoformat(),
            "last": c.last_seen.astimezone(UTC).date().isoformat(),
        }
        for c in claims
        if c.first_seen is not None and c.last_seen is not None
    ]
    texts = {c.claim_id: c.text for c in claims}
    points = [
        {
            "label": labels[d.claim_id],
            "claim": texts[d.claim_id],
            "date": d.date.isoformat(),
            "stories": d.stories,
            "outlets": d.outlets,
            "articles": d.articles,
        }
        for d in days
        if d.claim_id in labels
    ]
    if not spans and not points:
        return None
    y = {
        "field": "label",
        "type": "nominal",
        "title": None,
        "sort": list(labels.values()),
        "axis": {"labelLimit": 420},
    }
    return _spec(
        {
            "layer": [
                {
                    "data": {"values": spans},
                    "mark": {"type": "rule", "strokeWidth": 2, "color": "#9aa5b1"},
                    "encoding": {
                        "y": y,
                        "x": {**_day_axis("first"), "title": None},
                        "x2": {"field": "last", "timeUnit": "utcyearmonthdate"},
                    },
                },
                {
                    "data": {"values": points},
                    "mark": {"type": "circle", "tooltip": True, "opacity": 0.85},
                    "encoding": {
                        "y": y,
                        "x": _day_axis(),
                        "size": {
                            "field": "stories",
                            "type": "quantitative",
                            "title": "stories that day",
                            "scale": {"range": [40, 400], "zero": False},
                            "legend": {"values": _legend_values(d.stories for d in days)},
                        },
                        "color": {"value": "#c2410c"},
                        "tooltip": [
                            {"field": "claim", "type": "nominal"},
                            {"field": "date", "type": "nominal", "title": "day"},
                            {"field": "stories", "type": "quantitative"},
                            {"field": "outlets", "type": "quantitative"},
                            {"field": "articles", "type": "quantitative"},
                        ],
                    },
                },
            ],
            "height": {"step": 26},
        }
    )


def _spread_chart(claims: list[ClaimRow], spreads: list[FigureSpread]) -> dict[str, Any] | None:
    labels = _claim_labels(claims)
    values: list[dict[str, Any]] = []  # Vega-Lite data rows
    for s in spreads:
        if s.claim_id not in labels:
            continue
        top = max(abs(f.value) for f in s.figures)
        label = f"{labels[s.claim_id][: LABEL_CHARS - 16].rstrip(' .…')}… ({_kind_unit(s)})"
        values += [
            {
                "label": label,
                "relative": f.value / top,
                "figure": f.text,
                "value": f.value,
                "mentions": f.mentions,
            }
            for f in s.figures
        ]
    if not values:
        return None
    return _spec(
        {
            "data": {"values": values},
            "mark": {"type": "point", "filled": True, "tooltip": True, "opacity": 0.85},
            "encoding": {
                "y": {
                    "field": "label",
                    "type": "nominal",
                    "title": None,
                    "sort": None,
                    "axis": {"labelLimit": 420},
                },
                "x": {
                    "field": "relative",
                    "type": "quantitative",
                    "title": "share of the highest figure stated for the claim",
                    "axis": {"format": "%"},
                },
                "size": {
                    "field": "mentions",
                    "type": "quantitative",
                    "title": "sentences",
                    "scale": {"range": [40, 400], "zero": False},
                    "legend": {"values": _legend_values(v["mentions"] for v in values)},
                },
                "color": {"value": "#1d4ed8"},
                "tooltip": [
                    {"field": "label", "type": "nominal", "title": "claim"},
                    {"field": "figure", "type": "nominal"},
                    {"field": "value", "type": "quantitative", "format": ",.6~g"},
                    {"field": "mentions", "type": "quantitative", "title": "sentences"},
                ],
            },
            "height": {"step": 26},
        }
    )


def _spec(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "width": "container",
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {
            "view": {"stroke": None},
            "font": "system-ui, -apple-system, 'Segoe UI', sans-serif",
            "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"},
            "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "top"},
        },
        **body,
    }


def _calendar(first: date | None, last: date | None) -> list[str]:
    """Every day from first to last, as ISO dates: days without articles keep their place."""
    if first is None or last is None:
        return []
    return [date.fromordinal(n).isoformat() for n in range(first.toordinal(), last.toordinal() + 1)]


def _calendar_axis(days: list[str]) -> dict[str, Any]:
    """A band per calendar day, labelled like "Mar 05" (UTC, as the ISO dates are)."""
    return {
        "field": "date",
        "type": "ordinal",
        "scale": {"domain": days},
        "title": None,
        "axis": {
            "labelExpr": "utcFormat(toDate(datum.value), '%b %d')",
            "labelAngle": 0,
            "labelOverlap": True,
        },
    }


def _day_axis(name: str = "date") -> dict[str, Any]:
    """A temporal axis of UTC days."""
    return {
        "field": name,
        "type": "temporal",
        "timeUnit": "utcyearmonthdate",
        "title": None,
        "axis": {"format": "%b %d", "labelAngle": 0, "labelOverlap": True},
    }


def _day_value(day: DayCount, key: str) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        key: day.key,
        "articles": day.articles,
        "stories": day.stories,
    }


def _legend_values(counts: Iterable[int]) -> list[int]:
    """At most five whole numbers spanning the counts, for a size legend."""
    distinct = sorted(set(counts))
    if len(distinct) <= 5:
        return distinct
    step = (len(distinct) - 1) / 4
    return [distinct[round(i * step)] for i in range(5)]


def _claim_labels(claims: list[ClaimRow]) -> dict[str, str]:
    """Claim id → a short, unique label: its rank and the start of its wording."""
    return {c.claim_id: f"{rank}. {_shorten(c.text)}" for rank, c in enumerate(claims, 1)}


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
                _e(_kind_unit(s)),
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


def _kind_unit(spread: FigureSpread) -> str:
    return f"{spread.kind}, {spread.unit}" if spread.unit else spread.kind


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


# Draws every chart: the spec named by the container's data-spec, as SVG, without the
# action menu (its links would need the network). A failure is written into the container.
_EMBED = """
for (const box of document.querySelectorAll(".chart")) {
  const spec = JSON.parse(document.getElementById(box.dataset.spec).textContent);
  vegaEmbed(box, spec, {renderer: "svg", actions: false, mode: "vega-lite"})
    .catch((err) => { box.textContent = "chart failed: " + err; box.classList.add("failed"); });
}
"""

_CSS = """
:root { color-scheme: light; --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 0 0 8px; }
h2 { font-size: 19px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--line); }
h3 { font-size: 14px; margin: 20px 0 6px; color: var(--muted); }
p { margin: 4px 0 10px; color: var(--muted); max-width: 75ch; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.totals { display: flex; gap: 28px; list-style: none; padding: 0; margin: 16px 0 0; }
.totals b { font-size: 22px; display: block; }
.chart { width: 100%; min-height: 60px; }
.empty, .failed { color: #9a3412; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px;
  border-bottom: 1px solid var(--line); }
th { background: #f5f7fa; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; font-variant-numeric: tabular-nums; }
.wide { min-width: 30ch; }
.note { margin-top: 3px; color: var(--muted); font-size: 12px; }
.fig, .disagree { white-space: nowrap; padding: 0 3px; border-radius: 3px; background: #eef2f7; }
.disagree { background: #fde2cf; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""
