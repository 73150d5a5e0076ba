"""Benchmark an incremental ingest: a full first run, a second run with nothing changed, and
the fixed cost of a scheduled run of the served deployment on an already-current lake.

The loopback test site (tests/news_site.py) serves N generated articles listed in
/gen/sitemap.xml, with 5 ms of latency per request, in a thread of this process. Both
in-process runs call `run_ingest` against a local `prefect server` (started here, after a
warm-up run not reported), so process start-up is excluded: "flow call" is the wall time of
the call, "flow body" the run's own `RunSummary.seconds`. Then `newslake serve --interval`
runs the ingest deployment on the same lake; its compact deployment is paused, and each
scheduled run's times come from the Prefect API (its state history and its summary artifact).

    .venv/bin/python benchmarks/incremental_run.py [--pages 2000] [--runs 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

from newslake.flows.prefect_api import stop_group

REPO = Path(__file__).resolve().parents[1]
LATENCY_S = 0.005
INTERVAL_S = 15
WAIT_S = 300
TARGET = 0.10  # second run / first run
QUIET_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}
FETCH_ENV = {
    "NEWSLAKE__FETCH__PER_HOST": "8",
    "NEWSLAKE__FETCH__MIN_DELAY_S": "0",
    "NEWSLAKE__FETCH__ALLOWED_HOSTS": "127.0.0.1",
}
# Settings a caller's shell may hold that would change what is measured.
DROPPED_ENV = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_DATABASE_CONNECTION_URL")


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_ingest(name: str, source: str, lake: Path, profile: Path | None = None) -> dict:
    """One in-process ingest: flow-call and flow-body seconds, and what it stored."""
    from newslake.flows.ingest import run_ingest

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    summary = run_ingest(sources=[source], lake=str(lake))
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    call = time.perf_counter() - started
    outcomes = dict(summary.outcomes)
    log(f"{name}: call {call:.2f} s, body {summary.seconds:.2f} s, outcomes {outcomes}")
    return {"call": call, "body": summary.seconds, "outcomes": outcomes}


def start_serve(source: str, lake: Path, api_url: str, log_path: Path) -> subprocess.Popen:
    """`newslake serve --interval` on the lake, against the running Prefect server."""
    env = {**os.environ, "PREFECT_API_URL": api_url}
    with log_path.open("ab") as out:
        return subprocess.Popen(
            [
                str(Path(sys.executable).with_name("newslake")),
                "serve",
                "--source",
                source,
                "--lake",
                str(lake),
                "--interval",
                str(INTERVAL_S),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def deployment_id(api: httpx.Client, name: str, deadline: float) -> str:
    """The id of flow/deployment `name` once `serve` has registered it."""
    while time.monotonic() < deadline:
        response = api.get(f"/deployments/name/{name}")
        if response.status_code == 200:
            return response.json()["id"]
        time.sleep(1)
    raise SystemExit(f"error: deployment {name} was not registered in {WAIT_S} s")


def state_times(api: httpx.Client, flow_run_id: str) -> dict[str, datetime]:
    """When the flow run first entered each state type (PENDING, RUNNING, COMPLETED...)."""
    states = api.get("/flow_run_states/", params={"flow_run_id": flow_run_id}).json()
    times: dict[str, datetime] = {}
    for state in sorted(states, key=lambda s: s["timestamp"]):
        times.setdefault(state["type"], datetime.fromisoformat(state["timestamp"]))
    return times


def body_seconds(api: httpx.Client, flow_run_id: str) -> float:
    """The run's own seconds (`RunSummary.seconds`), from its `ingest-summary` artifact."""
    (artifact,) = api.post(
        "/artifacts/filter",
        json={
            "artifacts": {
                "flow_run_id": {"any_": [flow_run_id]},
                "key": {"any_": ["ingest-summary"]},
            }
        },
    ).json()
    return float(re.search(r"^Lake: `[^`]*`, ([0-9.]+) s$", artifact["data"], re.M)[1])


