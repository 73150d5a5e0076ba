"""Shared fixtures: an offline Prefect, the sample corpus, fresh lakes."""

import os

# Before anything imports Prefect: no telemetry, no network, time for a 2-core start.
os.environ.update(
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="90",
    PREFECT_LOGGING_LEVEL="WARNING",
    NEWSLAKE_PREFECT="ephemeral",  # no long-lived local server (test_local_server.py: one is)
)

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from news_site import NewsSite

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


@pytest.fixture(scope="session")
def news_site(sample_dir: Path) -> Iterator[NewsSite]:
    """The loopback news site over the sample corpus (tests/news_site.py), one per session.

    Its state is shared: tests that count requests, use /flaky or /ratelimited keys, or
    touch pages call news_site.reset_requests() / news_site.restore_pages() first.
    """
    with NewsSite(sample_dir) as site:
        yield site
