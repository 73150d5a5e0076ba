"""Benchmark newslake's file ingest on real news pages: throughput, start-up cost, peak RSS.

Input is built in a temporary directory from ../shared/corpus/extraction-dev (../shared, or
$NEWSLAKE_SHARED; skipped, exit 0, when that folder is absent): N copies of each page, each copy
its own article. Every measured step runs the real CLI (or trafilatura) in a subprocess of the
project's virtualenv.

    .venv/bin/python benchmarks/ingest_files.py [--quick] [--copies N] [--scale S]
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newslake.flows.prefect_api import stop_group

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the repository, or where NEWSLAKE_SHARED says (a worktree elsewhere).
SHARED = Path(os.environ.get("NEWSLAKE_SHARED") or REPO.parent / "shared")
DEFAULT_CORPUS = SHARED / "corpus" / "extraction-dev"
VENV_BIN = REPO / ".venv" / "bin"
BIN = VENV_BIN if (VENV_BIN / "newslake").exists() else Path(sys.executable).parent
PYTHON, NEWSLAKE, PREFECT = BIN / "python", BIN / "newslake", BIN / "prefect"
POLL_S = 0.2
MB = 1 << 20
RUN_ENV = {
    "PYTHONFAULTHANDLER": "1",  # a native crash in a measured run leaves a traceback
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "NEWSLAKE_PREFECT": "ephemeral",  # its figures are ephemeral vs a given server (quick_start.py)
}
# Settings a caller's shell may hold that would change what is measured.
DROPPED_ENV = ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_API_DATABASE_CONNECTION_URL")

_HEAD = re.compile(rb"<head\b[^>]*>", re.I)
_CANONICAL_TAG = re.compile(rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.I)
_OG_URL_TAG = re.compile(rb"<meta\b[^>]*\bproperty=[\"']?og:url\b[^>]*>", re.I)
_PARAGRAPH = re.compile(rb"<p\b[^>]*>", re.I)
_NANOBIND_NOISE = re.compile(r"^(nanobind: | - leaked |See https://nanobind)")
_SUMMARY_ROW = re.compile(r"^\W*(\w[\w ]*?)\s*│\s*([\d.]+)\s*│", re.M)

# trafilatura on its own, one process, default settings; reading is outside the timer.
TRAFILATURA_ALONE = """
import pathlib, sys, time
import trafilatura
busy, n = 0.0, 0
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.html")):
    html = path.read_text(encoding="utf-8", errors="replace")
    started = time.perf_counter()
    trafilatura.extract(html)
    busy += time.perf_counter() - started
    n += 1
