"""The `newslake` command line: thin commands over flows and the warehouse.

Prefect is imported only by commands that run flows, so `sql` starts fast.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from newslake.flows.settings import Settings
from newslake.flows.sources import sources_help
from newslake.transforms.errors import ConfigError, NewslakeError
from newslake.warehouse.examples import EXAMPLES

app = typer.Typer(
    name="newslake",
    help="Ingest news into a Parquet data lake and query it with DuckDB.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Offline, quiet Prefect unless the user says otherwise (ENV-NOTES: telemetry, slow 2-core start).
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}

Config = Annotated[Path | None, typer.Option("--config", "-c", help="newslake.toml to read.")]
LakeOpt = Annotated[str | None, typer.Option("--lake", "-l", help="Lake directory [./lake].")]
Workers = Annotated[
    int | None, typer.Option("--workers", "-w", min=1, help="Extraction processes [all cores].")
]
Runner = Annotated[
    str | None,
    typer.Option(help="Where pages are extracted: local (a process pool) or dask [local]."),
]
DaskAddress = Annotated[
    str | None,
    typer.Option(help="--runner dask: the scheduler (tcp://HOST:8786); unset: a local cluster."),
]


def _print_versions(value: bool) -> None:
    if not value:
        return
    from importlib.metadata import version

    from newslake import __version__

    python = ".".join(str(part) for part in sys.version_info[:3])
    typer.echo(
        f"newslake {__version__} (Prefect {version('prefect')}, DuckDB {version('duckdb')},"
        f" Python {python})"
    )
    raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_versions,
            is_eager=True,
            help="Print newslake's, Prefect's and DuckDB's versions and exit.",
        ),
    ] = False,
) -> None:
    """Ingest news into a Parquet data lake and query it with DuckDB."""


class OutputFormat(StrEnum):
    """How `newslake sql` writes rows."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def run(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help=sources_help())] = None,
    lake: LakeOpt = None,
    config: Config = None,
    workers: Workers = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(help="Host to fetch even though it is private or loopback; repeatable."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    runner: Runner = None,
    dask_address: DaskAddress = None,
) -> None:
    """Read or fetch the sources once and commit new and changed articles to the lake."""
    _run_ingest(
        config=config,
        lake=lake,
        sources=source,
        workers=workers,
        progress=progress,
        allow_hosts=allow_host,
        runner=runner,
        dask_address=dask_address,
    )


@app.command()
def demo(lake: LakeOpt = None, workers: Workers = None) -> None:
    """Ingest the bundled sample corpus and print queries to try next."""
    sample = resources.files("newslake.flows") / "sample"
    _run_ingest(
        config=Path(str(resources.files("newslake.flows") / "demo.toml")),
        lake=lake,
        sources=[{"path": str(sample), "name": "sample"}],
        workers=workers,
        progress=True,
    )
    typer.echo("\nTry:")
    for label, sql in EXAMPLES:
        lake_flag = f" --lake {lake}" if lake else ""
        typer.echo(f'  # {label}\n  newslake sql{lake_flag} "{sql}"\n')


