"""Local files as a source: discovery (file, folder or glob) and reading with checks."""

from __future__ import annotations

import glob
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newslake.flows.settings import SourceSettings
from newslake.flows.sources import Batch
from newslake.transforms.decode import refuse_binary
from newslake.transforms.errors import ConfigError, EmptyInput, FetchError, ReadError, TooLarge
from newslake.transforms.records import FetchLogRow, Page, RunInfo

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}


@dataclass(frozen=True, slots=True)
class FileInput:
    """One file to read, and the source that listed it."""

    path: Path
    source: str
    outlet: str | None

    @property
    def url(self) -> str:
        """file:// URL of the file: its identity in the lake."""
        return self.path.as_uri()


def discover_files(sources: Sequence[SourceSettings]) -> list[FileInput]:
    """Files named by the sources, each once, in a stable order; ConfigError for a missing path.

    Folders are read recursively for known article file types; hidden files are skipped.
    """
    found: dict[Path, FileInput] = {}
    for source in sources:
        for path in _expand(source.path):
            found.setdefault(path, FileInput(path, source.label, source.outlet))
    return list(found.values())


def read_file(item: FileInput, run: RunInfo, max_bytes: int) -> Page | FetchLogRow:
    """The file as a page, or a fetch_log row saying why it cannot be one."""
    started = time.perf_counter()
    try:
        size = item.path.stat().st_size
        if size > max_bytes:
            raise TooLarge(f"{size} bytes is over the {max_bytes}-byte limit")
        body = item.path.read_bytes()
        if not body.strip():
            raise EmptyInput("empty file")
        refuse_binary(body)
    except FetchError as exc:
        return FetchLogRow.from_error(item.url, item.source, exc, run, elapsed_ms=_ms(started))
    except OSError as exc:
        error = ReadError(f"cannot read file: {exc.strerror or exc}")
        return FetchLogRow.from_error(item.url, item.source, error, run, elapsed_ms=_ms(started))
    return Page.create(
        source=item.source,
        url=item.url,
        body=body,
        run=run,
        content_type=CONTENT_TYPES.get(item.path.suffix.lower()),
    )


def read_files(items: Sequence[FileInput], run: RunInfo, max_bytes: int) -> Batch:
    """A batch of files read into pages (with the file of each), and log rows for those that
    could not be."""
    batch = Batch([], [])
    for item in items:
        read = read_file(item, run, max_bytes)
        if isinstance(read, Page):
            batch.pages.append(read)
            batch.files[read.page_id] = item.path
        else:
            batch.log.append(read)
    return batch


def file_bytes(item: FileInput) -> int:
    """The file's size, to weigh batches; 0 if it cannot be read (reading logs why)."""
    try:
        return item.path.stat().st_size
    except OSError:
        return 0


def _reading_order(path: Path) -> tuple:
    # By stem first, so 'story.html' comes before its variant 'story-copy.html' and the
    # original, not the copy, becomes the article when their texts are the same.
    return (path.parent.parts, path.stem, path.suffix)


def _expand(spec: str) -> list[Path]:
    path = Path(spec).expanduser()
    if glob.has_magic(spec):
        matches = [Path(p) for p in glob.glob(str(path), recursive=True)]
        files = sorted((p.absolute() for p in matches if p.is_file()), key=_reading_order)
        if not files:
            raise ConfigError(f"no files match {spec}")
        return files
    if path.is_dir():
        found = (
            p.absolute()
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in CONTENT_TYPES
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        return sorted(found, key=_reading_order)
    if path.is_file():
        return [path.absolute()]
    raise ConfigError(f"source not found: {spec}")


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
