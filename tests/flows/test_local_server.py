"""The local Prefect server `newslake run` starts once and reuses: real `newslake` processes,
a real `prefect server start`, its state in a temporary XDG_CACHE_HOME, stopped after."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from newslake.flows import local_server

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))


def cli_env(cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a user who configured nothing, with XDG_CACHE_HOME at `cache`."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "NEWSLAKE_PREFECT")}
    env.update(XDG_CACHE_HOME=str(cache), PREFECT_HOME=str(cache / "prefect-home"), **extra)
    return env


def newslake(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def recorded(cache: Path) -> dict:
    return json.loads((cache / "newslake" / "prefect-server" / "server.json").read_text())


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop_server(env: dict[str, str], cwd: Path) -> None:
    """Teardown: stop whatever server this cache dir recorded, and check nothing is left."""
    cache = Path(env["XDG_CACHE_HOME"])
    pid = recorded(cache)["pid"] if (cache / "newslake/prefect-server/server.json").exists() else 0
    newslake(env, "server", "stop", cwd=cwd)
    if pid:
        assert local_server.group_members(pid) == []


@pytest.fixture(scope="module")
def pages(tmp_path_factory, sample_dir) -> Path:
    """Three sample pages to ingest."""
    folder = tmp_path_factory.mktemp("pages")
    for page in sorted(sample_dir.rglob("*.html"))[:3]:
        (folder / page.name).write_bytes(page.read_bytes())
    return folder


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, pages) -> Iterator[tuple[dict[str, str], Path, dict]]:
    """`newslake run` in a fresh cache dir, which starts the local server; stopped after."""
    home = tmp_path_factory.mktemp("user")
    env = cli_env(home / "cache")
    try:
        result = newslake(env, "run", "--source", str(pages), "--lake", "lake1", cwd=home)
        assert result.returncode == 0, result.stderr
        assert "started a local Prefect server" in result.stderr
        yield env, home, recorded(home / "cache")
    finally:
        stop_server(env, home)


def test_a_second_run_reuses_the_server(first_run, pages):
    env, home, server = first_run
    assert alive(server["pid"])
    result = newslake(env, "run", "--source", str(pages), "--lake", "lake2", cwd=home)
    assert result.returncode == 0, result.stderr
    assert "started a local Prefect server" not in result.stderr
    assert recorded(home / "cache") == server
    status = newslake(env, "server", "status", cwd=home)
    assert status.returncode == 0
    assert f"pid {server['pid']}" in status.stdout
    assert f":{server['port']}/api" in status.stdout


def test_a_configured_api_is_used_and_no_server_started(first_run, pages, tmp_path):
    _, _, server = first_run
    url = f"http://127.0.0.1:{server['port']}/api"
    runs_before = httpx.post(f"{url}/flow_runs/count", json={}).json()
    env = cli_env(tmp_path / "cache", PREFECT_API_URL=url)
    result = newslake(env, "run", "--source", str(pages), "--lake", "lake", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "cache" / "newslake" / "prefect-server").exists()
    assert httpx.post(f"{url}/flow_runs/count", json={}).json() > runs_before


def test_server_stop_leaves_no_process(first_run):
    env, home, server = first_run
    members = local_server.group_members(server["pid"])
    assert server["pid"] in members
    result = newslake(env, "server", "stop", cwd=home)
    assert result.returncode == 0, result.stderr
    assert f"pid {server['pid']}" in result.stdout
    assert local_server.group_members(server["pid"]) == []
    assert not any(alive(pid) for pid in members)
    assert newslake(env, "server", "status", cwd=home).returncode == 1
    assert "not running" in newslake(env, "server", "stop", cwd=home).stdout


def test_a_stale_pid_file_is_replaced_and_concurrent_starts_share_one_server(tmp_path):
    """Stale: a live pid that is no Prefect server, then a server of another version."""
    env = cli_env(tmp_path / "cache")
    state = tmp_path / "cache" / "newslake" / "prefect-server"
    state.mkdir(parents=True)
    stranger = subprocess.Popen(["sleep", "300"])  # a live pid that is no Prefect server
    try:
        (state / "server.json").write_text(json.dumps({"pid": stranger.pid, "port": 9}))
        try:
            with ThreadPoolExecutor(2) as pool:
                results = list(
                    pool.map(lambda _: newslake(env, "server", "start", cwd=tmp_path), range(2))
                )
            assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
            server = recorded(tmp_path / "cache")
            assert server["pid"] != stranger.pid
            assert alive(server["pid"])
            said = sorted(r.stdout for r in results)
            assert said[0].startswith("local Prefect server already running")
            assert said[1].startswith("local Prefect server started")
            assert all(f"pid {server['pid']}" in text for text in said)
            assert stranger.poll() is None  # the stale pid's process was not signalled
            # A server of another Prefect version (an upgrade since) is replaced, not reused.
            (state / "server.json").write_text(json.dumps({**server, "prefect": "0.0.1"}))
            again = newslake(env, "server", "start", cwd=tmp_path)
            assert again.stdout.startswith("local Prefect server started"), again.stderr
            assert recorded(tmp_path / "cache")["pid"] != server["pid"]
            assert local_server.group_members(server["pid"]) == []
        finally:
            stop_server(env, tmp_path)
    finally:
        stranger.kill()
        stranger.wait()


def test_a_server_that_cannot_start_leaves_the_run_on_an_ephemeral_one(tmp_path, pages):
    (tmp_path / "cache").write_text("a file, so the state directory cannot be made")
    env = {**cli_env(tmp_path / "cache"), "PREFECT_HOME": str(tmp_path / "prefect-home")}
    result = newslake(env, "run", "--source", str(pages), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "warning: no local Prefect server" in result.stderr
    assert (tmp_path / "lake" / "warehouse.duckdb").exists()


def test_an_unknown_mode_is_a_one_line_error(tmp_path, pages):
    env = cli_env(tmp_path / "cache", NEWSLAKE_PREFECT="remote")
    result = newslake(env, "run", "--source", str(pages), "--lake", "lake", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: NEWSLAKE_PREFECT")
    assert not (tmp_path / "cache" / "newslake" / "prefect-server").exists()


def test_under_the_test_harness_no_server_is_started(prefect_backend, tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("NEWSLAKE_PREFECT", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert local_server.use_for_run() is None
    assert "PREFECT_API_URL" not in os.environ
    assert not (tmp_path / "cache").exists()
