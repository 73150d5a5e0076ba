"""deploy/prefect.yaml on a real Prefect server with a process worker: the ingest schedule
fills the lake from the loopback news site, and the next scheduled run fetches nothing new."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import httpx
import pytest

from newslake.flows.cli import PREFECT_DEFAULTS
from newslake.flows.prefect_api import PrefectServerError, prefect_api
from newslake.flows.summary import SUCCESS

REPO = Path(__file__).resolve().parents[2]
PREFECT = str(Path(sys.executable).with_name("prefect"))
POOL = "local-proc"  # the work pool deploy/prefect.yaml names
INTERVAL_S = 20
WAIT_S = 240
PAGE = "/news/meridian-press/2026-03-09-calder-bay-lead-advisory.html"
# Outcomes of inputs the lake already holds (flows/summary.py): nothing new was stored.
INCREMENTAL = {
    outcome for outcome, label in SUCCESS.items() if label in ("unchanged", "duplicates")
}
FAILED_STATES = {"FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PatientTransport(httpx.HTTPTransport):
    """Asks again, a few times, when the test server answers 503: under load its SQLite
    database can be busy for a moment, which is not what this test is about."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(5):
            response = super().handle_request(request)
            if response.status_code != 503:
                return response
            response.close()
            time.sleep(2)
        return super().handle_request(request)


def tail(path: Path, chars: int = 3000) -> str:
    text = path.read_text(errors="replace") if path.exists() else "(no log)"
    return f"--- {path.name} ---\n{text[-chars:]}"


@pytest.fixture
def prefect_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A `prefect server start` on a free loopback port, its SQLite database in tmp_path."""
    home = tmp_path / "prefect"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for key, value in PREFECT_DEFAULTS.items():
        monkeypatch.setenv(key, value)
    try:
        with prefect_api(free_port(), timeout_s=180) as url:
            yield url
    except PrefectServerError as exc:
        pytest.fail(f"{exc}\n{tail(home / 'server.log')}")


def descendants(pid: int) -> list[int]:
    """Every live process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop_groups(proc: subprocess.Popen) -> None:
    """SIGTERM the process groups of `proc` and of everything it started (flow runs get
    their own), then SIGKILL whatever is left after 30 s."""
    pids = [proc.pid, *descendants(proc.pid)]
    groups = set()
    for pid in pids:
        try:
            groups.add(os.getpgid(pid))
        except ProcessLookupError:
            continue
    for sig, grace_s in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        for group in groups:
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + grace_s
        while (proc.poll() is None or any(map(alive, pids[1:]))) and time.monotonic() < deadline:
            time.sleep(0.2)
        if proc.poll() is not None and not any(map(alive, pids[1:])):
            return


@contextmanager
def worker(env: dict[str, str], log: Path) -> Iterator[None]:
    """`prefect worker start --pool local-proc`, stopped with every flow run it started."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [PREFECT, "worker", "start", "--pool", POOL],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield
    finally:
        stop_groups(proc)


def prefect(env: dict[str, str], *args: str) -> None:
    """Run a `prefect` CLI command from the repository root; fail the test if it fails."""
    done = subprocess.run(
        [PREFECT, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def write_config(path: Path, feed: str, page: str, lake: Path) -> Path:
    """A newslake.toml that reads the loopback site's RSS feed and one page into `lake`."""
    path.write_text(
        f"lake = {json.dumps(str(lake))}\n\n"
        "[extract]\nworkers = 1\n\n"
        '[fetch]\nallowed_hosts = ["127.0.0.1"]\nmin_delay_s = 0\n\n'
        f'[[sources]]\npath = "{feed}"\nname = "loopback-rss"\n\n'
        f'[[sources]]\npath = "{page}"\nname = "loopback-page"\n'
    )
    return path


def ingest_runs(api: httpx.Client, deployment_id: str, config: Path) -> list[dict]:
    """The deployment's flow runs that have started with `config`, oldest first.

    Runs the scheduler made before the deployment was pointed at `config` (a cron run due
    in the seconds between deploy and update) read ./newslake.toml and are left out.
    """
    response = api.post(
        "/flow_runs/filter",
        json={
            "deployments": {"id": {"any_": [deployment_id]}},
            "flow_runs": {"start_time": {"is_null_": False}},
            "sort": "START_TIME_ASC",
        },
    )
    response.raise_for_status()
    return [r for r in response.json() if r["parameters"].get("config_path") == str(config)]


