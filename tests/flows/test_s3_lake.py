"""`lake = "s3://…"`: the flows and the CLI on an object-store lake (moto's S3)."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lake_rows import snapshot
from moto_s3 import BUCKET, moto_s3

from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import compact_lake, reprocess_lake
from newslake.warehouse.objectstore import Mirror, local_lake

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
URL = f"s3://{BUCKET}/flows/lake"


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


def newslake(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PREFECT_HOME": str(cwd / ".prefect"),
        "NEWSLAKE__CACHE_DIR": str(cwd / "cache"),  # a cache of its own, as on another machine
    }
    env.pop("PREFECT_API_URL", None)  # the CLI starts its own ephemeral API
    return subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def test_an_s3_lake_holds_what_a_local_one_does(
    s3, tmp_path, sample_dir, prefect_backend, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = str(sample_dir.parent / "demo.toml")
    sources = [str(sample_dir / "meridian-press"), str(sample_dir / "byteharbor")]
    local = tmp_path / "local"
    run_ingest(sources=sources, lake=str(local), config_path=config, workers=1)
    first = run_ingest(sources=sources, lake=URL, config_path=config, workers=1)
    assert first.count("new") > 0
    assert Mirror(URL).manifest()[0]["generation"] == 1

    # Another machine (another cache) reads the same rows from the store.
    elsewhere = Path(local_lake(URL, str(tmp_path / "elsewhere")))
    assert snapshot(elsewhere) == snapshot(local)

    again = run_ingest(sources=sources, lake=URL, config_path=config, workers=1)
    assert again.count("new") == 0
    assert again.count("unchanged") == first.count("new")

    merged = compact_lake(lake=URL, config_path=config)
    assert merged  # the second run's files were merged into the first's
    manifest = Mirror(URL).manifest()[0]
    assert manifest["generation"] == 3
    assert snapshot(Path(local_lake(URL, str(tmp_path / "elsewhere")))) == snapshot(local)

    # Rebuilding silver and gold from the stored pages works on the store as on disk.
    rebuilt = reprocess_lake(lake=URL, config_path=config, workers=1)
    assert rebuilt.count("new") == first.count("new")
    assert Mirror(URL).manifest()[0]["generation"] == 4
    assert (
        snapshot(Path(local_lake(URL, str(tmp_path / "elsewhere"))))["articles"]
        == (snapshot(local)["articles"])
    )

    # The real CLI, in another process with its own cache, reads the store.
    cli = tmp_path / "cli"
    cli.mkdir()
    sql = newslake(
        "sql", "--lake", URL, "--format", "csv", "SELECT count(*) AS n FROM articles", cwd=cli
    )
    assert sql.returncode == 0, sql.stderr
    assert sql.stdout.split() == ["n", str(first.count("new"))]
    status = newslake("status", "--lake", URL, cwd=cli)
    assert status.returncode == 0, status.stderr
    assert "silver/articles" in status.stdout
    assert "lock: free" in status.stdout
    assert URL in status.stdout  # the store, not the local mirror it was read through
    report = newslake("report", "--lake", URL, "--out", str(cli / "report.html"), cwd=cli)
    assert report.returncode == 0, report.stderr
    assert "Calder Bay" in (cli / "report.html").read_text()


def test_the_cli_reports_a_missing_s3_lake_in_one_line(s3, tmp_path):
    result = newslake("sql", "--lake", f"s3://{BUCKET}/nothing", "SELECT 1", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no lake at s3://")
    assert "Traceback" not in result.stderr
