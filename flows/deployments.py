"""The deployments newslake ships, and `newslake serve`, which runs them from one process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect import Flow


@dataclass(frozen=True, slots=True)
class DeploymentSpec:
    """One deployment: the same values as in deploy/prefect.yaml (a test keeps them in step)."""

    name: str
    cron: str | None  # None: runs only when triggered
    description: str
    tags: tuple[str, ...] = field(default=("newslake",))
    concurrency_limit: int = 1  # runs that write the lake never overlap


INGEST = DeploymentSpec(
    name="ingest",
    cron="*/15 * * * *",
    description="Fetch or read every configured source and commit new articles to the lake.",
    tags=("newslake", "writer"),
)


COMPACT = DeploymentSpec(
    name="compact",
    cron="30 3 * * *",
    description="Merge each lake partition's per-run Parquet files into one, nightly.",
    tags=("newslake", "writer", "maintenance"),
)
REPROCESS = DeploymentSpec(
    name="reprocess",
    cron=None,
    description="Rebuild articles, stories, claims and gold tables from the stored pages.",
    tags=("newslake", "writer", "maintenance"),
)
DEPLOYMENTS = (INGEST, COMPACT, REPROCESS)


def serve_all(
    *,
    config_path: str | None,
    sources: list[str] | None,
    lake: str | None,
    interval: int | None = None,
) -> None:
    """Serve every deployment on its cron (or every `interval` s; `reprocess` only when
    triggered) until interrupted.

    They all write the lake: its lock keeps them apart, a run waiting for the other.
    """
    from prefect import serve
    from prefect.deployments.runner import RunnerDeployment

    from newslake.flows.ingest import ingest
    from newslake.flows.maintenance import compact_lake, reprocess_lake

    common = {"config_path": config_path, "lake": lake}
    flows: dict[str, tuple[Flow[..., Any], dict[str, Any]]] = {
        INGEST.name: (ingest, {**common, "sources": sources}),
        COMPACT.name: (compact_lake, common),
        REPROCESS.name: (reprocess_lake, common),
    }
    deployments: list[RunnerDeployment] = []
    for spec in DEPLOYMENTS:
        entry, parameters = flows[spec.name]
        deployment = entry.to_deployment(
            name=spec.name,
            cron=None if interval else spec.cron,
            interval=interval if spec.cron else None,
            description=spec.description,
            tags=list(spec.tags),
            concurrency_limit=spec.concurrency_limit,
            parameters={k: v for k, v in parameters.items() if v is not None},
        )
        # to_deployment returns a coroutine only inside an event loop, where `serve` cannot run
        if not isinstance(deployment, RunnerDeployment):
            raise TypeError("serve_all must be called outside an event loop")
        deployments.append(deployment)
    serve(*deployments)