def run_logs(api: httpx.Client, flow_run_id: str) -> str:
    logs = api.post(
        "/logs/filter", json={"logs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 30}
    ).json()
    return "\n".join(entry["message"][-500:] for entry in logs)


def wait_for_completed(
    api: httpx.Client, deployment_id: str, config: Path, count: int, logs: list[Path]
) -> list[dict]:
    """The first `count` COMPLETED runs; fails on a failed run or after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while True:
        runs = ingest_runs(api, deployment_id, config)
        for run in runs:
            if run["state_type"] in FAILED_STATES:
                pytest.fail(
                    f"flow run {run['name']} {run['state_type']}:\n{run_logs(api, run['id'])}"
                )
        completed = [run for run in runs if run["state_type"] == "COMPLETED"]
        if len(completed) >= count:
            return completed[:count]
        if time.monotonic() > deadline:
            states = [(run["name"], run["state_type"]) for run in runs]
            pytest.fail(
                f"{len(completed)} of {count} ingest runs completed in {WAIT_S} s; runs: {states}\n"
                + "\n".join(tail(log) for log in logs)
            )
        time.sleep(2)


def lake_run_id(api: httpx.Client, flow_run_id: str) -> str:
    """The newslake run id of a flow run, from its `ingest-summary` artifact."""
    response = api.post(
        "/artifacts/filter",
        json={
            "artifacts": {
                "flow_run_id": {"any_": [flow_run_id]},
                "key": {"any_": ["ingest-summary"]},
            }
        },
    )
    response.raise_for_status()
    (artifact,) = response.json()
    return re.search(r"# newslake run `([^`]+)`", artifact["data"])[1]


def query(lake: Path, sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_scheduled_ingest_on_a_process_worker_fills_the_lake_then_runs_incrementally(
    tmp_path, news_site, prefect_server
):
    news_site.restore_pages()
    lake = tmp_path / "lake"
    config = write_config(
        tmp_path / "newslake.toml", news_site.url("/feeds/rss.xml"), news_site.url(PAGE), lake
    )
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "PROJ_DIR": str(REPO),  # the pull step's working directory (deploy/README.md)
        "PREFECT_LOGGING_LEVEL": "INFO",  # worker and flow run logs for failure messages
    }
    logs = [tmp_path / "worker.log", Path(env["PREFECT_HOME"]) / "server.log"]
    prefect(env, "work-pool", "create", POOL, "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all", "--prefect-file", "deploy/prefect.yaml")
    prefect(
        env, "deployment", "schedule", "create", "ingest/ingest",
        "--interval", str(INTERVAL_S), "--replace", "--accept-yes",
    )  # fmt: skip
    with httpx.Client(base_url=prefect_server, timeout=30, transport=PatientTransport()) as api:
        deployment_id = api.get("/deployments/name/ingest/ingest").json()["id"]
        # Point the deployment at this config, as one would in the UI. The update also drops
        # runs scheduled with the old parameters, and makes the scheduler look again now.
        api.patch(
            f"/deployments/{deployment_id}", json={"parameters": {"config_path": str(config)}}
        ).raise_for_status()
        with worker(env, logs[0]):
            first, second = wait_for_completed(api, deployment_id, config, 2, logs)
        first_id, second_id = (lake_run_id(api, run["id"]) for run in (first, second))
    assert first["auto_scheduled"] and second["auto_scheduled"]  # fired by the schedule

    articles = dict(query(lake, "SELECT run_id, count(*) FROM articles GROUP BY run_id"))
    assert articles.get(first_id, 0) > 0
    assert second_id not in articles  # no new article rows
    outcomes = dict(query(lake, "SELECT run_id, list(outcome) FROM fetch_log GROUP BY run_id"))
    assert "ok" in outcomes.get(first_id, [])
    second_outcomes = outcomes.get(second_id, [])
    assert second_outcomes  # the page source was revalidated ...
    assert set(second_outcomes) <= INCREMENTAL, second_outcomes  # ... and found unchanged
    assert query(lake, "SELECT count(*) FROM pages WHERE run_id = ?", second_id) == [(0,)]
