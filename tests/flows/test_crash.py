"""A run SIGKILLed at any point leaves a lake that the next run completes, exactly.

Each case runs `newslake`'s ingest in a child process that kills itself at a failpoint
(warehouse/failpoints.py), then runs it again undisturbed, and compares every table with
a lake made by one undisturbed run: same rows, nothing twice, no staging left for readers.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lake_rows import snapshot
from moto_s3 import BUCKET, moto_s3

from newslake.warehouse.failpoints import ENV, POINTS
from newslake.warehouse.lake import Lake, uncommitted
from newslake.warehouse.lock import lock_holder
from newslake.warehouse.objectstore import Mirror, local_lake, read_lease

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
SCRIPT = (
    "import sys; from newslake.flows.ingest import run_ingest; "
    "run_ingest(sources=sys.argv[1:-1], lake=sys.argv[-1], workers=2, allow_hosts=['127.0.0.1'])"
)


@pytest.fixture(scope="module")
def api_url(prefect_backend) -> str:
    """The session's Prefect API, for child processes (no ephemeral server each)."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def ingest(
    sources: list[str],
    lake: Path | str,
    api_url: str,
    failpoint: str | None = None,
    folder: Path | None = None,
):
    """Run an ingest in a child process (its own session); returns (exit code, its stderr).
    Its log goes to `folder` (by default the lake's parent).

    A killed run's extraction processes outlive it, as they would any crash: the session
    is killed afterwards, as a service manager would clean up after a dead service.
    """
    env = {**os.environ, "PREFECT_API_URL": api_url, "NEWSLAKE__FETCH__MIN_DELAY_S": "0"}
    env.pop(ENV, None)
    if failpoint:
        env[ENV] = failpoint
    log = (folder or Path(lake).parent) / f"ingest-{failpoint or 'clean'}.log"
    with log.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *sources, str(lake)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        try:
            code = child.wait(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
    return code, log.read_text()[-2000:]


def visible_files(lake: Path) -> set[str]:
    """Files a reader could see: everything but the journal, staging and temporary files."""
    return {
        p.relative_to(lake).as_posix()
        for p in lake.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name != "_lock"
    }


@pytest.fixture(scope="module")
def sources(news_site, sample_dir) -> list[str]:
    """Files and a feed: every failpoint lies on the path of one or the other."""
    news_site.restore_pages()
    return [str(sample_dir / "meridian-press"), news_site.url("/feeds/rss.xml")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, sources, api_url) -> dict[str, list[tuple]]:
    lake = tmp_path_factory.mktemp("reference") / "lake"
    lake.parent.mkdir(parents=True, exist_ok=True)
    code, log = ingest(sources, lake, api_url)
    assert code == 0, log
    return snapshot(lake)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_anywhere_is_completed_by_the_next(
    point, tmp_path, sources, reference, api_url
):
    lake = tmp_path / "lake"
    code, log = ingest(sources, lake, api_url, failpoint=point)
    assert code == -signal.SIGKILL, log  # it really died at the failpoint
    assert lock_holder(lake) is None  # the kernel released the lock: no manual fix needed
    if point == "mid-commit":  # tables committed past the `_runs` row, which readers ignore
        assert uncommitted(Lake(lake))

    code, log = ingest(sources, lake, api_url)
    assert code == 0, log
    assert snapshot(lake) == reference
    assert not any((lake / "_staging").iterdir()) if (lake / "_staging").exists() else True
    assert uncommitted(Lake(lake)) == []
    assert all(".tmp" not in name for name in visible_files(lake))


@pytest.mark.slow
def test_two_runs_on_one_lake_never_write_at_once(tmp_path, sources, api_url):
    """A run that finds the lake locked waits, then gives up with a message naming the
    holder; the lake holds exactly one run's writes."""
    lake = tmp_path / "lake"
    env = {**os.environ, "PREFECT_API_URL": api_url, "NEWSLAKE__LOCK_TIMEOUT_S": "1"}
    env.pop(ENV, None)
    # Another writer holds the lock (a process that took it and sleeps).
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lake)], env=env, start_new_session=True
    )
    try:
        wait_for_lock(lake)
        args = [arg for source in sources for arg in ("--source", source)]
        second = subprocess.run(
            [NEWSLAKE, "run", *args, "--lake", str(lake), "--allow-host", "127.0.0.1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.killpg(holder.pid, signal.SIGKILL)
        holder.wait()
    assert second.returncode == 2
    assert second.stderr.startswith("error: lake ") and "is being written by run hold" in (
        second.stderr
    )
    assert "Traceback" not in second.stderr
    assert not (lake / "warehouse.duckdb").exists()  # the waiting run wrote nothing


HOLD = (
    "import sys, time; from datetime import UTC, datetime; "
    "from newslake.transforms.records import RunInfo; "
    "from newslake.warehouse.lake import Lake; "
    "run = RunInfo('hold', datetime.now(UTC)); "
    "ctx = Lake(sys.argv[1]).writing(run, 5); ctx.__enter__(); time.sleep(300)"
)


def wait_for_lock(lake: Path) -> None:
    for _ in range(200):
        if lock_holder(lake):
            return
        time.sleep(0.05)
    raise AssertionError("the holder never took the lock")


@pytest.fixture(scope="module")
def s3():
    with moto_s3() as endpoint:
        yield endpoint


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before-section", "mid-commit"])
def test_an_s3_run_killed_staging_or_committing_is_completed_by_the_next(
    point, tmp_path, sources, reference, api_url, s3, monkeypatch
):
    """Killed while staging, a run on an S3 lake holds no lease; killed in its section, it
    leaves its lease, which the next run on this host takes over at once (its holder is
    gone), long before the lease expires."""
    url = f"s3://{BUCKET}/crash-{point}/lake"
    monkeypatch.setenv("NEWSLAKE__CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSLAKE__LOCK_TIMEOUT_S", "30")  # the lease expires after 300 s
    code, log = ingest(sources, url, api_url, failpoint=point, folder=tmp_path)
    assert code == -signal.SIGKILL, log
    holder, _ = read_lease(Mirror(url))
    assert (holder is None) == (point == "before-section"), holder

    code, log = ingest(sources, url, api_url, folder=tmp_path)
    assert code == 0, log
    lake = Path(local_lake(url, str(tmp_path / "reader")))
    assert snapshot(lake) == reference
    assert uncommitted(Lake(lake)) == []
    assert read_lease(Mirror(url)) == (None, None)
