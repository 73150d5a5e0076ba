"""Pages read from local files go to workers on this machine as their file, not their bytes;
a file that changes before a worker reads it again is extracted from the bytes read first."""

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from newslake.flows import sources
from newslake.flows.ingest import run_ingest
from newslake.flows.settings import SourceSettings
from newslake.flows.sources import Batch, RunContext, register, source_kinds
from newslake.flows.sources.files import discover_files, read_files
from newslake.flows.workers import (
    OnDisk,
    Unread,
    extract_sent,
    extract_staging,
    received,
    sent_pages,
)
from newslake.transforms.records import Extracted, Page, RunInfo

RUN = RunInfo("r1", datetime(2026, 3, 10, 8, tzinfo=UTC))


def page_html(topic: str) -> bytes:
    said = (
        f"The council voted on the {topic} plan late on Tuesday after a long public debate.",
        f"Residents had waited more than two years for a decision on the {topic}, they said.",
        f"A report found that the cost of the {topic} rose by 12 percent since 2023.",
    )
    body = "".join(f"<p>{sentence} {sentence}</p>" for sentence in said)
    return (
        f"<html><head><title>Council decides on {topic}</title></head><body><article>"
        f"<h1>Council decides on {topic}</h1>{body}</article></body></html>"
    ).encode()


def read_folder(folder: Path) -> Batch:
    return read_files(discover_files([SourceSettings(str(folder))]), RUN, 1 << 20)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    for topic in ("bridge", "library"):
        (tmp_path / "in" / f"{topic}.html").write_bytes(page_html(topic))
    return tmp_path / "in"


def test_a_page_read_from_a_file_is_sent_as_the_file_and_others_as_themselves(folder):
    batch = read_folder(folder)
    web = Page.create(source="s", url="https://a.example/1", body=page_html("park"), run=RUN)
    sent = sent_pages([*batch.pages, web], batch.files)
    assert [type(item) for item in sent] == [OnDisk, OnDisk, Page]
    assert all(item.page.body == b"" for item in sent[:2] if isinstance(item, OnDisk))
    assert [item.path.name for item in sent[:2] if isinstance(item, OnDisk)] == [
        "bridge.html",
        "library.html",
    ]
    assert sent[2] is web
    assert [received(item) for item in sent] == [*batch.pages, web]  # bytes read back whole


def test_a_file_changed_or_gone_since_it_was_read_is_not_taken_for_its_page(folder):
    batch = read_folder(folder)
    sent = sent_pages(batch.pages, batch.files)
    (folder / "bridge.html").write_bytes(page_html("tunnel"))
    (folder / "library.html").unlink()
    assert [received(item) for item in sent] == [None, None]
    assert [type(r) for r in extract_sent(sent)] == [Unread, Unread]


def test_a_worker_writes_the_pages_it_read_and_leaves_a_changed_one_to_the_flow(folder, tmp_path):
    batch = read_folder(folder)
    sent = sent_pages(batch.pages, batch.files)
    (folder / "library.html").write_bytes(page_html("museum"))
    results, files, rows = extract_staging(sent, [True, True], tmp_path / "staging", "part")
    assert isinstance(results[0], Extracted) and isinstance(results[1], Unread)
    assert rows == 1 and len(files) == 1  # the bridge page only
    written = duckdb.sql(
        f"SELECT page_id FROM read_parquet('{tmp_path / 'staging' / 'bronze/pages'}/**/*.parquet')"
    ).fetchall()
    assert written == [(batch.pages[0].page_id,)]


class Shifting:
    """Files, each overwritten with another story once it is read (a folder being written to
    while a run reads it): `shifting:DIR`."""

    name = "shifting"
    about = "shifting:DIR (made up by a test)"
    order = 16

    def recognises(self, path: str) -> bool:
        return path.startswith("shifting:")

    def default_name(self, path: str) -> str:
        return "shifting"

    def check(self, sources: Sequence[SourceSettings]) -> None:
        pass

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> "ShiftingSource":
        return ShiftingSource(sources, context)


class ShiftingSource:
    def __init__(self, sources: Sequence[SourceSettings], context: RunContext) -> None:
        self.folders = [Path(s.path.removeprefix("shifting:")) for s in sources]
        self.context = context

    def discover(self) -> int:
        return sum(1 for folder in self.folders for _ in folder.glob("*.html"))

    def batches(self, size: int) -> Iterator[Batch]:
        for folder in self.folders:
            items = discover_files([SourceSettings(str(folder))])
            batch = read_files(items, self.context.run, 1 << 20)
            for n, item in enumerate(items):
                item.path.write_bytes(page_html(f"changed story {n}"))
            yield batch


@pytest.mark.parametrize("runner", ["local", "dask"])
def test_a_run_stores_and_extracts_the_bytes_it_read_when_the_file_changes_after(
    tmp_path, folder, runner, monkeypatch, prefect_backend
):
    source_kinds()  # the built-in kinds loaded first
    monkeypatch.setattr(sources, "REGISTRY", dict(sources.REGISTRY))
    register(Shifting())
    first = {path.name: path.read_bytes() for path in folder.glob("*.html")}
    lake = tmp_path / "lake"
    summary = run_ingest(sources=[f"shifting:{folder}"], lake=str(lake), workers=2, runner=runner)
    assert summary.count("new") == 2
    con = duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True)
    bodies = con.execute("SELECT url, body FROM pages ORDER BY url").fetchall()
    assert [(Path(url).name, body) for url, body in bodies] == sorted(first.items())
    titles = con.execute("SELECT title FROM articles ORDER BY title").fetchall()
    assert titles == [("Council decides on bridge",), ("Council decides on library",)]
