"""`newslake serve` runs the ingest deployment on schedule against a local Prefect server."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def runs_in(lake: Path) -> list[tuple[str, list[str]]]:
    try:
        con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    except duckdb.Error:
        return []
    try:
        return con.execute(
            "SELECT run_id, list(DISTINCT outcome ORDER BY outcome) FROM fetch_log "
            "GROUP BY run_id ORDER BY run_id"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_serve_runs_scheduled_ingests_and_stops_on_sigterm(tmp_path, sample_dir):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    lake = tmp_path / "lake"
    server = subprocess.Popen(
        [
            NEWSLAKE,
            "serve",
            "--source",
            str(sample_dir / "meridian-press"),
            "--lake",
            str(lake),
            "--interval",
            "5",
            "--prefect-port",
            str(free_port()),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while len(runs_in(lake)) < 2 and time.monotonic() < deadline and server.poll() is None:
            time.sleep(2)
        runs = runs_in(lake)
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert len(runs) >= 2, server.stderr.read().decode()[-2000:]
    assert runs[0][1] == ["ok"]
    assert runs[1][1] == ["unchanged"]  # the second scheduled run found nothing new
    # The local Prefect server and every worker went down with it (a worker may finish the
    # task it was on first: orphans are what is still there after that).
    deadline = time.monotonic() + 30
    while session_members(server.pid) and time.monotonic() < deadline:
        time.sleep(1)
    assert session_members(server.pid) == []


def session_members(session: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == session:
                    members.append(int(entry.name))
            except ProcessLookupError:
                continue
    return members