print(n, busy)
"""
# Whether a module (or a `newslake sql` call) pulls in Prefect.
IMPORTS_PREFECT = "import sys, newslake.flows.cli; print('prefect' in sys.modules)"
SQL_IMPORTS_PREFECT = """
import atexit, sys
atexit.register(lambda: print('prefect' in sys.modules, file=sys.stderr))
from newslake.flows.cli import main
sys.argv = ["newslake", "sql", "--lake", sys.argv[1], "--format", "csv", "select 1"]
main()
"""


class BenchError(RuntimeError):
    """A measured command failed."""


# --- input ------------------------------------------------------------------------------------


def load_corpus(corpus: Path) -> dict[str, bytes]:
    """Decompressed HTML of every page in the corpus, by id."""
    return {
        path.name.removesuffix(".html.gz"): gzip.decompress(path.read_bytes())
        for path in sorted((corpus / "html").glob("*.html.gz"))
    }


def make_copy(html: bytes, k: int) -> bytes:
    """Copy `k` of a page: new bytes, its own canonical URL and its own text.

    newslake treats equal text from one outlet as one article, so each paragraph also
    gets a copy marker; the comment alone would only make the bytes unique.
    """
    html = _HEAD.sub(lambda m: m.group(0) + b"<!-- copy %d -->" % k, html, count=1)
    html = _CANONICAL_TAG.sub(lambda m: _tag_url(m.group(0), b"href", k), html)
    html = _OG_URL_TAG.sub(lambda m: _tag_url(m.group(0), b"content", k), html)
    return _PARAGRAPH.sub(lambda m: m.group(0) + b"(copy %d) " % k, html)


def _tag_url(tag: bytes, attribute: bytes, k: int) -> bytes:
    """The tag with `?copy=k` (or `&copy=k`) appended to the URL in `attribute`."""
    pattern = re.compile(rb"(\b%s=[\"']?)([^\"'\s>]*)" % attribute, re.I)

    def add_query(m: re.Match[bytes]) -> bytes:
        base, hash_, fragment = m.group(2).partition(b"#")
        sep = b"&" if b"?" in base else b"?"
        return m.group(1) + base + sep + b"copy=%d" % k + hash_ + fragment

    return pattern.sub(add_query, tag, count=1)


def write_copies(pages: dict[str, bytes], copies: range, dest: Path) -> int:
    """Write copies `copies` of every page as dest/<id>-<k>.html; returns bytes written."""
    dest.mkdir(parents=True, exist_ok=True)
    total = 0
    for k in copies:
        for page_id, html in pages.items():
            total += (dest / f"{page_id}-{k}.html").write_bytes(make_copy(html, k))
    return total


# --- running and watching subprocesses ---------------------------------------------------------


@dataclass
class Finished:
    """A finished subprocess: wall seconds, its output and, if watched, its tree's peak RSS
    and the cores other processes kept busy meanwhile (this machine is shared)."""

    wall: float
    stdout: str
    stderr: str
    peak_rss: int = 0
    background: float = 0.0


def rss_method() -> str:
    """'proc' to sum VmRSS over the process tree, else 'rusage' (largest single child)."""
    return "proc" if Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists() else "rusage"


def run(cmd: list[str | Path], env: dict[str, str], logs: Path, watch: bool = False) -> Finished:
    """Run a command to completion, timing it; with `watch`, sample its tree's RSS and CPU."""
    out_path, err_path = logs / "stdout.txt", logs / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        busy_before, started = machine_busy(), time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], env=env, stdout=out, stderr=err)
        peak, tree_cpu = _watch(proc) if watch else _wait(proc)
        wall, busy = time.perf_counter() - started, machine_busy() - busy_before
    stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{_tail(stderr)}")
    if watch and rss_method() == "rusage":
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    background = max(busy - tree_cpu, 0.0) / wall if watch and busy else 0.0
    return Finished(wall, stdout, stderr, peak, background)


def _tail(stderr: str, lines: int = 30) -> str:
    """The last lines of stderr, without DuckDB's nanobind leak report at exit."""
    kept = [line for line in stderr.splitlines() if not _NANOBIND_NOISE.match(line)]
    return "\n".join(kept[-lines:])


def _wait(proc: subprocess.Popen) -> tuple[int, float]:
    proc.wait()
    return 0, 0.0


def _watch(proc: subprocess.Popen) -> tuple[int, float]:
    """Peak summed RSS (bytes) and CPU seconds of the process tree, sampled every POLL_S."""
    peak, cpu = 0, {}
    while True:
        pids = _descendants(proc.pid)
        peak = max(peak, sum(_rss(p) for p in pids))
        cpu.update((p, c) for p in pids if (c := _cpu(p)) is not None)
        try:
            proc.wait(timeout=POLL_S)
            return peak, sum(cpu.values())
        except subprocess.TimeoutExpired:
            continue


def machine_busy() -> float:
    """CPU seconds all cores have spent not idle since boot (0 without /proc/stat)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle, iowait = ticks[3], ticks[4]
    return (sum(ticks[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float | None:
    """User plus system CPU seconds of one process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = [int(c) for c in path.read_text().split()]
        except (OSError, ValueError):
            continue
        for child in children:
            found += _descendants(child)
    return found


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) * 1024 if found else 0


def base_env(prefect_home: Path, api_url: str | None = None) -> dict[str, str]:
    """Environment for newslake runs: quiet offline Prefect, ephemeral unless `api_url`."""
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(RUN_ENV, PREFECT_HOME=str(prefect_home))
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


# --- measurements -----------------------------------------------------------------------------


