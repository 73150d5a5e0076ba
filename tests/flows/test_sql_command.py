"""`newslake sql`: output formats, --file, --explain, stdin, refused writes and the shell."""

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from newslake.flows.cli import app
from newslake.flows.sqlshell import Shell, Warehouse, history, statement_complete
from newslake.transforms.records import RunInfo
from newslake.warehouse.lake import Lake
from newslake.warehouse.schemas import ARTICLES, TABLES

NEWSLAKE = str(Path(sys.executable).with_name("newslake"))
RUN = RunInfo("r1", datetime(2026, 3, 10, 8, tzinfo=UTC))
COUNT = "SELECT outlet, count(*) AS n FROM articles GROUP BY outlet ORDER BY outlet"


def filler(spec, i: int) -> dict:
    """A row of any table with a value of the right type in every column."""
    return {column.name: _value(column.name, column.type, i) for column in spec.columns}


def _value(name: str, kind: pa.DataType, i: int):
    if pa.types.is_timestamp(kind):
        return datetime(2026, 3, 5 + i, 12, tzinfo=UTC)
    if pa.types.is_list(kind):
        return [_value(name, kind.value_type, i)]
    if pa.types.is_struct(kind):
        return {field.name: _value(field.name, field.type, i) for field in kind}
    if pa.types.is_integer(kind):
        return i
    if pa.types.is_floating(kind):
        return i + 0.5
    if pa.types.is_boolean(kind):
        return i % 2 == 0
    if pa.types.is_binary(kind):
        return f"{name}-{i}".encode()
    if pa.types.is_date(kind):
        return date(2026, 3, 5 + i)
    return f"{name}-{i}"


def article(i: int, outlet: str | None, **values) -> dict:
    return {**filler(ARTICLES, i), "article_id": f"a{i}", "outlet": outlet, **values}


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    """Three articles (one undated, so in the Hive null partition) and two log rows."""
    lake = Lake(tmp_path_factory.mktemp("sql") / "lake")
    with lake.writing(RUN, timeout_s=5) as commit:
        commit.add(
            "articles",
            [
                article(0, "Gazette", authors=["Ann Lee", "Bo Kim"], topics=["strike"]),
                article(1, "Gazette", authors=[], topics=[]),
                article(2, None, published_at=None, published_day=None, title=None),
            ],
        )
        commit.add("fetch_log", [filler(TABLES["fetch_log"], i) for i in range(2)])
        commit.publish()
    return lake.root


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def newslake(*args: str, input: str | None = None):
    return subprocess.run(
        [NEWSLAKE, *args], input=input, capture_output=True, text=True, timeout=120
    )


