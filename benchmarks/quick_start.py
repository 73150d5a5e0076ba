"""Benchmark `newslake run` from a cold shell on 10 bundled sample pages: wall seconds per run.

Each run is a fresh `newslake` process writing a new lake. Two set-ups are measured in the
same invocation:
- ephemeral: NEWSLAKE_PREFECT=ephemeral, Prefect's in-process API server started per run
  (the behaviour before the local server); first run on a fresh PREFECT_HOME, then reuse.
- server: the default, a local Prefect server started by the first run and reused by the next
  ones (its state in a temporary XDG_CACHE_HOME), stopped with `newslake server stop` at the end.

    .venv/bin/python benchmarks/quick_start.py [--runs N] [--modes ephemeral,server]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
BIN = VENV_BIN if (VENV_BIN / "newslake").exists() else Path(sys.executable).parent
NEWSLAKE = BIN / "newslake"
SAMPLE = REPO / "flows" / "sample"
PAGES = 10
# Settings a caller's shell may hold that would change what is measured.
DROPPED_ENV = ("PREFECT_API_URL", "PREFECT_API_KEY", "NEWSLAKE_PREFECT", "PREFECT_HOME")


def ten_pages(into: Path) -> Path:
    """A source folder of the first 10 sample pages (sorted by path)."""
    pages = sorted(SAMPLE.rglob("*.html"))[:PAGES]
    for page in pages:
        target = into / page.relative_to(SAMPLE)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    return into


def timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the process and the children it reaped (on a loaded
    machine the CPU figure is the steadier one)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return took, cpu


def measure(mode: str, runs: int, work: Path, source: Path) -> list[tuple[float, float]]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1")
    env["PREFECT_HOME"] = str(work / "prefect-home")
    env["XDG_CACHE_HOME"] = str(work / "cache")
    if mode == "ephemeral":
        env["NEWSLAKE_PREFECT"] = "ephemeral"
    run = [str(NEWSLAKE), "run", "--source", str(source), "--no-progress"]
    try:
        return [timed([*run, "--lake", f"lake{i}"], env, work) for i in range(runs)]
    finally:
        if mode == "server":
            subprocess.run([str(NEWSLAKE), "server", "stop"], env=env, cwd=work, check=False)


def main() -> None:
    print(f"newslake run over {PAGES} sample pages, a new lake each time; load {os.getloadavg()}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per set-up (first + reuses)")
    parser.add_argument("--modes", default="ephemeral,server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quick-start-") as tmp:
        source = ten_pages(Path(tmp) / "pages")
        for mode in args.modes.split(","):
            work = Path(tmp) / mode
            work.mkdir()
            runs = [
                f"{wall:.1f} s (CPU {cpu:.1f} s)"
                for wall, cpu in measure(mode, args.runs, work, source)
            ]
            print(f"{mode:>9}: first run {runs[0]}; later runs {', '.join(runs[1:])}")


if __name__ == "__main__":
    main()
