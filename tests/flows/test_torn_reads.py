"""Readers see whole commits: a reader in another process (tests/lake_reader.py) queries the lake
in a loop, through warehouse.duckdb's views and through the Delta tables (on S3 also straight
from the bucket), while 8 ingest runs add and update articles and a compaction runs; it must
find nothing torn."""

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from moto_s3 import BUCKET, moto_s3
from news_site import synthetic_article

from newslake.flows.ingest import run_ingest
from newslake.flows.maintenance import compact_lake

READER = Path(__file__).resolve().parents[1] / "lake_reader.py"
RUNS = 8
COMPACT_AFTER = 4  # the compaction runs between two ingest runs, with the reader going
FIRST = datetime(2026, 3, 1, 7, tzinfo=UTC)


class Pages:
    """A folder of article pages that changes between runs: each run adds two articles (on a
    new day every other run, so partitions appear) and updates two earlier ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        self.count = 0
        self.edits = 0

    def add(self, n: int) -> None:
        for _ in range(n):
            i = self.count
            self.count += 1
            published = FIRST + timedelta(days=i // 4, hours=i % 4)
            url = f"https://gazette.example/news/{i}"
            self.page(i).write_bytes(synthetic_article(url, 7 * i + 3, published))

    def update(self, n: int) -> None:
        for _ in range(n):
            i = self.edits % self.count
            self.edits += 1
            page = self.page(i)
            note = (
                f"<p>Update {self.edits}: officials revised figure number {self.edits} for the "
                f"{i}th time after residents asked for the correction.</p>\n</article>"
            )
            page.write_bytes(page.read_bytes().replace(b"</article>", note.encode(), 1))

    def page(self, i: int) -> Path:
        return self.folder / f"article-{i:03d}.html"


def reader(lake: str, tmp: Path) -> tuple[subprocess.Popen, Path, Path]:
    """Start the reader on `lake` and wait for its first round; returns it, its stop file
    and its report file."""
    stop, report = tmp / "stop", tmp / "report.json"
    args = [sys.executable, str(READER), lake, str(stop), str(report)]
    args += ["--delta", "--cache-dir", str(tmp / "reader-cache")]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready", "the reader died before its first round"
    return proc, stop, report


def ingest_while_reading(lake: str, tmp: Path) -> dict:
    """The first run, then the reader, then RUNS runs and a compaction; the reader's report."""
    pages = Pages(tmp / "pages")
    pages.add(8)
    params = {"sources": [str(pages.folder)], "lake": lake, "workers": 1}
    first = run_ingest(**params)
    assert first.count("new") == 8
    proc, stop, report = reader(lake, tmp)
    try:
        for run in range(1, RUNS + 1):
            pages.add(2)
            pages.update(2)
            summary = run_ingest(**params)
            assert (summary.count("new"), summary.count("updated")) == (2, 2), run
            if run == COMPACT_AFTER:
                assert compact_lake(lake=lake)  # merged something: the runs left small files
    finally:
        stop.touch()
        proc.wait(timeout=120)
    return json.loads(report.read_text())


def assert_nothing_torn(seen: dict) -> None:
    articles = 8 + 2 * RUNS
    for name, reader_seen in seen.items():
        assert reader_seen["torn"] == [], name
        assert reader_seen["counts"][-1] == articles, name
        assert len(reader_seen["counts"]) > 1, f"{name} read no commit while it was made"


@pytest.mark.slow
def test_a_reader_sees_only_whole_commits_on_a_local_lake(tmp_path, prefect_backend):
    seen = ingest_while_reading(str(tmp_path / "lake"), tmp_path)
    assert_nothing_torn(seen)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # 3 min at 20 runs when quiet, 13 min at a load average of 30
def test_a_reader_sees_only_whole_commits_on_an_s3_lake(tmp_path, prefect_backend, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "writer-cache"))
    with moto_s3():
        seen = ingest_while_reading(f"s3://{BUCKET}/torn/lake", tmp_path)
    assert_nothing_torn(seen)
