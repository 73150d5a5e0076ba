"""`newslake sql`: read-only queries printed as a table, CSV or JSON, or saved as Parquet,
and the interactive shell.

Rows for the table, CSV and JSON come from DuckDB's own Python values (as before);
Parquet is written from DuckDB's Arrow result, so column types survive the round trip.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

import duckdb

from newslake.transforms.errors import ConfigError, NewslakeError, QueryError
from newslake.warehouse.views import connect_read_only, read_only_statements

FORMATS = ("table", "csv", "json", "parquet")
HISTORY = Path("~/.newslake_history")
HISTORY_LENGTH = 1000
PROMPT = "newslake> "
CONTINUE = "     ...> "
HELP = """\
Statements end with ';' and may span lines. Commands:
  .tables   list the views, with the lake directory each one reads
  .help     show this
  .quit     leave (so does Ctrl-D)
"""
_BATCH_ROWS = 10_000
_CELL_WIDTH = 60
_SUFFIXES = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}
_EXPLAINED = re.compile(r"\s*EXPLAIN\b", re.IGNORECASE)


def output_format(fmt: str | None, output: Path | None) -> str:
    """The format to write: the one asked for, else the --output file's suffix, else table."""
    if fmt is None and output is not None:
        fmt = _SUFFIXES.get(output.suffix.lower())
        if fmt is None:
            raise ConfigError(
                f"cannot tell a format from the name {output.name!r}: "
                "add --format csv, json or parquet"
            )
    fmt = fmt or "table"
    if fmt == "parquet" and output is None:
        raise ConfigError("--format parquet writes a file: add --output FILE")
    if fmt == "table" and output is not None:
        raise ConfigError("--output takes --format csv, json or parquet, not table")
    return fmt


def read_sql_file(path: Path) -> str:
    """The SQL in a --file; a ConfigError if it cannot be read."""
    try:
        return path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read {path}: {reason}") from None


class Warehouse:
    """A read-only session on `<lake>/warehouse.duckdb`, kept open across queries; with
    `as_of` (a run id or timestamp), on views of the lake as it was after that run."""

    def __init__(
        self, root: str | os.PathLike[str], as_of: str | None = None, retention_hours: int = 168
    ) -> None:
        if as_of is None:
            self._con = connect_read_only(root)
        else:
            from newslake.warehouse.as_of import connect_as_of

            self._con = connect_as_of(root, as_of, retention_hours)

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._con.close()

    def views(self) -> list[tuple[str, str]]:
        """Name and comment (the lake directory, for a table's view) of every view."""
        with self._cursor() as cur:
            return cur.execute(
                "SELECT view_name, coalesce(comment, '') FROM duckdb_views() "
                "WHERE NOT internal AND database_name = current_database() ORDER BY view_name"
            ).fetchall()

    def write(
        self,
        sql: str,
        fmt: str = "table",
        *,
        output: Path | None = None,
        explain: bool = False,
        stdout: TextIO,
        stderr: TextIO,
    ) -> None:
        """Run a read-only query and write its result (or, with `explain`, DuckDB's plan).

        Several statements may be given: each is checked, and the last one's result is
        written. Errors are one-line QueryErrors (SQL) or ConfigErrors (the output file).
        """
        statements = read_only_statements(sql)
        last = statements[-1]
        if explain and not _EXPLAINED.match(last):
            last = f"EXPLAIN {last}"
        with self._cursor() as cur:
            for statement in statements[:-1]:
                cur.sql(statement)  # binds (so a bad name fails) without running a query
            if explain:
                _write_plan(cur.execute(last).fetchall(), stdout)
            elif fmt == "parquet":
                if output is None:
                    raise ConfigError("--format parquet writes a file: add --output FILE")
                with _replacing(output) as tmp:
                    _write_parquet(cur.sql(last), tmp)
            elif output is not None:
                with _replacing(output) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
                    _write_rows(cur.execute(last), fmt, f, stderr)
            else:
                _write_rows(cur.execute(last), fmt, stdout, stderr)

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # A cursor per query: a result left half-read by an error never blocks the next one.
        cur = self._con.cursor()
        try:
            cur.execute("SET TimeZone = 'UTC'")
            yield cur
        except duckdb.Error as exc:
            raise QueryError(_first_line(exc)) from None
        finally:
            cur.close()


def _write_rows(result: duckdb.DuckDBPyConnection, fmt: str, out: TextIO, err: TextIO) -> None:
    columns = [d[0] for d in result.description] if result.description else []
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        while rows := result.fetchmany(_BATCH_ROWS):
            writer.writerows(rows)
        return
    rows = result.fetchall()
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        out.write(json.dumps(records, default=str, ensure_ascii=False, indent=1) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for name in columns:
        table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=_CELL_WIDTH)
    for row in rows:
        table.add_row(*("" if v is None else str(v)[: _CELL_WIDTH * 2] for v in row))
    # A pipe gets the whole row; a terminal gets cells cut to fit its width.
    Console(file=out, width=None if _isatty(out) else 1000).print(table)
    err.write(f"({len(rows)} row{'s' * (len(rows) != 1)})\n")