def assert_one_line_error(result, text: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: ")
    assert text in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_csv_and_json_go_to_stdout_or_to_a_file(lake, tmp_path):
    as_csv = invoke("sql", COUNT, "--lake", str(lake), "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.output
    assert as_csv.stdout.splitlines() == ["outlet,n", "Gazette,2", ",1"]
    as_json = invoke("sql", COUNT, "-l", str(lake), "-f", "json")
    assert json.loads(as_json.stdout) == [{"outlet": "Gazette", "n": 2}, {"outlet": None, "n": 1}]

    for fmt in ("csv", "json"):
        out = tmp_path / f"counts.{fmt}"
        result = invoke("sql", COUNT, "-l", str(lake), "-f", fmt, "--output", str(out))
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        if fmt == "csv":
            rows = list(csv.reader(out.open(newline="")))
            assert rows == [["outlet", "n"], ["Gazette", "2"], ["", "1"]]
        else:
            assert json.loads(out.read_text())[0] == {"outlet": "Gazette", "n": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counts.csv", "counts.json"]


def test_the_format_follows_the_output_suffix(lake, tmp_path):
    result = invoke("sql", COUNT, "-l", str(lake), "-o", str(tmp_path / "n.json"))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "n.json").read_text())[1] == {"outlet": None, "n": 1}


def test_table_is_the_default(lake):
    result = invoke("sql", COUNT, "-l", str(lake))
    assert result.exit_code == 0, result.output
    assert "Gazette" in result.stdout and "│" in result.stdout
    assert "(2 rows)" in result.stderr


def test_parquet_round_trip_keeps_the_types(lake, tmp_path):
    out = tmp_path / "articles.parquet"
    sql = "SELECT * FROM articles ORDER BY article_id"
    result = invoke("sql", sql, "-l", str(lake), "-f", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 3
    for column in ARTICLES.columns:
        assert table.schema.field(column.name).type == column.type, column.name
    assert table.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("published_date").type == pa.date32()
    rows = table.to_pylist()
    assert rows[0]["authors"] == ["Ann Lee", "Bo Kim"]
    assert rows[0]["published_at"] == datetime(2026, 3, 5, 12, tzinfo=UTC)
    assert rows[0]["date_candidates"][0]["value"] == datetime(2026, 3, 5, 12, tzinfo=UTC)
    assert rows[0]["published_date"] == date(2026, 3, 5)
    assert rows[2]["published_at"] is None and rows[2]["published_date"] is None
    assert rows[1]["topics"] == []


def test_parquet_keeps_computed_types_and_an_empty_result_keeps_its_schema(lake, tmp_path):
    out = tmp_path / "sums.parquet"
    sql = "SELECT sum(word_count) AS words, avg(word_count) AS mean FROM articles WHERE false"
    assert invoke("sql", sql, "-l", str(lake), "-o", str(out)).exit_code == 0
    table = pq.read_table(out)
    assert table.column_names == ["words", "mean"]
    assert table.schema.field("mean").type == pa.float64()
    assert table.to_pylist() == [{"words": None, "mean": None}]


def test_parquet_refuses_repeated_column_names(lake, tmp_path):
    out = tmp_path / "twice.parquet"
    result = newslake("sql", "SELECT 1 AS a, 2 AS a", "-l", str(lake), "-o", str(out))
    assert_one_line_error(result, "distinct column names")
    assert list(tmp_path.iterdir()) == []


def test_parquet_needs_an_output_file(lake):
    assert_one_line_error(newslake("sql", COUNT, "-l", str(lake), "-f", "parquet"), "--output FILE")


def test_bad_output_options_are_one_line_errors(lake, tmp_path):
    assert_one_line_error(
        newslake("sql", COUNT, "-l", str(lake), "-o", str(tmp_path / "n.txt")), "--format"
    )
    assert_one_line_error(
        newslake("sql", COUNT, "-l", str(lake), "-f", "table", "-o", str(tmp_path / "n.csv")),
        "not table",
    )
    assert_one_line_error(
        newslake("sql", COUNT, "-l", str(lake), "-o", str(tmp_path / "no" / "dir" / "n.csv")),
        "cannot write",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_failed_query_leaves_no_output_file(lake, tmp_path):
    out = tmp_path / "bad.parquet"
    result = newslake("sql", "SELECT CAST('x' AS INTEGER)", "-l", str(lake), "-o", str(out))
    assert_one_line_error(result, "Conversion")
    assert list(tmp_path.iterdir()) == []


def test_file_holds_the_query(lake, tmp_path):
    (tmp_path / "q.sql").write_text(f"-- outlets\n{COUNT};\n")
    result = invoke("sql", "--file", str(tmp_path / "q.sql"), "-l", str(lake), "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "Gazette,2"


def test_file_and_argument_together_or_a_missing_file_are_errors(lake, tmp_path):
    (tmp_path / "q.sql").write_text(COUNT)
    assert_one_line_error(
        newslake("sql", COUNT, "--file", str(tmp_path / "q.sql"), "-l", str(lake)), "not both"
    )
    assert_one_line_error(
        newslake("sql", "--file", str(tmp_path / "nope.sql"), "-l", str(lake)), "cannot read"
    )


def test_explain_prints_the_plan_not_the_rows(lake):
    result = invoke("sql", COUNT, "-l", str(lake), "--explain")
    assert result.exit_code == 0, result.output
    assert "PARQUET" in result.stdout.upper()
    assert "AGGREGATE" in result.stdout.upper()
    assert "Gazette" not in result.stdout
    # A query that is an EXPLAIN already is not explained twice.
    again = invoke("sql", f"EXPLAIN {COUNT}", "-l", str(lake), "--explain")
    assert again.exit_code == 0, again.output
    assert again.stdout == result.stdout


def test_explain_takes_no_output(lake, tmp_path):
    assert_one_line_error(
        newslake("sql", COUNT, "-l", str(lake), "--explain", "-o", str(tmp_path / "p.csv")),
        "--explain",
    )


def test_the_query_can_come_on_stdin(lake):
    result = invoke("sql", "-l", str(lake), "-f", "csv", input=f"{COUNT};\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "Gazette,2"
    piped = newslake("sql", "-l", str(lake), "-f", "json", input="SELECT 40 + 2 AS answer")
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout) == [{"answer": 42}]
    assert_one_line_error(newslake("sql", "-l", str(lake), input=""), "no SQL statement")


def test_several_statements_answer_with_the_last(lake):
    result = invoke("sql", "PRAGMA show_tables; SELECT 1 AS one", "-l", str(lake), "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["one", "1"]


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO articles (article_id) VALUES ('x')", "INSERT"),
        ("CREATE TABLE t AS SELECT 1", "CREATE"),
        ("COPY (SELECT * FROM articles) TO '{dir}/copy.csv'", "COPY"),
        ("ATTACH '{dir}/other.duckdb' AS other", "ATTACH"),
        ("SELECT 1; DROP VIEW articles", "DROP"),
        ("EXPLAIN ANALYZE COPY (SELECT 1) TO '{dir}/copy.csv'", "EXPLAIN"),
        ("PRAGMA enable_profiling", "PRAGMA"),
        ("SET threads = 1", "SET"),
    ],
)
def test_writes_are_refused(lake, tmp_path, sql, kind):
    result = newslake("sql", sql.format(dir=tmp_path), "-l", str(lake))
    assert_one_line_error(result, f"error: {kind}")
    assert "read-only" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was written


def test_read_only_pragmas_and_describe_run(lake):
    for sql in ("PRAGMA table_info('articles')", "DESCRIBE articles", "SHOW TABLES"):
        result = invoke("sql", sql, "-l", str(lake), "-f", "csv")
        assert result.exit_code == 0, (sql, result.output)
        assert "articles" in result.stdout or "article_id" in result.stdout


def test_without_a_terminal_the_shell_is_not_started(lake):
    # Piped statements run as one script, with no prompt: the stdin path, not the shell.
    result = newslake("sql", "-l", str(lake), "-f", "csv", input="SELECT 1 AS a;\nSELECT 2 AS b;\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["b", "2"]
    assert "newslake>" not in result.stdout


def shell(lake: Path, text: str, fmt: str = "csv") -> tuple[str, str]:
    stdin, stdout, stderr = io.StringIO(text), io.StringIO(), io.StringIO()
    with Warehouse(lake) as warehouse:
        Shell(warehouse, fmt=fmt, stdin=stdin, stdout=stdout, stderr=stderr).loop()
    return stdout.getvalue(), stderr.getvalue()


def test_shell_runs_statements_that_span_lines(lake):
    out, err = shell(
        lake, "SELECT outlet,\n  count(*) AS n\nFROM articles\nGROUP BY outlet\nORDER BY n\n;\n"
    )
    assert err == ""
    assert "newslake> " in out and "...> " in out
    assert "Gazette,2" in out.splitlines()[-2]


def test_shell_waits_for_a_semicolon_outside_quotes_and_comments(lake):
    out, _ = shell(lake, "SELECT 'a;b' AS s -- not yet;\n, 2 AS t /* ; */\n;\n")
    assert "a;b,2" in out


def test_shell_lists_the_views_and_quits(lake):
    out, err = shell(lake, ".tables\n.quit\nSELECT 1 AS never;\n")
    assert err == ""
    names = [line.split()[0] for line in out.splitlines() if line and "newslake>" not in line]
    assert {"articles", "fetch_log", "pages", "coverage_daily"} <= set(names)
    assert "silver/articles" in out
    assert "never" not in out


def test_shell_prints_errors_and_goes_on(lake):
    out, err = shell(lake, "DELETE FROM articles;\nSELEC 1;\n.nope\nSELECT 7 AS seven;\n")
    assert err.count("error: ") == 3
    assert "read-only" in err and ".help" in err
    assert "seven\n7" in out.replace("\r\n", "\n")


def test_shell_runs_an_unterminated_last_statement_at_end_of_input(lake):
    out, _ = shell(lake, "SELECT 5 AS five")
    assert "five\n5" in out.replace("\r\n", "\n")


def test_shell_prints_tables_by_default_and_help(lake):
    out, err = shell(lake, ".help\nSELECT 'x' AS col;\n", fmt="table")
    assert ".tables" in out and "│" in out and "col" in out
    assert "(1 row)" in err


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("SELECT 1;", True),
        ("SELECT 1", False),
        ("SELECT ';'", False),
        ("SELECT 'it''s';", True),
        ('SELECT 1 AS ";"', False),
        ("SELECT 1; -- done", True),
        ("SELECT 1 -- ;", False),
        ("SELECT 1 /* ; */", False),
        ("SELECT 1 /* unterminated ;", False),
        ("SELECT 1;\n\n", True),
    ],
)
def test_statement_complete(text, complete):
    assert statement_complete(text) is complete


def test_history_is_read_and_written(tmp_path):
    readline = pytest.importorskip("readline")
    path = tmp_path / "history"
    readline.clear_history()
    with history(path):
        readline.add_history("SELECT 42;")
    assert path.exists()
    readline.clear_history()
    with history(path):
        items = [
            readline.get_history_item(i + 1) for i in range(readline.get_current_history_length())
        ]
    assert "SELECT 42;" in items
    readline.clear_history()


def test_the_sql_modules_do_not_import_prefect():
    code = "import sys, newslake.flows.sqlshell; print('prefect' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
