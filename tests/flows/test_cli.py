"""The `newslake` command through its real console-script entry point."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newslake.warehouse.status import lake_status

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))


def newslake(*args: str, cwd: Path | None = None, timeout: float = 300):
    env = {**os.environ, "PREFECT_HOME": str(Path(cwd or ".").absolute() / ".prefect")}
    env.pop("PREFECT_API_URL", None)  # the CLI starts its own ephemeral API
    return subprocess.run(
        [NEWSLAKE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def assert_one_line_error(result, text: str) -> None:
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help_lists_the_commands():
    result = newslake("--help")
    assert result.returncode == 0
    for command in ("run", "demo", "sql", "init", "serve"):
        assert command in result.stdout
    assert "--source" in newslake("run", "--help").stdout


def test_the_cli_module_does_not_import_prefect():
    code = "import sys, newslake.flows.cli; print('prefect' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        == "False"
    )


def test_missing_source_is_a_one_line_error(tmp_path):
    assert_one_line_error(
        newslake("run", "--source", str(tmp_path / "nope"), cwd=tmp_path), "source not found"
    )


def test_bad_config_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.toml").write_text("[extract]\nworkers = 'lots'\n")
    result = newslake("run", "--config", "bad.toml", "--source", ".", cwd=tmp_path)
    assert_one_line_error(result, "extract.workers")


def test_run_without_sources_is_a_one_line_error(tmp_path):
    assert_one_line_error(newslake("run", cwd=tmp_path), "no sources")


def test_bad_option_is_a_usage_error_without_traceback(tmp_path):
    result = newslake("sql", "SELECT 1", "--format", "xml", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_reprocess_options_are_checked_before_anything_runs(tmp_path):
    assert_one_line_error(newslake("reprocess", "--stage", "parse", cwd=tmp_path), "--stage")
    assert_one_line_error(newslake("reprocess", "--since", "May 5", cwd=tmp_path), "not a date")


def test_sql_without_a_lake_says_how_to_make_one(tmp_path):
    assert_one_line_error(newslake("sql", "SELECT 1", cwd=tmp_path), "no warehouse")


def test_init_writes_an_example_config_that_loads(tmp_path):
    assert newslake("init", cwd=tmp_path).returncode == 0
    text = (tmp_path / "newslake.toml").read_text()
    assert "[extract]" in text
    assert_one_line_error(newslake("init", cwd=tmp_path), "exists")
    from newslake.flows.settings import Settings

    assert Settings.load(tmp_path / "newslake.toml", env={}).lake == "./lake"


@pytest.fixture(scope="module")
def cli_lake(tmp_path_factory, sample_dir):
    """A lake made by `newslake run` as a user would, over part of the sample corpus."""
    home = tmp_path_factory.mktemp("cli")
    result = newslake(
        "run",
        "--source",
        str(sample_dir / "calder-bay-herald"),
        "--source",
        str(sample_dir / "meridian-press"),
        "--lake",
        "lake",
        cwd=home,
    )
    assert result.returncode == 0, result.stderr
    return home, result


def test_run_prints_a_summary(cli_lake):
    _, result = cli_lake
    for label in ("read", "new", "duplicates", "failed", "empty"):
        assert label in result.stdout


def test_sql_formats(cli_lake):
    home, _ = cli_lake
    query = "SELECT outlet, count(*) AS n FROM articles GROUP BY outlet ORDER BY outlet"
    as_csv = newslake("sql", query, "--lake", "lake", "--format", "csv", cwd=home)
    assert as_csv.returncode == 0
    # The wire's plain-text story names no outlet: NULL, an empty CSV field.
    assert as_csv.stdout.splitlines() == [
        "outlet,n",
        "Calder Bay Herald,9",
        "Meridian Press Service,5",
        ",1",
    ]
    as_json = json.loads(newslake("sql", query, "-l", "lake", "-f", "json", cwd=home).stdout)
    assert as_json == [
        {"outlet": "Calder Bay Herald", "n": 9},
        {"outlet": "Meridian Press Service", "n": 5},
        {"outlet": None, "n": 1},
    ]
    as_table = newslake("sql", query, "--lake", "lake", cwd=home)
    assert "Calder Bay Herald" in as_table.stdout and "│" in as_table.stdout


def test_sql_refuses_writes(cli_lake):
    home, _ = cli_lake
    result = newslake("sql", "DELETE FROM articles", "--lake", "lake", cwd=home)
    assert_one_line_error(result, "read-only")
    assert (
        newslake(
            "sql", "SELECT count(*) FROM articles", "-l", "lake", "-f", "csv", cwd=home
        ).stdout.splitlines()[1]
        == "15"
    )


def test_the_warehouse_file_opens_in_any_duckdb_client(cli_lake):
    home, _ = cli_lake
    con = duckdb.connect(str(home / "lake" / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM fetch_log").fetchall() == [(17,)]
    con.close()


def test_status_shows_tables_runs_and_the_lock(cli_lake):
    home, _ = cli_lake
    result = newslake("status", "--lake", "lake", cwd=home)
    assert result.returncode == 0, result.stderr
    for text in ("articles", "silver/articles", "fetch_log", "latest runs", "ok 15", "lock: free"):
        assert text in result.stdout, text
    assert_one_line_error(newslake("status", "--lake", "nowhere", cwd=home), "no lake")


def test_status_partitions_add_up_to_each_table(cli_lake):
    home, _ = cli_lake
    result = newslake("status", "--lake", "lake", "--partitions", cwd=home)
    assert result.returncode == 0, result.stderr
    assert "published_date=2026-03-09" in result.stdout
    info = lake_status(home / "lake")
    con = duckdb.connect(str(home / "lake" / "warehouse.duckdb"), read_only=True)
    try:
        for table in info.tables:
            assert sum(p.rows for p in table.by_partition) == table.rows
            assert len(table.by_partition) == table.partitions
            if table.name in ("articles", "pages", "fetch_log"):
                (count,) = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()
                assert table.rows == count, table.name
    finally:
        con.close()


def test_status_does_not_import_prefect():
    code = (
        "import sys; from newslake.warehouse.status import lake_status; "
        "import newslake.flows.cli; print('prefect' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        == "False"
    )


def test_claims_audit_shows_every_sentence_and_the_rule_that_decided(cli_lake):
    home, _ = cli_lake
    found = newslake(
        "sql",
        "SELECT article_id, count(*) FROM claims GROUP BY ALL ORDER BY 2 DESC LIMIT 1",
        "--lake",
        "lake",
        "--format",
        "json",
        cwd=home,
    )
    ((article_id, kept),) = [tuple(r.values()) for r in json.loads(found.stdout)]
    result = newslake("claims-audit", article_id, "--lake", "lake", cwd=home)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("│ ")]
    decisions = [line.split("│")[2].strip() for line in lines]
    assert decisions.count("yes") == kept  # every kept sentence is a stored claim
    assert "no" in decisions  # and the dropped ones are shown too, with their rule
    assert_one_line_error(
        newslake("claims-audit", "0000", "--lake", "lake", cwd=home), "no article"
    )


def test_the_example_queries_the_demo_suggests_all_run(cli_lake):
    from newslake.warehouse.examples import EXAMPLES
    from newslake.warehouse.views import query

    home, _ = cli_lake
    for label, sql in EXAMPLES:
        columns, _ = query(home / "lake", sql)
        assert columns, label
