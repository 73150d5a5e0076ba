"""The questions users ask first, as SQL over the warehouse views: shown by `newslake demo`,
listed in docs/tables.md, timed at scale by benchmarks/query_scale.py, run by the tests."""

from __future__ import annotations

EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Coverage of a topic by week, full texts only (articles, and stories counted once)",
        "SELECT week, sum(stories) AS stories, sum(articles) AS articles FROM coverage_weekly "
        "WHERE topic = 'ai-models' AND access = 'full' GROUP BY week ORDER BY week",
    ),
    (
        "Top outlets by articles",
        "SELECT outlet, sum(articles) AS articles, sum(stories) AS stories FROM coverage_daily "
        "GROUP BY outlet ORDER BY articles DESC LIMIT 10",
    ),
    (
        "Each outlet's share of a topic's stories",
        "SELECT outlet, stories, story_share FROM share_of_voice WHERE topic = 'ai-models' "
        "ORDER BY story_share DESC LIMIT 10",
    ),
    (
        "Stories covered by the most outlets",
        "SELECT story_id, any_value(title) AS title, count(DISTINCT outlet) AS outlets "
        "FROM articles GROUP BY story_id ORDER BY outlets DESC, story_id LIMIT 10",
    ),
    (
        "Recurring claims and their first appearance",
        "SELECT representative, stories, outlets, first_seen, outlet_order[1] AS first_outlet "
        "FROM recurring_claims LIMIT 10",
    ),
    (
        "Claims whose figures disagree",
        "SELECT representative, kind, unit, low, high FROM claim_figures LIMIT 10",
    ),
    (
        "Inputs that did not become articles, by reason",
        "SELECT outcome, count(*) AS n, any_value(error) AS example FROM fetch_log "
        "WHERE outcome NOT IN ('ok', 'updated', 'unchanged', 'not_modified') GROUP BY outcome",
    ),
)
