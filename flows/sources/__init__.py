"""Where pages come from: local files, web pages, feeds and sitemaps, WARC archives."""

from __future__ import annotations

from collections.abc import Sequence

from newslake.flows.settings import SourceSettings
from newslake.flows.sources.files import discover_files
from newslake.flows.sources.warc import is_warc_source, warc_path
from newslake.flows.sources.web import is_web_source, parse_since


def check_sources(sources: Sequence[SourceSettings]) -> None:
    """Raise ConfigError for a source that cannot work: a missing path, a bad date or pattern."""
    files = []
    for source in sources:
        parse_since(source)
        if is_web_source(source.path):
            continue
        if is_warc_source(source.path):
            warc_path(source)
        else:
            files.append(source)
    discover_files(files)
