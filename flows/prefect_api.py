"""A Prefect API for long-running commands: the one configured, or a local server we start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from newslake.transforms.errors import NewslakeError

DEFAULT_PORT = 4200  # Prefect's own default, so the UI is where users expect it


class PrefectServerError(NewslakeError):
    """The local Prefect server did not start."""

    outcome = "prefect_error"


@contextmanager
def prefect_api(port: int = DEFAULT_PORT, timeout_s: float = 120.0) -> Iterator[str]:
    """Yield a Prefect API URL: PREFECT_API_URL if set, a server already on the port, or one
    started here (and stopped on exit). Ephemeral mode cannot serve schedules: it stops
    between calls."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    url = f"http://127.0.0.1:{port}/api"
    if _healthy(url):
        yield url
        return
    log_path = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")) / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("prefect")),
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(url, server, timeout_s, log_path)
        yield url
    finally:
        stop_group(server)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_until_healthy(url: str, server: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while not _healthy(url):
        if server.poll() is not None:
            raise PrefectServerError(
                f"the Prefect server exited (code {server.returncode}); see {log}"
            )
        if time.monotonic() > deadline:
            raise PrefectServerError(
                f"the Prefect server did not answer within {timeout_s:g} s; see {log}"
            )
        time.sleep(0.5)


def stop_group(server: subprocess.Popen) -> None:
    """SIGTERM a process started in its own session and its children; SIGKILL after 30 s."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
