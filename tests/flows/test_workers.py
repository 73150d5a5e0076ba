import os
import pickle
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newslake.flows.workers import PRELOAD, beside, extract_or_error, extraction_pool, shared
from newslake.transforms.errors import EmptyInput
from newslake.transforms.records import Extracted, Page, RunInfo

RUN = RunInfo("r1", datetime(2026, 3, 10, 8, tzinfo=UTC))


def test_what_extraction_workers_import_leaves_prefect_out():
    # A worker imports the preload module (fork server) and this one (to unpickle its task).
    code = (
        f"import sys, {PRELOAD}, newslake.flows.workers; "
        "import py3langid.langid as l; "
        "print('prefect' in sys.modules, l.IDENTIFIER is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]  # no Prefect; language model loaded


def test_the_pool_extracts_pages_and_returns_errors_as_values():
    paragraphs = "".join(
        f"<p>Paragraph {n} of the story says a new thing here.</p>" for n in range(9)
    )
    text = f"<html><body><article>{paragraphs}</article></body></html>"
    good = Page.create(source="s", url="https://a.example/1", body=text.encode(), run=RUN)
    empty = Page.create(source="s", url="https://a.example/2", body=b"", run=RUN)
    with extraction_pool(2) as pool:
        results = list(pool.map(extract_or_error, [good, empty]))
    assert isinstance(results[0], Extracted) and results[0].word_count >= 40
    assert isinstance(results[1], EmptyInput)


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads /proc")
def test_the_fork_server_starts_before_any_pool_with_the_extractors_to_preload():
    code = (
        "import os, pathlib\n"
        "from newslake.flows.workers import start_fork_server\n"
        "start_fork_server()\n"
        "for proc in pathlib.Path('/proc').glob('[0-9]*'):\n"
        "    try:\n"
        "        ppid = int((proc / 'stat').read_text().rsplit(')', 1)[1].split()[1])\n"
        "        cmd = (proc / 'cmdline').read_bytes().replace(b'\\0', b' ').decode()\n"
        "    except (OSError, ValueError):\n"
        "        continue\n"
        "    if ppid == os.getpid():\n"
        "        print(cmd)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "multiprocessing.forkserver" in out.stdout and PRELOAD in out.stdout


def test_beside_runs_on_the_runs_own_cluster_and_here_otherwise():
    # The gold refresh goes there: its CPU is then not the flow process's.
    with extraction_pool(2, "dask") as pool:
        assert beside(pool, os.getpid) != os.getpid()
    with extraction_pool(2) as pool:  # a process pool: its workers must not outlive the run
        assert beside(pool, os.getpid) == os.getpid()
    with extraction_pool(1) as pool:
        assert pool is None
        assert beside(pool, os.getpid) == os.getpid()


def test_data_shared_with_the_pools_tasks_reaches_each_task_whole():
    # A batch's claims to rank: scattered once on a Dask cluster, passed as is to a process pool.
    data = pickle.dumps(list(range(1000)))
    with extraction_pool(2, "dask") as pool:
        job = shared(pool, data)
        assert job is not data  # a Dask future, resolved in each task's arguments
        assert [pool.submit(len, job).result() for _ in range(3)] == [len(data)] * 3
    with extraction_pool(2) as pool:
        assert pool is not None and shared(pool, data) is data
        assert pool.submit(len, shared(pool, data)).result() == len(data)
