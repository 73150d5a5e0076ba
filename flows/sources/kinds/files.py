"""The `files` kind: local files, folders (read recursively) and globs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from newslake.flows.sources import Batch, RunContext, register

if TYPE_CHECKING:
    from newslake.flows.settings import SourceSettings
    from newslake.flows.sources.files import FileInput


class Files:
    """Local paths: every file the sources name, each once, read in batches."""

    name = "files"
    about = "file, folder (read recursively) or glob"
    order = 10

    def recognises(self, path: str) -> bool:
        """Never claimed by its look: a path no other kind recognises is files (the default)."""
        return False

    def default_name(self, path: str) -> str:
        """The path as configured."""
        return path

    def check(self, sources: Sequence[SourceSettings]) -> None:
        """ConfigError for a path that does not exist or a glob that matches nothing."""
        from newslake.flows.sources.files import discover_files

        discover_files(sources)

    def open(self, sources: Sequence[SourceSettings], context: RunContext) -> FileSource:
        """The file sources of a run."""
        return FileSource(sources, context)


class FileSource:
    """A run's file sources: the files they name, read into pages (or log rows)."""

    def __init__(self, sources: Sequence[SourceSettings], context: RunContext) -> None:
        self.sources, self.context = sources, context
        self.inputs: list[FileInput] = []

    def discover(self) -> int:
        """List the files; how many there are."""
        from newslake.flows.sources.files import discover_files

        self.inputs = discover_files(self.sources)
        return len(self.inputs)

    def batches(self, size: int) -> Iterator[Batch]:
        """The files in batches of `size`, fewer once they hold BATCH_BYTES."""
        from newslake.flows.pipeline import batched
        from newslake.flows.sources.files import file_bytes, read_files

        max_bytes = self.context.settings.extract.max_file_bytes
        for items in batched(self.inputs, size, file_bytes):
            yield read_files(items, self.context.run, max_bytes)


register(Files())
