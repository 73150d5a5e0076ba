"""WARC/ARC archives (e.g. Common Crawl's CC-NEWS) as a source, streamed record by record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newslake.flows.settings import SourceSettings
from newslake.flows.sources.web import parse_since
from newslake.transforms.errors import (
    BadContentType,
    ConfigError,
    ExtractError,
    FetchError,
    HttpStatusError,
    TooLarge,
)
from newslake.transforms.metadata import parse_date
from newslake.transforms.records import FetchLogRow, Page, RunInfo

PREFIX = "warc:"
_HTML = ("text/html", "application/xhtml+xml")


class RevisitRecord(FetchError):
    """A WARC revisit: the archive says this capture repeats an earlier one."""

    outcome = "duplicate"


@dataclass(frozen=True, slots=True)
class WarcItem:
    """One thing read from an archive: a page, or a log row saying why a record is none."""

    page: Page | None = None
    log: FetchLogRow | None = None


def warc_path(source: SourceSettings) -> Path:
    """The archive file a source names; ConfigError if it does not exist."""
    path = Path(source.path.removeprefix(PREFIX)).expanduser()
    if not path.is_file():
        raise ConfigError(f"WARC file not found: {path}")
    return path


def read_warc(source: SourceSettings, run: RunInfo, max_bytes: int) -> Iterator[WarcItem]:
    """Pages for the HTML responses of an archive, in order, without loading it whole.

    Filtered by the source's hosts and `since`; requests, metadata and warcinfo records
    are skipped; other responses and revisits become log rows; a corrupt record ends the
    file with a `parse_error` row (nothing after it can be located reliably).
    """
    path, label = warc_path(source), source.label
    since = parse_since(source)
    hosts = tuple(h.lower() for h in source.hosts)
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, arc2warc=True)
        try:
            for record in records:
                if record.rec_type not in ("response", "revisit"):
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                captured = parse_date(record.rec_headers.get_header("WARC-Date") or "")
                if not _wanted(url, captured, hosts, since):
                    continue
                yield _item(record, url, captured, label, run, max_bytes)
        except ArchiveLoadFailed as exc:
            error = ExtractError(
                f"corrupt WARC record after offset {records.get_record_offset()}: {exc}"
            )
            yield WarcItem(
                log=FetchLogRow.from_error(f"{path.as_uri()}#corrupt", label, error, run)
            )


def _wanted(
    url: str, captured: datetime | None, hosts: tuple[str, ...], since: datetime | None
) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        return False
    return not (since and captured and captured < since)


def _item(
    record, url: str, captured: datetime | None, label: str, run: RunInfo, max_bytes: int
) -> WarcItem:
    if record.rec_type == "revisit":
        refers = record.rec_headers.get_header("WARC-Refers-To-Target-URI") or "an earlier capture"
        error: FetchError = RevisitRecord(f"WARC revisit of {refers}")
        return WarcItem(log=FetchLogRow.from_error(url, label, error, run))
    status = int(record.http_headers.get_statuscode()) if record.http_headers else 200
    content_type = (
        record.http_headers.get_header("Content-Type") if record.http_headers else None
    ) or ""
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    try:
        if status >= 400:
            raise HttpStatusError(f"archived HTTP {status}", status)
        if media and not media.startswith(_HTML):
            raise BadContentType(f"archived {media} response")
        body = record.content_stream().read(max_bytes + 1)
        if len(body) > max_bytes:
            raise TooLarge(f"archived body over the {max_bytes}-byte limit")
    except FetchError as exc:
        return WarcItem(log=FetchLogRow.from_error(url, label, exc, run))
    charset = params.partition("charset=")[2].strip("\"' ;") or None
    page = Page.create(
        source=label,
        url=url,
        body=body,
        run=run,
        status=status,
        content_type=media or None,
        charset=charset,
        fetched_at=captured,
    )
    return WarcItem(page=page)