@dataclass
class Ingest:
    """One `newslake run` over a folder."""

    lake: Path | str
    pages: int
    flow_s: float
    wall_s: float
    peak_rss: int
    articles: int
    summary: dict[str, float]
    background: float  # cores other processes kept busy during the run

    @property
    def flow_rate(self) -> float:
        """Pages per second of the flow's own time (no process start-up)."""
        return self.pages / self.flow_s

    @property
    def wall_rate(self) -> float:
        """Pages per second of the whole command."""
        return self.pages / self.wall_s


def ingest(
    source: Path,
    lake: Path | str,
    env: dict[str, str],
    workers: int | None,
    logs: Path | None = None,
) -> Ingest:
    """Run `newslake run` over `source` into a fresh `lake` (a directory or a store URL),
    then count its articles; logs go to `logs` (default: beside a directory lake)."""
    logs = logs or Path(lake).parent
    cmd = [NEWSLAKE, "run", "--source", source, "--lake", lake, "--no-progress"]
    if workers:
        cmd += ["--workers", str(workers)]
    done = run(cmd, env, logs, watch=True)
    summary = {k: float(v) for k, v in _SUMMARY_ROW.findall(done.stdout)}
    if "seconds" not in summary:
        raise BenchError(f"no summary table in the output of newslake run:\n{done.stdout}")
    articles = int(sql(lake, "select count(*) from articles", env, logs)[1])
    return Ingest(
        lake=lake,
        pages=int(summary.get("read", 0)),
        flow_s=summary["seconds"],
        wall_s=done.wall,
        peak_rss=done.peak_rss,
        articles=articles,
        summary=summary,
        background=done.background,
    )


def sql(lake: Path | str, query: str, env: dict[str, str], logs: Path) -> list[str]:
    """Lines of `newslake sql --format csv` output (header first)."""
    done = run([NEWSLAKE, "sql", "--lake", lake, "--format", "csv", query], env, logs)
    return done.stdout.splitlines()


def trafilatura_alone(pages: Path, logs: Path) -> tuple[float, float]:
    """Pages per second of `trafilatura.extract` alone (one process), and the other load."""
    done = run([PYTHON, "-c", TRAFILATURA_ALONE, pages], dict(os.environ), logs, watch=True)
    count, busy = done.stdout.split()
    return int(count) / float(busy), done.background


def empty_run(tmp: Path, env: dict[str, str]) -> float:
    """Wall seconds of `newslake run` over an empty folder, into a fresh lake."""
    empty, work = tmp / "empty", Path(tempfile.mkdtemp(dir=tmp))
    empty.mkdir(exist_ok=True)
    cmd = [NEWSLAKE, "run", "--source", empty, "--lake", work / "lake", "--no-progress"]
    return run(cmd, env, work).wall


