"""What a run shows in the Prefect UI: a markdown summary, an outcome table, a link to the lake."""

from __future__ import annotations

from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from newslake.flows.summary import SUCCESS, ArchiveCounts, RunSummary
from newslake.warehouse.health import day_anomalies, run_anomalies
from newslake.warehouse.top_claims import top_recurring_claims
from newslake.warehouse.views import WAREHOUSE, query

TOP_CLAIMS = 5


def publish_artifacts(summary: RunSummary) -> None:
    """Publish the run's artifacts (keys `ingest-summary`, `ingest-outcomes`, `lake`)."""
    create_markdown_artifact(
        summary_markdown(summary), key="ingest-summary", description="newslake ingest run"
    )
    create_table_artifact(
        [{"outcome": outcome, "inputs": n} for outcome, n in summary.outcomes.most_common()],
        key="ingest-outcomes",
        description="inputs by fetch_log outcome",
    )
    create_link_artifact(f"file://{summary.lake}", link_text=summary.lake, key="lake")


def summary_markdown(summary: RunSummary) -> str:
    """The run summary as markdown, with the lake's stories, the outlet anomalies on the run's
    day and the top recurring claims (noted per claim_clusters version; the run's own counts
    from `summary.written` once it committed, else from the lake)."""
    counts = summary.as_dict()
    lines = [
        f"# newslake run `{summary.run_id}`",
        "",
        f"Lake: `{summary.lake}`, {counts['seconds']} s",
        "",
        "| read | " + " | ".join(dict.fromkeys(SUCCESS.values())) + " | failed |",
        "|" + "---|" * (len(set(SUCCESS.values())) + 2),
        f"| {counts['read']} | "
        + " | ".join(str(counts[label]) for label in dict.fromkeys(SUCCESS.values()))
        + f" | {counts['failed']} |",
        "",
    ]
    if failures := summary.failures():
        lines += ["## Failures by outcome", ""]
        lines += [f"- `{outcome}`: {n}" for outcome, n in failures.items()] + [""]
    if summary.archives:
        lines += _archive_lines(summary.archives)
    if not (Path(summary.lake) / WAREHOUSE).exists():  # nothing was ever committed
        return "\n".join(lines) + "\n"
    if summary.written is not None:  # the run's own rows: nothing to ask the lake
        articles, stories = summary.written.articles, summary.written.stories
        anomalies = day_anomalies(summary.lake, summary.written.log_days)
    else:
        _, ((stories, articles),) = query(
            summary.lake,
            "SELECT count(DISTINCT story_id), count(*) FROM articles "
            f"WHERE run_id = '{summary.run_id}'",
        )
        anomalies = run_anomalies(summary.lake, summary.run_id)
    lines += [f"Articles stored by this run: {articles}, in {stories} stories.", ""]
    lines += ["## Outlet health", ""]
    lines += [f"- {d.day} {d.outlet}: {d.anomaly_reason}" for d in anomalies] or ["No anomalies."]
    lines.append("")
    claims = top_recurring_claims(summary.lake, TOP_CLAIMS)
    if claims:
        lines += ["## Top recurring claims", "", "| claim | stories | outlets |", "|---|---|---|"]
        lines += [f"| {_cell(text)} | {stories} | {outlets} |" for text, stories, outlets in claims]
    return "\n".join(lines) + "\n"


def _archive_lines(archives: ArchiveCounts) -> list[str]:
    skipped = sum(archives.skipped.values())
    lines = [
        "## Archive records",
        "",
        f"{archives.records} read = {archives.pages} pages + {archives.revisits} revisits + "
        f"{skipped} skipped + {archives.failed} failed",
        "",
    ]
    lines += [f"- skipped, {reason}: {n}" for reason, n in archives.skipped.most_common()]
    return [*lines, ""] if archives.skipped else lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
