"""Malformed feeds, sitemaps, robots files and archives never crash `newslake run`, and each
leaves at least one fetch_log row (tests/malformed_cases.py holds the table)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
from malformed_cases import CASES, KNOWN_CRASHES, KNOWN_GAPS, write_archive
from malformed_site import malformed_sites

from newslake.warehouse.views import WAREHOUSE

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
REPO = Path(__file__).resolve().parents[2]
FAST_FETCH = {
    "NEWSLAKE__FETCH__MIN_DELAY_S": "0",
    "NEWSLAKE__FETCH__MAX_CRAWL_DELAY_S": "0",
    "NEWSLAKE__FETCH__BACKOFF_S": "0.01",
    "NEWSLAKE__FETCH__MAX_RETRY_AFTER_S": "0.1",
}


def source_lines(path: str, name: str, kind: str) -> str:
    return f"[[sources]]\npath = {json.dumps(path)}\nname = {json.dumps(name)}\nkind = '{kind}'\n"


def test_malformed_inputs_end_as_rows_and_the_run_exits_cleanly(tmp_path):
    assert len(CASES) >= 50 and len({c.name for c in CASES}) == len(CASES)
    cases = [c for c in CASES if c.name not in KNOWN_CRASHES]
    config = []
    with malformed_sites(cases) as sites:
        for case in cases:
            if case.kind == "archive":
                path = write_archive(
                    case, tmp_path / "archives", f"https://archived.example/{case.name}"
                )
                config.append(source_lines(f"warc:{path}", case.name, "warc"))
            else:
                config.append(source_lines(sites[case.name].input_url(case), case.name, "web"))
        (tmp_path / "cases.toml").write_text("\n".join(config))
        env = {**os.environ, **FAST_FETCH, "PREFECT_HOME": str(tmp_path / ".prefect")}
        env.pop("PREFECT_API_URL", None)
        result = subprocess.run(
            [
                NEWSLAKE,
                "run",
                "--config",
                "cases.toml",
                "--lake",
                "lake",
                "--workers",
                "1",
                "--allow-host",
                "127.0.0.1",
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    # Prefect's own server may log a traceback of its own (a locked database on a fresh home).
    for package in ("flows", "transforms", "warehouse"):
        assert f'File "{REPO / package}' not in result.stderr, result.stderr[-3000:]
    assert "failed" in result.stdout  # the run summary was printed
    warehouse = duckdb.connect(str(tmp_path / "lake" / WAREHOUSE), read_only=True)
    rows = warehouse.execute("SELECT source, outcome, url, error FROM fetch_log").fetchall()
    by_case: dict[str, list] = {}
    for source, outcome, url, error in rows:
        by_case.setdefault(source.partition(":")[2], []).append((outcome, url, error))
    missing = sorted(c.name for c in cases if c.name not in by_case and c.name not in KNOWN_GAPS)
    assert not missing, f"no fetch_log row for: {missing}"
    offsets = [int(n) for _, _, _, error in rows for n in re.findall(r"byte (-?\d+)", error or "")]
    assert offsets and min(offsets) >= 0
    (bogus,) = warehouse.execute(
        "SELECT count(*) FROM pages WHERE fetch_date > DATE '2100-01-01'"
    ).fetchone()
    assert bogus == 0
