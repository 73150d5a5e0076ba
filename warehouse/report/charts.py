"""The report's charts: Vega-Lite specs built from its records, and the JavaScript that draws
them.

Charts are drawn in the page by vega-embed as SVG; the JavaScript is bundled by vl-convert
(see `vega_script`), so the page needs no network to open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

from newslake.warehouse.report.data import (
    ClaimDay,
    ClaimRow,
    DayCount,
    FigureSpread,
    OutletRow,
    ReportData,
)

# Longest claim wording shown as a chart label; the tables show it whole.
LABEL_CHARS = 64


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
        label = f"{labels[s.claim_id][: LABEL_CHARS - 16].rstrip(' .…')}… ({kind_unit(s)})"
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


def kind_unit(spread: FigureSpread) -> str:
    """A figure spread's kind, and its unit when it has one: "money, USD"."""
    return f"{spread.kind}, {spread.unit}" if spread.unit else spread.kind
