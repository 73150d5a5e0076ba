import importlib
from pathlib import Path

import pytest
import yaml

from newslake.flows.deployments import DEPLOYMENTS, INGEST

DEPLOY = Path(__file__).parents[2] / "deploy" / "prefect.yaml"


@pytest.mark.parametrize("expected", DEPLOYMENTS, ids=lambda d: d.name)
def test_prefect_yaml_declares_each_deployment_as_serve_does(expected):
    spec = yaml.safe_load(DEPLOY.read_text())
    (declared,) = [d for d in spec["deployments"] if d["name"] == expected.name]
    crons = [schedule["cron"] for schedule in declared["schedules"]]
    assert crons == ([expected.cron] if expected.cron else [])
    assert declared["description"] == expected.description
    assert tuple(declared["tags"]) == expected.tags
    assert declared["concurrency_limit"] == expected.concurrency_limit == 1


def test_prefect_yaml_entrypoints_name_flows_by_module():
    from prefect.flows import Flow, load_flow_from_entrypoint

    spec = yaml.safe_load(DEPLOY.read_text())
    assert sorted(d["name"] for d in spec["deployments"]) == sorted(d.name for d in DEPLOYMENTS)
    for deployment in spec["deployments"]:
        module, _, name = deployment["entrypoint"].partition(":")
        assert module.startswith("newslake.flows.") and not module.endswith(".py"), module
        flow = load_flow_from_entrypoint(deployment["entrypoint"], use_placeholder_flow=False)
        assert isinstance(flow, Flow)
        assert flow is getattr(importlib.import_module(module), name)


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