@contextmanager
def prefect_server(tmp: Path) -> Iterator[tuple[str, float]]:
    """A local `prefect server` (own PREFECT_HOME): its API URL and seconds until healthy."""
    port = _free_port()
    env = base_env(tmp / "prefect-home")
    cmd = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with (tmp / "prefect-server.log").open("wb") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(c) for c in cmd], env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            api = f"http://127.0.0.1:{port}/api"
            _wait_healthy(api, proc, timeout_s=120)
            yield api, time.perf_counter() - started
        finally:
            stop_group(proc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(api: str, proc: subprocess.Popen, timeout_s: float) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"prefect server exited with {proc.returncode}")
        try:
            with opener.open(f"{api}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise BenchError(f"prefect server not healthy after {timeout_s:.0f} s")


def cli_costs(lake: Path, env: dict[str, str], logs: Path) -> dict[str, object]:
    """Wall seconds of `newslake --help` and `newslake sql`, import time, Prefect imports."""
    help_s = min(run([NEWSLAKE, "--help"], env, logs).wall for _ in range(3))
    sql_s = min(
        run([NEWSLAKE, "sql", "--lake", lake, "select 1"], env, logs).wall for _ in range(3)
    )
    timing = run([PYTHON, "-X", "importtime", "-c", "import newslake.flows.cli"], env, logs)
    cli_us = _import_us(timing.stderr, "newslake.flows.cli")
    cli_prefect = run([PYTHON, "-c", IMPORTS_PREFECT], env, logs).stdout.strip()
    sql_prefect = run([PYTHON, "-c", SQL_IMPORTS_PREFECT, lake], env, logs).stderr.strip()
    return {
        "help_s": help_s,
        "sql_s": sql_s,
        "import_ms": cli_us / 1000,
        "cli_prefect": cli_prefect,
        "sql_prefect": sql_prefect.splitlines()[-1] if sql_prefect else "?",
    }


def _import_us(importtime: str, module: str) -> int:
    """Cumulative microseconds of `module` in `python -X importtime` output."""
    for line in importtime.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    return 0


# --- the benchmark ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Build the input, run every measurement, print the report; 0 also when skipped."""
    args = parse_args(argv)
    if not (args.corpus / "html").is_dir():
        print(f"skipped: corpus not found at {args.corpus}")
        return 0
    if not NEWSLAKE.exists():
        print(f"error: no newslake console script in {BIN}; install the project first")
        return 1
    with tempfile.TemporaryDirectory(prefix="newslake-bench-") as tmp:
        try:
            report = measure(args, Path(tmp))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print("\n" + report)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options; --quick means 4 copies."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="extraction-dev dir")
    parser.add_argument("--copies", type=int, default=40, help="copies of each page (N)")
    parser.add_argument("--scale", type=int, default=10, help="peak RSS also at N x scale (1: no)")
    parser.add_argument("--quick", action="store_true", help="smoke run: --copies 4")
    args = parser.parse_args(argv)
    if args.quick:
        args.copies = 4
    if args.copies < 1 or args.scale < 1:
        parser.error("--copies and --scale must be at least 1")
    return args


def measure(args: argparse.Namespace, tmp: Path) -> str:
    """Every measurement in order, logged as it goes; returns the final report."""
    pages_dir, home = tmp / "pages", tmp / "prefect-ephemeral"
    env = base_env(home)
    corpus = load_corpus(args.corpus)
    size = write_copies(corpus, range(args.copies), pages_dir)
    log(f"input: {len(corpus)} pages x {args.copies} copies, {size / MB:.0f} MB in {pages_dir}")
    first_empty = empty_run(tmp, env)  # also creates the ephemeral Prefect database
    log(f"empty run, fresh PREFECT_HOME: {first_empty:.1f} s")
    # trafilatura alone just before and just after the default run: this machine's speed
    # drifts by tens of percent over minutes, and the ratio must compare like with like.
    before = trafilatura_alone(pages_dir, _fresh(tmp))
    log(f"trafilatura.extract alone, before: {before[0]:.1f} pages/s, other load {before[1]:.2f}")
    full = ingest(pages_dir, _fresh(tmp) / "lake", env, None)
    log(f"default workers: {_describe(full)}")
    after = trafilatura_alone(pages_dir, _fresh(tmp))
    log(f"trafilatura.extract alone, after: {after[0]:.1f} pages/s, other load {after[1]:.2f}")
    single = ingest(pages_dir, _fresh(tmp) / "lake", env, 1)
    log(f"--workers 1: {_describe(single)}")
    alone_load = max(before[1], after[1])
    warm = [empty_run(tmp, env) for _ in range(2)]
    log(f"empty run, ephemeral: {warm[0]:.1f} s, {warm[1]:.1f} s")
    with prefect_server(tmp) as (api, up_s):
        log(f"prefect server healthy after {up_s:.1f} s")
        served = [empty_run(tmp, base_env(home, api)) for _ in range(2)]
    log(f"empty run, server: {served[0]:.1f} s, {served[1]:.1f} s")
    costs = cli_costs(full.lake, env, _fresh(tmp))
    log(f"newslake --help {costs['help_s']:.2f} s, sql {costs['sql_s']:.2f} s")
    scaled = None
    if args.scale > 1:
        more = write_copies(corpus, range(args.copies, args.copies * args.scale), pages_dir)
        log(f"input grown to {args.copies * args.scale} copies (+{more / MB:.0f} MB)")
        scaled = ingest(pages_dir, _fresh(tmp) / "lake", env, None)
        log(f"default workers at {args.scale}N: {_describe(scaled)}")
    startup = (first_empty, warm, served, up_s)
    return report(full, single, (before[0], after[0], alone_load), startup, costs, scaled)


def _fresh(tmp: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp))