def _write_parquet(relation: Any, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if relation is None:
        raise QueryError("the statement returns no rows to write")
    # DuckDB 2 streams a relation with to_arrow_reader(); DuckDB 1 calls it fetch_record_batch().
    if hasattr(type(relation), "to_arrow_reader"):
        reader = relation.to_arrow_reader(_BATCH_ROWS)
    else:
        reader = relation.fetch_record_batch(_BATCH_ROWS)
    names = reader.schema.names
    if len(set(names)) < len(names):
        reader.close()
        twice = sorted({name for name in names if names.count(name) > 1})
        raise QueryError(
            f"Parquet needs distinct column names: rename the repeated {', '.join(twice)} with AS"
        )
    try:
        with pq.ParquetWriter(path, reader.schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
    except (pa.ArrowException, ValueError) as exc:
        raise QueryError(f"cannot write the result as Parquet: {_first_line(exc)}") from None
    finally:
        reader.close()


def _write_plan(rows: list[tuple[Any, ...]], out: TextIO) -> None:
    for row in rows:  # (explain_key, explain_value): the plan is the value
        out.write(str(row[-1]).rstrip("\n") + "\n")


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` that replaces it only when the block succeeds, so a
    failed query never leaves a half-written result behind."""
    path = path.expanduser()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


class Shell:
    """The interactive loop: statements end with `;` and may span lines; `.tables`,
    `.help` and `.quit` (or end of input) are commands.

    It reads with `read_line(prompt)` (`input`, for line editing and history on a
    terminal), or else prints the prompt to `stdout` and reads a line from `stdin`.
    """

    def __init__(
        self,
        warehouse: Warehouse,
        *,
        fmt: str = "table",
        explain: bool = False,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
        read_line: Callable[[str], str] | None = None,
    ) -> None:
        self.warehouse, self.fmt, self.explain = warehouse, fmt, explain
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.read_line = read_line or self._read_stream

    def loop(self) -> None:
        """Read and run statements until `.quit` or the end of input."""
        lines: list[str] = []
        while True:
            try:
                line = self.read_line(CONTINUE if lines else PROMPT)
            except EOFError:
                self.stdout.write("\n")
                if "".join(lines).strip():
                    self.run("\n".join(lines))  # the last statement needs no `;`
                return
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
                lines.clear()
                self.stdout.write("\n")
                continue
            if not lines and not line.strip():
                continue
            if not lines and line.strip().startswith("."):
                if not self.command(line.strip()):
                    return
                continue
            lines.append(line)
            if statement_complete("\n".join(lines)):
                self.run("\n".join(lines))
                lines.clear()

    def command(self, text: str) -> bool:
        """Carry out a dot command; False when it is the one that leaves."""
        name, _, _ = text.partition(" ")
        if name in (".quit", ".exit", ".q"):
            return False
        if name == ".tables":
            try:
                views = self.warehouse.views()
            except NewslakeError as exc:
                self.stderr.write(f"error: {exc}\n")
                return True
            width = max((len(view) for view, _ in views), default=0)
            for view, comment in views:
                self.stdout.write(f"{view:<{width}}  {comment}".rstrip() + "\n")
        elif name == ".help":
            self.stdout.write(HELP)
        else:
            self.stderr.write(f"error: unknown command {name} (.help lists them)\n")
        return True

    def run(self, sql: str) -> None:
        """Run one statement (or several) and print the result; errors are printed, not raised."""
        try:
            self.warehouse.write(
                sql, self.fmt, explain=self.explain, stdout=self.stdout, stderr=self.stderr
            )
        except NewslakeError as exc:
            self.stderr.write(f"error: {exc}\n")
        except KeyboardInterrupt:
            self.stderr.write("interrupted\n")

    def _read_stream(self, prompt: str) -> str:
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")


def statement_complete(text: str) -> bool:
    """Whether `text` ends with a `;` that is outside quotes and comments."""
    last, quote, i = "", "", 0
    while i < len(text):
        char = text[i]
        if quote == "*/":
            if text.startswith("*/", i):
                quote, i = "", i + 2
                continue
        elif quote:
            if char == quote:  # a doubled quote closes and reopens: still inside
                quote = ""
        elif char in "'\"":
            quote = char
        elif text.startswith("--", i):
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline
            continue
        elif text.startswith("/*", i):
            quote, i = "*/", i + 2
            continue
        elif not char.isspace():
            last = char
        i += 1
    return not quote and last == ";"


@contextmanager
def history(path: Path = HISTORY) -> Iterator[None]:
    """Line editing and a history kept in `path` while the shell runs, where the `readline`
    module exists; without it the shell still works, with neither."""
    try:
        import readline
    except ImportError:
        yield
        return
    path = path.expanduser()
    with suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(HISTORY_LENGTH)
    try:
        yield
    finally:
        with suppress(OSError):
            readline.write_history_file(path)


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
