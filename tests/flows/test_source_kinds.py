"""The registry of source kinds: settings, the CLI and the ingest flow know kinds through it."""

import pkgutil
from collections.abc import Iterator, Sequence

import duckdb
import pytest
import typer

from newslake.flows import sources
from newslake.flows.cli import app
from newslake.flows.ingest import run_ingest
from newslake.flows.settings import Settings, SourceSettings
from newslake.flows.sources import (
    Batch,
    RunContext,
    check_sources,
    kind_names,
    register,
    source_kinds,
    sources_help,
)
from newslake.flows.sources import kinds as kind_modules
from newslake.transforms.errors import ConfigError, EmptyInput
from newslake.transforms.records import FetchLogRow, Page
from newslake.warehouse.views import WAREHOUSE

BUILT_IN = ["files", "web", "warc"]  # in the order a run reads them


def paragraphs(topic: str) -> str:
    sentences = (
        f"The council voted on {topic} late on Tuesday after a long debate in the town hall.",
        f"Residents had asked for a decision on {topic} for more than two years, organisers said.",
        f"A report on {topic} found that costs rose by 12 percent between 2023 and 2025.",
        f"Officials said the next review of {topic} would take place in the spring.",
    )
    return "".join(f"<p>{s} {s}</p>" for s in sentences)


def page_html(topic: str) -> bytes:
    return (
        f"<html><head><title>Council decides on {topic}</title></head><body><article>"
        f"<h1>Council decides on {topic}</h1>{paragraphs(topic)}</article></body></html>"
    ).encode()


class Toy:
    """A kind made up for the test: 'toy:A,B' is one page per topic, and one empty input."""

    name = "toy"
    about = "toy:TOPIC,TOPIC (made up by a test)"
    order = 15

    def recognises(self, path: str) -> bool:
        return path.startswith("toy:")

    def default_name(self, path: str) -> str:
        return path.removeprefix("toy:")

    def check(self, sources: Sequence[SourceSettings]) -> None:
        for source in sources:
            if not source.path.removeprefix("toy:"):
                raise ConfigError(f"source {source.path}: no topics")

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> "ToySource":
        return ToySource(sources, context)


class ToySource:
    def __init__(self, sources: Sequence[SourceSettings], context: RunContext) -> None:
        self.sources, self.context = sources, context
        self.topics: list[tuple[str, str]] = []

    def discover(self) -> int:
        for source in self.sources:
            self.topics += [(source.label, t) for t in source.path[4:].split(",")]
        return len(self.topics) + 1

    def batches(self, size: int) -> Iterator[Batch]:
        run = self.context.run
        for start in range(0, len(self.topics), size):
            pages = [
                Page.create(
                    source=label,
                    url=f"https://toy.example/{topic}",
                    body=page_html(topic),
                    run=run,
                    content_type="text/html",
                )
                for label, topic in self.topics[start : start + size]
            ]
            yield Batch(pages, [])
        label = self.topics[0][0]
        empty = EmptyInput("the toy had nothing to say")
        yield Batch([], [FetchLogRow.from_error("https://toy.example/none", label, empty, run)])


@pytest.fixture
def toy(monkeypatch):
    """The toy kind registered for one test only."""
    source_kinds()  # the built-in kinds loaded first
    monkeypatch.setattr(sources, "REGISTRY", dict(sources.REGISTRY))
    return register(Toy())


def test_every_kind_module_registers_its_kind_in_run_order():
    modules = {m.name for m in pkgutil.iter_modules(kind_modules.__path__)}
    assert [kind.name for kind in source_kinds()] == BUILT_IN
    assert modules == set(BUILT_IN)
    assert kind_names() == ("auto", *BUILT_IN)


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("./articles", "files"),
        ("/data/*.html", "files"),
        ("https://n.example/feed.xml", "web"),
        ("http://n.example/", "web"),
        ("warc:/data/cc-news", "warc"),
        ("/data/CC-NEWS.WARC.GZ", "warc"),
        ("/data/old.arc", "warc"),
    ],
)
def test_auto_takes_the_kind_that_recognises_the_path(path, kind):
    assert SourceSettings(path).source_kind == kind


def test_settings_accept_exactly_the_registered_kinds():
    for name in kind_names():
        assert SourceSettings("x", kind=name).kind == name
    with pytest.raises(ConfigError) as raised:
        Settings.load(env={}, sources=[{"path": "x", "kind": "ftp"}])
    assert f"kind must be one of {', '.join(kind_names())}" in str(raised.value)


@pytest.mark.parametrize("command", ["run", "serve"])
def test_cli_help_for_source_lists_exactly_the_registered_kinds(command):
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    (option,) = [p for p in click_command.params if p.name == "source"]
    assert option.help == sources_help()
    listed = [kind.name for kind in source_kinds() if f"({kind.name})" in option.help]
    assert listed == BUILT_IN


def test_a_registered_kind_joins_settings_help_and_checks(toy):
    assert kind_names() == ("auto", "files", "toy", "web", "warc")
    assert SourceSettings("toy:ferries").label == "toy:ferries"
    assert SourceSettings("toy:a", kind="toy", name="harbour").label == "toy:harbour"
    assert "(made up by a test) (toy)" in sources_help()
    with pytest.raises(ConfigError, match="no topics"):
        check_sources([SourceSettings("toy:")])


@pytest.mark.usefixtures("prefect_backend")
def test_a_kind_registered_in_a_test_flows_through_a_run(toy, tmp_path):
    lake = tmp_path / "lake"
    summary = run_ingest(sources=["toy:ferries,bridges", "toy:tides"], lake=str(lake), workers=1)
    con = duckdb.connect(str(lake / WAREHOUSE), read_only=True)
    try:
        articles = con.execute("SELECT source, url FROM articles ORDER BY url").fetchall()
        log = con.execute("SELECT source, url, outcome FROM fetch_log ORDER BY url").fetchall()
    finally:
        con.close()
    assert articles == [
        ("toy:ferries,bridges", "https://toy.example/bridges"),
        ("toy:ferries,bridges", "https://toy.example/ferries"),
        ("toy:tides", "https://toy.example/tides"),
    ]
    assert ("toy:ferries,bridges", "https://toy.example/none", "empty") in log
    assert summary.inputs == 4
