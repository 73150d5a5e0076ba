from pathlib import Path

import yaml

from newslake.flows.deployments import INGEST

DEPLOY = Path(__file__).parents[2] / "deploy" / "prefect.yaml"


def test_prefect_yaml_declares_the_ingest_deployment_as_serve_does():
    spec = yaml.safe_load(DEPLOY.read_text())
    (ingest,) = [d for d in spec["deployments"] if d["name"] == INGEST.name]
    assert ingest["schedules"][0]["cron"] == INGEST.cron
    assert ingest["description"] == INGEST.description
    assert tuple(ingest["tags"]) == INGEST.tags
    assert ingest["concurrency_limit"] == INGEST.concurrency_limit == 1


def test_prefect_yaml_entrypoint_names_the_ingest_flow():
    spec = yaml.safe_load(DEPLOY.read_text())
    (ingest,) = spec["deployments"]
    path, _, name = ingest["entrypoint"].partition(":")
    assert (DEPLOY.parents[1] / path).is_file()
    assert f"def {name}(" in (DEPLOY.parents[1] / path).read_text()


def test_the_deployment_builds_with_its_cron_and_limit(prefect_backend):
    from newslake.flows.ingest import ingest

    deployment = ingest.to_deployment(
        name=INGEST.name,
        cron=INGEST.cron,
        concurrency_limit=INGEST.concurrency_limit,
        parameters={"sources": ["/data"]},
    )
    assert deployment.schedules[0].schedule.cron == INGEST.cron
    assert deployment.parameters == {"sources": ["/data"]}
