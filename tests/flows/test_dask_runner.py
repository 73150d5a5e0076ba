"""runner = dask: extraction on a Dask cluster writes the lake the process pool writes."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import dask
import psutil
import pytest
from distributed import LocalCluster, Scheduler
from lake_rows import snapshot

from newslake.flows import commits, workers
from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import reprocess_lake
from newslake.flows.settings import Settings
from newslake.transforms.errors import ConfigError
from newslake.warehouse.lake import StagedTable

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory, sample_dir, prefect_backend) -> tuple[list, dict[str, list]]:
    """The run's outcomes and the lake's tables when the sample corpus is ingested with the
    default runner (a local process pool of 2)."""
    lake = tmp_path_factory.mktemp("reference") / "lake"
    summary = run_ingest(
        sources=[str(sample_dir)],
        lake=str(lake),
        config_path=str(sample_dir.parent / "demo.toml"),
        workers=2,
    )
    assert summary.count("new") > 0
    return sorted(summary.outcomes.items()), snapshot(lake)


def test_a_local_dask_cluster_writes_the_same_lake_and_reprocesses_it(
    tmp_path, sample_dir, reference, prefect_backend, monkeypatch
):
    handed: list[str] = []  # tables whose staged files the cluster's workers wrote
    hand_off = StagedTable.hand_off

    def spied(staged):
        rows = hand_off(staged)
        handed.extend([staged.spec.name] if rows else [])
        return rows

    monkeypatch.setattr(StagedTable, "hand_off", spied)
    offloaded: list[str] = []  # index builds handed to the cluster's workers

    def spied_beside(pool, fn, /, *args):
        offloaded.extend([fn.__name__] if workers.on_this_machine(pool) else [])
        return workers.beside(pool, fn, *args)

    monkeypatch.setattr(commits, "beside", spied_beside)
    lake = tmp_path / "lake"
    config = str(sample_dir.parent / "demo.toml")
    params = {"lake": str(lake), "config_path": config, "workers": 2, "runner": "dask"}
    summary = run_ingest(sources=[str(sample_dir)], **params)
    outcomes, tables = reference
    assert sorted(summary.outcomes.items()) == outcomes
    assert snapshot(lake) == tables
    assert {"articles", "story_index", "claims", "fetch_log"} <= set(handed)
    assert {"write_segment", "keep_page_keys", "keep_lookup_keys"} <= set(offloaded)
    for index, kind in (("claim_keys", "sqlite"), ("pages", "parquet"), ("lookup", "sqlite")):
        assert list((lake / "_index" / index).rglob(f"*.{kind}")), index  # each written

    again = reprocess_lake(**params)
    assert again.count("new") == len(tables["articles"])
    after = snapshot(lake)
    for table in ("pages", "articles", "story_index", "coverage_daily"):
        assert after[table] == tables[table], table


def test_the_local_cluster_runs_in_child_processes_none_of_which_outlives_the_run(
    tmp_path, sample_dir, monkeypatch, prefect_backend
):
    started = workers.local_cluster
    processes: list[tuple[psutil.Process, str]] = []  # with their command lines

    @contextmanager
    def watched(count):
        with started(count) as cluster:
            for child in psutil.Process().children(recursive=True):
                processes.append((child, " ".join(_cmdline(child))))
            yield cluster

    monkeypatch.setattr(workers, "local_cluster", watched)
    schedulers = {id(scheduler) for scheduler in Scheduler._instances}
    summary = run_ingest(
        sources=[str(sample_dir / "byteharbor")],
        lake=str(tmp_path / "lake"),
        workers=2,
        runner="dask",
    )
    assert summary.count("new") > 0
    assert {id(scheduler) for scheduler in Scheduler._instances} <= schedulers  # none here
    cluster = [child for child, cmdline in processes if "distributed." in cmdline]
    assert len(cluster) >= 3  # a scheduler and two workers
    assert [p.pid for p in cluster if _alive(p)] == []


# A flow process that starts its own cluster, then waits to be killed.
STARTS_A_CLUSTER = """
import sys
from newslake.flows.workers import dask_pool
with dask_pool(2, "") as pool:
    assert list(pool.map(abs, [-1, -2])) == [1, 2]
    print("ready", flush=True)
    sys.stdin.read()
"""


def test_the_cluster_of_a_killed_run_closes_itself():
    flow = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_CLUSTER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert flow.stdout is not None and flow.stdout.readline() == "ready\n"
        cluster = psutil.Process(flow.pid).children(recursive=True)
    finally:
        flow.kill()  # SIGKILL: the run cannot close its cluster
        flow.wait()
    assert len(cluster) >= 3  # a scheduler, two nannies and their workers
    _, alive = psutil.wait_procs(cluster, timeout=120)  # a bound on waiting, not a speed test
    for process in alive:
        process.kill()
    assert alive == []


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_an_existing_cluster_runs_the_extraction_and_is_left_running(
    tmp_path, sample_dir, reference, prefect_backend
):
    with LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        lake = tmp_path / "lake"
        summary = run_ingest(
            sources=[str(sample_dir)],
            lake=str(lake),
            config_path=str(sample_dir.parent / "demo.toml"),
            runner="dask",
            dask_address=cluster.scheduler_address,
        )
        assert "extract_sent" in cluster.scheduler.task_prefixes  # extracted there
        # whose workers may not see the lake: gold is refreshed in the flow process
        assert "refresh_gold" not in cluster.scheduler.task_prefixes
        assert "write_partitions" not in cluster.scheduler.task_prefixes  # nor staged files
        assert "write_segment" not in cluster.scheduler.task_prefixes  # nor index segments
        assert len(cluster.scheduler.workers) == 2  # and the run did not close it
    assert (sorted(summary.outcomes.items()), snapshot(lake)) == reference


def test_a_scheduler_that_does_not_answer_is_a_config_error(tmp_path, sample_dir, prefect_backend):
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(ConfigError, match="no Dask scheduler at tcp://127"),
    ):
        run_ingest(
            sources=[str(sample_dir / "byteharbor")],
            lake=str(tmp_path / "lake"),
            runner="dask",
            dask_address="tcp://127.0.0.1:9",
        )


def test_the_runner_setting_is_checked(monkeypatch):
    env = {"NEWSLAKE__EXTRACT__RUNNER": "dask", "NEWSLAKE__EXTRACT__DASK_ADDRESS": "tcp://h:1"}
    assert Settings.load(env=env).extract.dask_address == "tcp://h:1"
    with pytest.raises(ConfigError, match="must be local or dask, not 'ray'"):
        Settings.load(env={"NEWSLAKE__EXTRACT__RUNNER": "ray"})
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    with pytest.raises(ConfigError, match=r"install newslake\[dask\]"):
        Settings.load(env=env)
    assert Settings.load(env={}).extract.runner == "local"


@pytest.mark.parametrize(
    "args", [["run", "--source", ".", "--runner", "ray"], ["reprocess", "--runner", "ray"]]
)
def test_a_bad_runner_is_a_one_line_error_before_prefect_starts(tmp_path, args):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / ".prefect")}
    result = subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr == "error: extract.runner must be local or dask, not 'ray'\n"
    assert not (tmp_path / ".prefect").exists()  # Prefect never started
