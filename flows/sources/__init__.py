"""Where pages come from: local files, web pages, feeds and sitemaps, WARC archives."""

from __future__ import annotations

from collections.abc import Sequence

from newslake.flows.settings import SOURCE_KINDS, SourceSettings
from newslake.flows.sources.files import discover_files
from newslake.flows.sources.warc import warc_path
from newslake.flows.sources.web import parse_since
from newslake.transforms.errors import ConfigError


def check_sources(sources: Sequence[SourceSettings]) -> None:
    """Raise ConfigError for a source that cannot work: a missing path, a bad date or pattern."""
    files = []
    for source in sources:
        if source.kind not in SOURCE_KINDS:
            raise ConfigError(
                f"source {source.path}: kind must be one of {', '.join(SOURCE_KINDS)}"
            )
        parse_since(source)
        if source.source_kind == "web":
            continue
        if source.source_kind == "warc":
            warc_path(source)
        else:
            files.append(source)
    discover_files(files)
