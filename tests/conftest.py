"""Shared fixtures: an offline Prefect, the sample corpus, fresh lakes."""

import os

# Before anything imports Prefect: no telemetry, no network, time for a 2-core start.
os.environ.update(
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
    PREFECT_LOGGING_LEVEL="WARNING",
)

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

SAMPLE = Path(str(resources.files("newslake.flows") / "sample"))


@pytest.fixture(scope="session")
def prefect_backend() -> Iterator[None]:
    """A throwaway Prefect API for tests that run flows (started once per session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def lake_dir(tmp_path: Path) -> Path:
    """Path of a lake that does not exist yet."""
    return tmp_path / "lake"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample corpus."""
    return SAMPLE