def _describe(result: Ingest) -> str:
    s = result.summary
    return (
        f"{result.pages} pages, {result.articles} articles (new {s.get('new', 0):.0f}, "
        f"duplicates {s.get('duplicates', 0):.0f}, failed {s.get('failed', 0):.0f}), "
        f"flow {result.flow_s:.1f} s, wall {result.wall_s:.1f} s, "
        f"peak RSS {result.peak_rss / MB:.0f} MB, other load {result.background:.2f} cores"
    )


def log(message: str) -> None:
    """A progress line on stderr, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def report(
    full: Ingest,
    single: Ingest,
    traf: tuple[float, float, float],
    startup: tuple[float, list[float], list[float], float],
    costs: dict[str, object],
    scaled: Ingest | None,
) -> str:
    """The aligned text report."""
    first, warm, served, server_up = startup
    before, after, alone_load = traf
    alone = (before + after) / 2
    workers = os.cpu_count() or 1
    lines = [
        ("pages", f"{full.pages} ({full.articles} articles)"),
        (f"newslake, default workers ({workers})", _rates(full)),
        ("newslake, --workers 1", _rates(single)),
        ("parallel efficiency", _ratio(full.flow_rate / single.flow_rate, ">=", 1.7)),
        (
            "trafilatura.extract alone",
            f"{alone:6.1f} pages/s (1 process; {before:.1f} just before the default run, "
            f"{after:.1f} just after; other load {alone_load:.2f} cores)",
        ),
        ("newslake / trafilatura", _ratio(full.flow_rate / alone, ">=", 1.0)),
        ("start-up, empty run (ephemeral)", f"{_secs(warm)} (first, fresh home: {first:.1f} s)"),
        ("start-up, empty run (server)", f"{_secs(served)} (server up in {server_up:.1f} s)"),
        ("newslake --help", f"{costs['help_s']:.2f} s ; imports prefect: {costs['cli_prefect']}"),
        (
            "newslake sql 'select 1'",
            f"{costs['sql_s']:.2f} s ; imports prefect: {costs['sql_prefect']}",
        ),
        ("import newslake.flows.cli", f"{costs['import_ms']:.0f} ms (-X importtime)"),
    ]
    if scaled is not None:
        ratio = scaled.peak_rss / full.peak_rss
        lines += [
            (f"newslake at {scaled.pages} pages", _rates(scaled)),
            (
                f"peak RSS at N / {scaled.pages // max(full.pages, 1)}N",
                f"{full.peak_rss / MB:.0f} MB / {scaled.peak_rss / MB:.0f} MB "
                f"({ratio:.2f}x, target <= 1.30)",
            ),
        ]
    else:
        lines.append(("peak RSS at N", f"{full.peak_rss / MB:.0f} MB"))
    lines.append(("RSS measured as", _rss_label()))
    lines.append(("other load", "cores busy outside the measured processes (shared machine)"))
    width = max(len(label) for label, _ in lines) + 2
    return "\n".join(f"{label:<{width}}{value}" for label, value in lines)


def _rates(result: Ingest) -> str:
    return (
        f"{result.flow_rate:6.1f} pages/s (flow {result.flow_s:.1f} s; "
        f"wall {result.wall_s:.1f} s = {result.wall_rate:.1f} pages/s; "
        f"other load {result.background:.2f} cores)"
    )


def _ratio(value: float, op: str, target: float) -> str:
    return f"{value:.2f}x (target {op} {target:.2f})"


def _secs(values: list[float]) -> str:
    return " / ".join(f"{v:.1f} s" for v in values)


def _rss_label() -> str:
    if rss_method() == "proc":
        return "sum of VmRSS over the process tree, sampled every 0.2 s"
    return "ru_maxrss of the largest child process (no /proc)"


if __name__ == "__main__":
    sys.exit(main())