def scheduled_runs(api_url: str, source: str, lake: Path, runs: int, log_path: Path) -> list[dict]:
    """Times of `runs` completed scheduled ingest runs of `newslake serve`."""
    serve = start_serve(source, lake, api_url, log_path)
    try:
        with httpx.Client(base_url=api_url, timeout=30) as api:
            deadline = time.monotonic() + WAIT_S
            ingest = deployment_id(api, "ingest/ingest", deadline)
            compact = deployment_id(api, "compact/compact", deadline)
            api.post(f"/deployments/{compact}/pause_deployment").raise_for_status()
            log("serving; compact paused; waiting for scheduled ingest runs")
            while True:
                found = api.post(
                    "/flow_runs/filter",
                    json={
                        "deployments": {"id": {"any_": [ingest]}},
                        "flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED"]}}},
                        "sort": "START_TIME_ASC",
                    },
                ).json()
                if any(run["state_type"] == "FAILED" for run in found):
                    raise SystemExit(f"error: a scheduled run failed; see {log_path}")
                if len(found) >= runs:
                    break
                if time.monotonic() > deadline or serve.poll() is not None:
                    raise SystemExit(f"error: {len(found)} of {runs} runs; see {log_path}")
                time.sleep(2)
            rows = []
            for run in found[:runs]:
                times = state_times(api, run["id"])
                due = datetime.fromisoformat(run["expected_start_time"])
                row = {
                    "submitted": (times["PENDING"] - due).total_seconds(),
                    "started": (times["RUNNING"] - due).total_seconds(),
                    "running": (times["COMPLETED"] - times["RUNNING"]).total_seconds(),
                    "body": body_seconds(api, run["id"]),
                }
                log(f"scheduled run {run['name']}: {row}")
                rows.append(row)
            return rows
    finally:
        stop_group(serve)


def top_profile(path: Path, limit: int = 15) -> str:
    """The profile's heaviest functions by cumulative time."""
    out = io.StringIO()
    pstats.Stats(str(path), stream=out).sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def measure(n: int, runs: int, tmp: Path, profile: bool) -> dict:
    """Warm-up, full run, incremental run, scheduled runs; logged as they go."""
    sys.path.insert(0, str(REPO / "tests"))
    from news_site import NewsSite, synthetic_article

    from newslake.flows.prefect_api import prefect_api

    figures: dict = {}
    with prefect_api(free_port(), timeout_s=180) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        warm = tmp / "warm-up"
        warm.mkdir()
        (warm / "0.html").write_bytes(synthetic_article("https://bench.example/w.html", 0))
        timed_ingest("warm-up (not reported)", str(warm), tmp / "warm-lake")
        with NewsSite(latency_s=LATENCY_S, generated=n) as site:
            sitemap = site.url("/gen/sitemap.xml")
            lake = tmp / "lake"
            figures["first"] = timed_ingest("first run", sitemap, lake)
            stats = tmp / "second.prof" if profile else None
            figures["second"] = timed_ingest("second run", sitemap, lake, stats)
            if stats:
                figures["profile"] = top_profile(stats)
            figures["scheduled"] = scheduled_runs(api_url, sitemap, lake, runs, tmp / "serve.log")
    return figures


def report(figures: dict, n: int) -> str:
    """The figures as text, with a Markdown table for benchmarks/README.md."""
    first, second, scheduled = figures["first"], figures["second"], figures["scheduled"]
    call_ratio = second["call"] / first["call"]
    body_ratio = second["body"] / first["body"]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in scheduled)

    def each(key: str) -> str:
        return ", ".join(f"{r[key]:.2f}" for r in scheduled)

    lines = [
        f"newslake incremental ingest: {n} generated pages, {LATENCY_S * 1000:g} ms latency, "
        f"{os.cpu_count()} cores",
        "",
        "| run | flow call s | flow body s | outcomes |",
        "|---|---|---|---|",
        f"| first (fresh lake) | {first['call']:.2f} | {first['body']:.2f} | {first['outcomes']} |",
        f"| second (nothing changed) | {second['call']:.2f} | {second['body']:.2f} "
        f"| {second['outcomes'] or '{}'} |",
        "",
        f"second / first: {call_ratio:.1%} of the flow call, {body_ratio:.1%} of the body "
        f"(target <= {TARGET:.0%}: {'met' if call_ratio <= TARGET else 'missed'})",
        "",
        f"scheduled run of `newslake serve --interval {INTERVAL_S}` on the current lake, "
        f"median of {len(scheduled)} (each in brackets):",
        f"- Running -> Completed (the flow run): {median('running'):.2f} s ({each('running')})",
        f"- of which the flow body: {median('body'):.2f} s ({each('body')})",
        f"- Running, seconds after the scheduled time: {median('started'):.2f} ({each('started')})",
        f"- Pending (submitted to a new process), seconds after the scheduled time: "
        f"{median('submitted'):.2f} ({each('submitted')})",
    ]
    if "profile" in figures:
        lines += ["", "second run, cProfile by cumulative time:", figures["profile"]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="generated pages (N)")
    parser.add_argument("--runs", type=int, default=3, help="scheduled runs to time")
    parser.add_argument("--profile", action="store_true", help="cProfile the second run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Set up a quiet, private Prefect; measure; print the report."""
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="newslake-incremental-bench-"))
    for key in DROPPED_ENV:
        os.environ.pop(key, None)
    os.environ.update({**QUIET_ENV, **FETCH_ENV, "PREFECT_HOME": str(tmp / "prefect-home")})
    try:
        figures = measure(args.pages, args.runs, tmp, args.profile)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(report(figures, args.pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
