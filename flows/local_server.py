"""The local Prefect server `newslake run` starts once and reuses, so later runs skip the
~10 s start of Prefect's ephemeral API.

Its state (server.json with pid and port, a lock, the log, its own PREFECT_HOME with the
SQLite database) lives in $XDG_CACHE_HOME/newslake/prefect-server. A configured API
(PREFECT_API_URL, a Prefect profile, the test harness) always wins, and
NEWSLAKE_PREFECT=ephemeral keeps Prefect's per-run ephemeral server.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newslake.flows.prefect_api import PrefectServerError

MODE_ENV = "NEWSLAKE_PREFECT"  # "server" (the default) or "ephemeral"
MODES = ("server", "ephemeral")
START_TIMEOUT_S = 120.0  # a fresh database on 2 busy cores takes 15 s or more
STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A running local server: its process (leader of its own process group) and API URL."""

    pid: int
    port: int
    prefect: str = ""  # the Prefect version it runs
    started: bool = False  # by this call, not reused

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def state_dir() -> Path:
    """Where the local server keeps its pid file, lock, log and Prefect home."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "newslake" / "prefect-server"


def use_for_run() -> ServerInfo | None:
    """Point this process's Prefect at the local server, started if needed, and return it;
    None, changing nothing, when an API is configured or NEWSLAKE_PREFECT=ephemeral."""
    mode = os.environ.get(MODE_ENV, "server").strip().lower() or "server"
    if mode not in MODES:
        from newslake.transforms.errors import ConfigError

        raise ConfigError(f"{MODE_ENV} must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "ephemeral" or os.environ.get("PREFECT_API_URL"):
        return None
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    if get_current_settings().api.url:  # a profile's API, or the test harness's
        return None
    info = ensure_running()
    os.environ["PREFECT_API_URL"] = info.url  # also for processes this run starts
    refresh_global_settings_context()  # Prefect read its settings when first imported
    return info


def ensure_running() -> ServerInfo:
    """The healthy local server, started here (once, under a lock) when there is none."""
    with _locked():
        info = _recorded()
        current = _prefect_version()
        if (
            info is not None
            and info.prefect == current
            and _is_server(info.pid)
            and _healthy(info.url)
        ):
            return info
        if info is not None:  # stale: dead, a stranger's pid, not answering, or upgraded
            if _is_server(info.pid):
                _stop_group(info.pid)
            _pid_file().unlink(missing_ok=True)
        info = _start()
        record = {"pid": info.pid, "port": info.port, "prefect": current}
        _pid_file().write_text(json.dumps(record))
        return ServerInfo(info.pid, info.port, current, started=True)


def running() -> ServerInfo | None:
    """The recorded server if its process is alive and it answers, else None."""
    info = _recorded()
    if info is not None and _is_server(info.pid) and _healthy(info.url):
        return info
    return None


def stop() -> ServerInfo | None:
    """Stop the recorded server and every process of its group; return what was stopped."""
    with _locked():
        info = _recorded()
        if info is not None and _is_server(info.pid):
            _stop_group(info.pid)
        else:
            info = None
        _pid_file().unlink(missing_ok=True)
        return info


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(entry.name))
    return found


def _pid_file() -> Path:
    return state_dir() / "server.json"


def log_path() -> Path:
    """The local server's log."""
    return state_dir() / "server.log"


@contextmanager
def _locked() -> Iterator[None]:
    """Hold the state directory's lock: concurrent runs start one server."""
    state_dir().mkdir(parents=True, exist_ok=True)
    with (state_dir() / "server.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _recorded() -> ServerInfo | None:
    try:
        data = json.loads(_pid_file().read_text())
        return ServerInfo(int(data["pid"]), int(data["port"]), str(data.get("prefect", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_server(pid: int) -> bool:
    """Whether `pid` is alive and a `prefect server start` leading its own group, so a reused
    pid of another program is never signalled."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return (
        state[0] != "Z"
        and int(state[2]) == pid
        and b"server" in argv
        and b"start" in argv
        and any(arg.endswith(b"prefect") for arg in argv)
    )


def _healthy(url: str) -> bool:
    """GET /api/health answers 200 (urllib: plain http needs no TLS context, httpx builds one)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except (OSError, ValueError):
        return False


def _prefect_version() -> str:
    from importlib.metadata import version

    return version("prefect")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start() -> ServerInfo:
    port = _free_port()
    home = state_dir() / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("DO_NOT_TRACK", "1")
    prefect = str(Path(sys.executable).with_name("prefect"))
    command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with log_path().open("ab") as log:
        server = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # outlives this run; its own group, stopped as one
        )
    info = ServerInfo(pid=server.pid, port=port)
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(info.url):
        if server.poll() is not None:
            raise PrefectServerError(
                f"the local Prefect server exited (code {server.returncode}); see {log_path()}"
            )
        if time.monotonic() > deadline:
            _stop_group(server.pid)
            raise PrefectServerError(
                f"the local Prefect server did not answer within {START_TIMEOUT_S:g} s;"
                f" see {log_path()}"
            )
        time.sleep(0.25)
    return info


def _stop_group(pgid: int) -> None:
    """SIGTERM a process group, SIGKILL what is left after STOP_TIMEOUT_S; wait until empty.
    The group's leader may be another process's child, so it is polled, not waited for."""
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while group_members(pgid):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        else:
            return
    raise PrefectServerError(f"the local Prefect server (group {pgid}) outlived SIGKILL")
