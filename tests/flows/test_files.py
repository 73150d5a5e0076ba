from datetime import UTC, datetime

import pytest

from newslake.flows.settings import SourceSettings
from newslake.flows.sources.files import discover_files, read_file
from newslake.transforms.errors import ConfigError
from newslake.transforms.records import FetchLogRow, Page, RunInfo

RUN = RunInfo("r1", datetime(2026, 3, 1, tzinfo=UTC))


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.html").write_text("<html><body><p>x</p></body></html>")
    (tmp_path / "a" / "two.TXT").write_text("Title\n\nBody.")
    (tmp_path / "a" / "skip.json").write_text("{}")
    (tmp_path / "a" / ".hidden").mkdir()
    (tmp_path / "a" / ".hidden" / "h.html").write_text("<p>hidden</p>")
    (tmp_path / "b.md").write_text("# T\n\nBody.")
    return tmp_path


def test_folders_are_read_recursively_for_article_files(corpus):
    found = discover_files([SourceSettings(str(corpus))])
    assert [f.path.name for f in found] == ["b.md", "one.html", "two.TXT"]
    assert {f.source for f in found} == {f"files:{corpus}"}


def test_an_original_is_read_before_its_variants(tmp_path):
    for name in ("story-copy.html", "story.html", "story-2.html", "other.html"):
        (tmp_path / name).write_text("<p>x</p>")
    found = discover_files([SourceSettings(str(tmp_path))])
    assert [f.path.name for f in found] == [
        "other.html",
        "story.html",
        "story-2.html",
        "story-copy.html",
    ]


def test_globs_and_named_sources(corpus):
    found = discover_files([SourceSettings(str(corpus / "**" / "*.html"), name="web", outlet="X")])
    assert [(f.path.name, f.source, f.outlet) for f in found] == [("one.html", "files:web", "X")]


def test_a_file_named_twice_is_read_once(corpus):
    path = str(corpus / "b.md")
    assert len(discover_files([SourceSettings(path), SourceSettings(path)])) == 1


@pytest.mark.parametrize("spec", ["missing-dir", "nothing-*.html"])
def test_missing_sources_are_config_errors(corpus, spec):
    with pytest.raises(ConfigError):
        discover_files([SourceSettings(str(corpus / spec))])


def read(path, max_bytes=1000):
    (item,) = discover_files([SourceSettings(str(path))])
    return read_file(item, RUN, max_bytes)


def test_a_readable_file_becomes_a_page_with_a_file_url(corpus):
    page = read(corpus / "b.md")
    assert isinstance(page, Page)
    assert page.url == (corpus / "b.md").as_uri()
    assert page.content_type == "text/markdown"
    assert page.body == b"# T\n\nBody."


@pytest.mark.parametrize(
    ("content", "outcome"),
    [
        (b"", "empty"),
        (b"\n \n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), "bad_content_type"),
        (b"x" * 2000, "too_large"),
    ],
)
def test_unusable_files_become_log_rows(tmp_path, content, outcome):
    path = tmp_path / "bad.html"
    path.write_bytes(content)
    row = read(path)
    assert isinstance(row, FetchLogRow)
    assert row.outcome == outcome
    assert row.error


def test_unreadable_file_is_a_read_error(tmp_path):
    path = tmp_path / "locked.html"
    path.write_text("<p>secret</p>")
    path.chmod(0)
    try:
        (item,) = discover_files([SourceSettings(str(path))])
        with open(path, "rb"):
            pytest.skip("running as a user who can read mode-0 files")
    except PermissionError:
        row = read_file(item, RUN, 1000)
        assert row.outcome == "read_error"
    finally:
        path.chmod(0o644)