@app.command()
def sql(
    query: Annotated[
        str | None,
        typer.Argument(
            help="SQL to run against the lake's views. Without it (and without --file) "
            "the SQL is read from stdin, or a shell opens on a terminal.",
            show_default=False,
        ),
    ] = None,
    lake: LakeOpt = None,
    config: Config = None,
    format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, csv, json or parquet; by default table, or what the --output suffix says.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result to this file (parquet needs one)."),
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the SQL from this file.")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print DuckDB's plan for the query, not its rows.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Read the lake as it was after this run (a run id, or an ISO timestamp: "
            "the last run committed by then); runs within retention_hours only.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run read-only SQL against the views (articles, pages, fetch_log, …), or open a shell."""
    from newslake.flows import sqlshell

    if query is not None and file is not None:
        raise ConfigError("give the SQL as an argument or with --file, not both")
    if explain and (format is not None or output is not None):
        raise ConfigError("--explain prints the plan: it takes no --format or --output")
    fmt = sqlshell.output_format(format, output)
    text = sqlshell.read_sql_file(file) if file is not None else query
    interactive = text is None and sys.stdin.isatty()
    if interactive and output is not None:
        raise ConfigError("--output needs the SQL: as an argument, with --file or on stdin")
    if text is None and not interactive:
        text = sys.stdin.read()
    settings = Settings.load(config, lake=lake)
    with sqlshell.Warehouse(settings.reading_lake(), as_of, settings.retention_hours) as warehouse:
        if text is not None:
            warehouse.write(
                text, fmt, output=output, explain=explain, stdout=sys.stdout, stderr=sys.stderr
            )
            return
        shell = sqlshell.Shell(
            warehouse,
            fmt=fmt,
            explain=explain,
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            read_line=input,
        )
        typer.echo(f"newslake sql on {settings.lake}: end statements with ';', .help for more")
        with sqlshell.history():
            shell.loop()


@app.command()
def compact(
    lake: LakeOpt = None,
    config: Config = None,
    target_mb: Annotated[
        int, typer.Option(min=1, help="Size of the merged files, in MB (files this big are kept).")
    ] = 128,
) -> None:
    """Merge each partition's small per-run Parquet files into files of a target size (one
    Delta commit per table, visible at once), then vacuum what the retention no longer needs."""
    Settings.load(config, lake=lake)  # a bad config fails here, before Prefect starts
    _prefect_env()
    from newslake.flows.maintenance import compact_lake

    merged = compact_lake(
        lake=lake, config_path=str(config) if config else None, target_mb=target_mb
    )
    if not merged:
        typer.echo("nothing to compact")
    for table, files in sorted(merged.items()):
        typer.echo(f"{table}: {files} files merged")


@app.command()
def migrate(lake: LakeOpt = None, config: Config = None) -> None:
    """Convert a lake written by an earlier newslake into Delta tables, in place: a directory
    of plain Parquet files, or an object store's objects under a manifest. Safe to run again,
    and a no-op on a lake that is already Delta."""
    from newslake.flows.pipeline import new_run
    from newslake.warehouse.migrate import migrate_lake, migrate_store
    from newslake.warehouse.objectstore import is_remote

    settings = Settings.load(config, lake=lake)
    if is_remote(settings.lake):
        run, timeout_s = new_run(), settings.lock_timeout_s
        typer.echo(migrate_store(settings.lake, run, timeout_s, settings.cache_dir))
        return
    typer.echo(migrate_lake(Path(settings.lake), new_run(), settings.lock_timeout_s))


@app.command()
def reprocess(
    lake: LakeOpt = None,
    config: Config = None,
    workers: Workers = None,
    stage: Annotated[
        str,
        typer.Option(
            help="Stage to start from: extract, stories, claims or gold; later ones follow."
        ),
    ] = "extract",
    since: Annotated[
        str | None,
        typer.Option(help="Only what was fetched or stored on or after this day (YYYY-MM-DD)."),
    ] = None,
    runner: Runner = None,
    dask_address: DaskAddress = None,
) -> None:
    """Rebuild articles, stories, claims and gold tables from the stored pages (no network)."""
    dask: dict[str, Any] = {"extract.runner": runner, "extract.dask_address": dask_address}
    Settings.load(config, lake=lake, **dask)  # a bad config fails here, before Prefect starts
    from newslake.warehouse.rebuild import Stage

    if stage not in set(Stage):
        raise ConfigError(f"--stage must be one of {', '.join(Stage)}, not {stage!r}")
    day = _day(since) if since else None
    _prefect_env()
    from newslake.flows.maintenance import reprocess_lake

    summary = reprocess_lake(
        lake=lake,
        config_path=str(config) if config else None,
        workers=workers,
        stage=Stage(stage),
        since=day,
        runner=runner,
        dask_address=dask_address,
    )
    _print_summary(summary.as_dict())


@app.command("claims-audit")
def claims_audit(
    article_id: Annotated[str, typer.Argument(help="article_id from the articles table.")],
    lake: LakeOpt = None,
    config: Config = None,
) -> None:
    """Every sentence of an article, kept as a claim or not, and the rule that decided."""
    from rich.console import Console
    from rich.table import Table

    from newslake.transforms.claims.rules import claim_sentences
    from newslake.warehouse.views import query

    root = Settings.load(config, lake=lake).reading_lake()
    if not article_id.isalnum():
        raise ConfigError(f"{article_id!r} is not an article_id")
    _, found = query(root, f"SELECT text FROM articles WHERE article_id = '{article_id}'")
    if not found:
        raise ConfigError(f"no article {article_id} in {root}")
    _, stored = query(
        root, f"SELECT sentence_index, claim_id FROM claims WHERE article_id = '{article_id}'"
    )
    claim_of = dict(stored)
    table = Table("#", "kept", "rule", "claim_id", "sentence", title=article_id)
    for index, sentence, verdict in claim_sentences(found[0][0]):
        kept = "yes" if verdict.keep else "no"
        table.add_row(str(index), kept, verdict.rule, claim_of.get(index, ""), sentence)
    Console().print(table)


@app.command()
def status(
    lake: LakeOpt = None,
    config: Config = None,
    health: Annotated[
        bool,
        typer.Option(
            "--health", help="Collection health instead: each outlet's latest day, anomalies."
        ),
    ] = False,
    partitions: Annotated[
        bool, typer.Option("--partitions", help="Also list each table's partitions.")
    ] = False,
) -> None:
    """Tables, partitions, sizes and rows; the latest runs by outcome; the lock holder.
    With --health: each outlet's latest day in outlet_health, and the last week's anomalies."""
    from rich.console import Console
    from rich.table import Table

    from newslake.warehouse.objectstore import is_remote, lease_holder
    from newslake.warehouse.status import lake_status

    console = Console()
    if health:
        _print_health(console, Settings.load(config, lake=lake).reading_lake())
        return
    settings = Settings.load(config, lake=lake)
    info = lake_status(settings.reading_lake())
    if is_remote(settings.lake):  # the store's lease, and its URL, not the local mirror's
        info.root, info.lock = settings.lake, lease_holder(settings.lake, settings.cache_dir)
    tables = Table("table", "path", "partitions", "files", "rows", "size", title=info.root)
    for t in info.tables:
        tables.add_row(
            t.name, t.path, str(t.partitions), str(t.files), str(t.rows), _human_bytes(t.bytes)
        )
    console.print(tables)
    if partitions:
        parts = Table("table", "partition", "files", "rows", "size", title="partitions")
        for t in info.tables:
            for p in t.by_partition:
                parts.add_row(t.name, p.name, str(p.files), str(p.rows), _human_bytes(p.bytes))
        console.print(parts)
    runs = Table("run", "inputs", "outcomes", title="latest runs")
    for run_id, count, outcomes in info.runs:
        runs.add_row(run_id, str(count), ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    console.print(runs)
    console.print(f"lock: {info.lock or 'free'}")
    if info.pending_commits:
        console.print(
            f"{info.pending_commits} table(s) committed by an interrupted run: "
            "the next run undoes them"
        )


def _print_health(console: Any, root: str) -> None:
    """`status --health`: each outlet's latest day (anomalies in red), then a line per anomaly."""
    from rich.table import Table

    from newslake.warehouse.health import STATUS_DAYS, health_report

    report = health_report(root)
    if not report.latest:
        console.print("no outlet health yet: `newslake run` computes it")
        return

    def share(value: float | None) -> str:
        return "" if value is None else f"{value:.0%}"

    headers = "date urls fetched failed articles title dated author chars".split()
    table = Table("outlet", *headers, "anomaly", title="outlet health, latest day")
    for d in report.latest:
        flags = [
            name
            for name, on in (("volume", d.volume_anomaly), ("completeness", d.completeness_anomaly))
            if on
        ]
        table.add_row(
            d.outlet,
            str(d.day),
            str(d.urls_discovered),
            str(d.fetched),
            str(d.failed),
            str(d.articles),
            share(d.share_with_title),
            share(d.share_with_date),
            share(d.share_with_author),
            "" if d.median_text_chars is None else f"{d.median_text_chars:.0f}",
            " ".join(flags),
            style="bold red" if d.is_anomalous else None,
        )
    console.print(table)
    for d in report.anomalies:
        console.print(f"anomaly {d.day} {d.outlet}: {d.anomaly_reason}", soft_wrap=True)
    if not report.anomalies:
        console.print(f"no anomalies in the last {STATUS_DAYS} days")


@app.command()
def report(
    lake: LakeOpt = None,
    config: Config = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    topic: Annotated[
        str | None, typer.Option(help="Only articles of this topic ('(none)': of no topic).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Only articles published on or after this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write a self-contained HTML report: coverage, share of voice, stories, recurring claims."""
    from datetime import UTC, datetime

    from newslake.warehouse.report.charts import vega_script
    from newslake.warehouse.report.data import load_report
    from newslake.warehouse.report.html import render_report

    start = _day(since) if since is not None else None
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: no directory {out.parent}")
    settings = Settings.load(config, lake=lake)
    data = load_report(
        settings.reading_lake(), topic=topic, since=start, min_stories=settings.claims.min_stories
    )
    page = render_report(data, generated_at=datetime.now(UTC), script=vega_script())
    partial = out.with_name(f".{out.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)  # a reader never sees half a report
    typer.echo(f"wrote {out}")


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("newslake.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example newslake.toml."""
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; pass --force to overwrite it")
    path.write_text((resources.files("newslake.flows") / "newslake.example.toml").read_text())
    typer.echo(f"wrote {path}")


@app.command()
def serve(
    config: Config = None,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help=sources_help())] = None,
    lake: LakeOpt = None,
    interval: Annotated[
        int | None,
        typer.Option(help="Run every N seconds instead of the deployment's cron schedule."),
    ] = None,
    prefect_port: Annotated[
        int, typer.Option(help="Port for the local Prefect server if PREFECT_API_URL is unset.")
    ] = 4200,
) -> None:
    """Serve the ingest and compact deployments on their schedules from this process."""
    settings = Settings.load(config, lake=lake, sources=source)
    if not settings.sources:
        raise ConfigError("no sources: pass --source PATH or list [[sources]] in the config")
    _prefect_env(local_server=False)  # serve brings its own server (prefect_api below)
    from newslake.flows.deployments import serve_all
    from newslake.flows.prefect_api import prefect_api

    # SIGTERM (service managers, `kill`) stops serving the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with prefect_api(prefect_port) as api_url:
        os.environ["PREFECT_API_URL"] = api_url
        typer.echo(f"Prefect API: {api_url} (UI: {api_url.removesuffix('/api')})", err=True)
        try:
            serve_all(
                config_path=str(config) if config else None,
                sources=source,
                lake=lake,
                interval=interval,
            )
        except KeyboardInterrupt:
            typer.echo("stopped serving", err=True)


server_app = typer.Typer(
    help="The local Prefect server `run` starts once and reuses (NEWSLAKE_PREFECT=ephemeral:"
    " none, Prefect's per-run API instead).",
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")


@server_app.command("status")
def server_status() -> None:
    """Say whether the local Prefect server runs, its URL and pid."""
    from newslake.flows import local_server as server

    info = server.running()
    if info is None:
        typer.echo(f"no local Prefect server running (state in {server.state_dir()})")
        raise typer.Exit(1)
    typer.echo(f"local Prefect server running: {info.url} (pid {info.pid})")


@server_app.command("start")
def server_start() -> None:
    """Start the local Prefect server now (runs start it when needed)."""
    from newslake.flows import local_server as server

    info = server.ensure_running()
    verb = "started" if info.started else "already running:"
    typer.echo(f"local Prefect server {verb} {info.url} (pid {info.pid})")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server and all its processes."""
    from newslake.flows import local_server as server

    info = server.stop()
    typer.echo(f"stopped the local Prefect server (pid {info.pid})" if info else "not running")


def main() -> None:
    """Console-script entry: newslake errors become one line on stderr and exit code 2."""
    try:
        app()
    except NewslakeError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


def _run_ingest(
    *,
    config: Path | None,
    lake: str | None,
    sources: list | None,
    workers: int | None,
    progress: bool,
    allow_hosts: list[str] | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
) -> None:
    from newslake.flows.sources import check_sources

    overrides: dict[str, Any] = {
        "extract.workers": workers,
        "fetch.allowed_hosts": allow_hosts,
        "extract.runner": runner,
        "extract.dask_address": dask_address,
    }
    settings = Settings.load(config, lake=lake, sources=sources, **overrides)
    if not settings.sources:
        raise ConfigError("no sources: pass --source PATH or list [[sources]] in the config")
    check_sources(settings.sources)  # a missing path is a usage error, before Prefect starts
    if settings.workers > 1 and settings.extract.runner == "local":
        from newslake.flows.workers import start_fork_server

        start_fork_server()
    _prefect_env()
    from newslake.flows.ingest import run_ingest

    summary = run_ingest(
        sources=sources,
        lake=lake,
        config_path=str(config) if config else None,
        workers=workers,
        allow_hosts=allow_hosts,
        show_progress=progress and sys.stderr.isatty(),
        runner=runner,
        dask_address=dask_address,
    )
    _print_summary(summary.as_dict())


def _prefect_env(local_server: bool = True) -> None:
    """Prefect's defaults for the CLI, and no second report of an error the CLI reports; and,
    since every command calling this runs a flow that writes the lake, Arrow's allocator.
    With local_server, the API is the reused local server (flows/local_server.py) unless one
    is configured or NEWSLAKE_PREFECT=ephemeral."""
    from newslake.warehouse.lake import prefer_jemalloc

    prefer_jemalloc()
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if local_server:
        from newslake.flows import local_server as server
        from newslake.flows.prefect_api import PrefectServerError

        try:
            info = server.use_for_run()
        except (PrefectServerError, OSError) as exc:  # the run goes on, as before the server
            typer.echo(
                f"warning: no local Prefect server ({exc}); using an ephemeral one", err=True
            )
            info = None
        if info is not None and info.started:
            typer.echo(
                f"started a local Prefect server for this and later runs: {info.url}"
                " (`newslake server stop` stops it)",
                err=True,
            )
    logging.getLogger("prefect.flow_runs").addFilter(_not_newslake_errors)


def _not_newslake_errors(record: logging.LogRecord) -> bool:
    """Keep a log record unless it carries a NewslakeError: the CLI prints those as one line,
    where Prefect's flow engine would log them again with a traceback."""
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, NewslakeError)


def _day(text: str) -> date:
    """A --since value as a date, or a one-line error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--since {text!r} is not a date (YYYY-MM-DD)") from None


def _human_bytes(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"run {summary['run_id']}\n→ {summary['lake']}", show_header=False)
    for key in ("read", "new", "updated", "unchanged", "duplicates", "failed"):
        table.add_row(key, str(summary[key]))
    for outcome, count in summary["failures"].items():
        table.add_row(f"  {outcome}", str(count))
    if archives := summary.get("archives"):
        table.add_row("archive records", str(archives["records"]))
        for key in ("pages", "revisits"):
            table.add_row(f"  {key}", str(archives[key]))
        for reason, count in archives["skipped"].items():
            table.add_row(f"  skipped: {reason}", str(count))
        table.add_row("  failed", str(archives["failed"]))
    table.add_row("seconds", f"{summary['seconds']:.1f}")
    Console().print(table)
