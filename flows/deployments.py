"""The deployments newslake ships, and `newslake serve`, which runs them from one process."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """One deployment: the same values as in deploy/prefect.yaml (a test keeps them in step)."""

    name: str
    cron: str
    description: str
    tags: tuple[str, ...] = field(default=("newslake",))
    concurrency_limit: int = 1  # runs that write the lake never overlap


INGEST = DeploymentSpec(
    name="ingest",
    cron="*/15 * * * *",
    description="Fetch or read every configured source and commit new articles to the lake.",
    tags=("newslake", "writer"),
)


def serve_ingest(
    *,
    config_path: str | None,
    sources: list[str] | None,
    lake: str | None,
    interval: int | None = None,
) -> None:
    """Serve the ingest deployment on its cron (or every `interval` s) until interrupted."""
    from prefect import serve

    from newslake.flows.ingest import ingest

    deployment = ingest.to_deployment(
        name=INGEST.name,
        cron=None if interval else INGEST.cron,
        interval=interval,
        description=INGEST.description,
        tags=list(INGEST.tags),
        concurrency_limit=INGEST.concurrency_limit,
        parameters={
            key: value
            for key, value in {"config_path": config_path, "sources": sources, "lake": lake}.items()
            if value is not None
        },
    )
    serve(deployment)
