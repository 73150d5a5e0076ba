"""WARC/ARC archives (e.g. Common Crawl's CC-NEWS) as a source, streamed record by record.

Every record read ends as a page, a fetch_log row or a count in the run summary
(ArchiveCounts); where a file stops being readable, a row says at which byte.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from newslake.flows.settings import SourceSettings
from newslake.flows.sources.kinds.warc import PREFIX
from newslake.flows.summary import ArchiveCounts
from newslake.transforms.errors import (
    BadContentType,
    ConfigError,
    EmptyInput,
    FetchError,
    HttpStatusError,
    TooLarge,
    Truncated,
)
from newslake.transforms.metadata import parse_date
from newslake.transforms.records import FetchLogRow, Page, RunInfo

_HTML = ("text/html", "application/xhtml+xml")
CAPTURES = ("response", "resource")  # records whose block is what a URL returned
SNIFF_BYTES = 4096  # enough of a file's start to tell WARC, ARC and neither apart
_BLOCK = 1 << 16
_WHOLE_FILE_GZIP = (
    "the file is gzipped whole, not one gzip member per record as WARC/ARC readers need "
    "(recompress it per record, e.g. with `warcio recompress`)"
)
# What warcio raises for bytes that are not a record: its own errors, and (1.7, 1.8)
# AttributeError for a capture record without a target URI, ValueError for a bad number.
_UNREADABLE = (ArchiveLoadFailed, StatusAndHeadersParserException, AttributeError, ValueError)


class RevisitRecord(FetchError):
    """A WARC revisit: the archive says this capture repeats an earlier one."""

    outcome = "duplicate"


class CorruptArchive(FetchError):
    """Bytes of an archive that cannot be read as records, or a file that is no archive."""

    outcome = "parse_error"


@dataclass(frozen=True, slots=True)
class WarcItem:
    """One thing read from an archive: a page, or a log row saying why a record is none
    (for a revisit, with the URL of the `earlier` capture it repeats)."""

    page: Page | None = None
    log: FetchLogRow | None = None
    earlier: str | None = None


def warc_path(source: SourceSettings) -> Path:
    """The archive file a source names; ConfigError if it does not exist."""
    path = Path(source.path.removeprefix(PREFIX)).expanduser()
    if not path.is_file():
        raise ConfigError(f"WARC file not found: {path}")
    return path


def archive_format(head: bytes) -> str | None:
    """'warc' or 'arc' from the first bytes of a file (gzipped or not), None for neither."""
    if head[:2] == b"\x1f\x8b"[: len(head[:2])]:
        try:
            head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, SNIFF_BYTES)
        except zlib.error:
            return None
        if not head:  # gzip cut before its first bytes of data: read as a cut WARC
            return "warc"
    head = head.lstrip(b"\r\n")
    for kind, start in (("warc", b"WARC/"), ("arc", b"filedesc://")):
        # A file cut within its first bytes is still that archive, cut short.
        if head.startswith(start) or (head and start.startswith(head)):
            return kind
    return None


def read_warc(
    source: SourceSettings, run: RunInfo, max_bytes: int, counts: ArchiveCounts | None = None
) -> Iterator[WarcItem]:
    """Pages for the HTML captures of an archive, in order, without loading it whole.

    `response` and `resource` records holding HTML become pages, filtered by the source's
    hosts and `since`; revisits, other captures and records cut short become log rows;
    other record types are skipped. Reading stops at the first record that is cut short or
    unreadable, with a row naming its byte offset. Every record is added to `counts`.
    """
    counts = ArchiveCounts() if counts is None else counts
    reader = _ArchiveReader(warc_path(source), source, run, max_bytes)
    for outcome, item in reader.records():
        counts.records += 1
        if outcome == "page":
            counts.pages += 1
        elif outcome == "revisit":
            counts.revisits += 1
        elif outcome == "failed":
            counts.failed += 1
        else:
            counts.skipped[outcome] += 1
        if item is not None:
            yield item


class _ArchiveReader:
    """One archive file read record by record; each record becomes an outcome (`page`,
    `revisit`, `failed`, or the reason it was skipped) with its page or log row."""

    def __init__(self, path: Path, source: SourceSettings, run: RunInfo, max_bytes: int) -> None:
        self.path, self.label, self.run, self.max_bytes = path, source.label, run, max_bytes
        self.since = source.since_time()
        self.hosts = tuple(h.lower() for h in source.hosts)

    def records(self) -> Iterator[tuple[str, WarcItem | None]]:
        """Each record's outcome and item, then one failure for bytes left unread, if any."""
        with self.path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            head = stream.read(SNIFF_BYTES)
            kind = archive_format(head)
            if not head:
                yield self._failed(self.path.as_uri(), EmptyInput("empty archive file"))
                return
            if kind is None:
                error = CorruptArchive(f"not a WARC or ARC file: it starts {head[:24]!r}")
                yield self._failed(self.path.as_uri(), error)
                return
            stream.seek(0)
            records = ArchiveIterator(stream, arc2warc=True)
            # Every record read as this format, so stray bytes are an error, never a record.
            records.known_format = kind
            stopped = 0  # where the next record starts
            while True:
                try:
                    record = next(records, None)
                except _UNREADABLE as exc:
                    yield self._unreadable(stopped, size, f"no {kind.upper()} record there", exc)
                    return
                if record is None:
                    break
                if not record.rec_type or not _declared_length(record):
                    problem = (
                        "a record without a type"
                        if not record.rec_type
                        else ("a record without a valid Content-Length")
                    )
                    yield self._unreadable(stopped, size, problem)
                    return
                outcome, item = self._outcome(record)
                missing = _drain(record)
                member = _gzip_member(records)
                if member == "continues":
                    yield self._unreadable(stopped, size, _WHOLE_FILE_GZIP)
                    return
                if missing or member == "cut":
                    yield self._cut_short(record, stopped, missing)
                    return
                yield outcome, item
                stopped = records.offset
            if stopped < size:
                yield self._unreadable(stopped, size, "the rest is not a whole record")

    def _outcome(self, record) -> tuple[str, WarcItem | None]:
        kind = record.rec_type
        if kind not in (*CAPTURES, "revisit"):
            return kind, None
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return f"{kind} of a {scheme or 'missing'}: URI", None
        captured = parse_date(record.rec_headers.get_header("WARC-Date") or "")
        if not self._wanted(url, captured):
            return "outside the source's hosts or since", None
        if kind == "revisit":
            # WARC 1.1 revisits: the capture repeated is the one WARC-Refers-To-Target-URI
            # names, else an earlier capture of this record's own target URI.
            earlier = record.rec_headers.get_header("WARC-Refers-To-Target-URI") or url
            row = self._row(url, RevisitRecord(f"WARC revisit of {earlier}")).log
            return "revisit", WarcItem(log=row, earlier=earlier)
        try:
            return "page", WarcItem(page=self._page(record, url, captured))
        except FetchError as exc:
            return "failed", self._row(url, exc)

    def _page(self, record, url: str, captured: datetime | None) -> Page:
        """The capture as a page; a FetchError says why it is none."""
        if reason := record.rec_headers.get_header("WARC-Truncated"):
            raise Truncated(f"the crawler cut this capture short (WARC-Truncated: {reason})")
        if record.http_headers is not None:
            status = _status(record.http_headers.get_statuscode())
            content_type = record.http_headers.get_header("Content-Type") or ""
        elif record.rec_type == "response":
            if record.length:
                raise CorruptArchive("archived response without an HTTP status line")
            raise EmptyInput("archived response with no body")
        else:  # a resource record: the block is the document, typed by the WARC header
            status, content_type = None, record.content_type or ""
        media, _, params = content_type.partition(";")
        media = media.strip().lower()
        if status is not None and status >= 400:
            raise HttpStatusError(f"archived HTTP {status}", status)
        if media and not media.startswith(_HTML):
            raise BadContentType(f"archived {media} {record.rec_type}")
        body = record.content_stream().read(self.max_bytes + 1)
        if len(body) > self.max_bytes:
            raise TooLarge(f"archived body over the {self.max_bytes}-byte limit")
        if not body:
            raise EmptyInput(f"archived {record.rec_type} with no body")
        return Page.create(
            source=self.label,
            url=url,
            body=body,
            run=self.run,
            status=status,
            content_type=media or None,
            charset=params.partition("charset=")[2].strip("\"' ;") or None,
            fetched_at=captured,
        )

    def _wanted(self, url: str, captured: datetime | None) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        if self.hosts and not any(host == h or host.endswith("." + h) for h in self.hosts):
            return False
        return not (self.since and captured and captured < self.since)

    def _cut_short(self, record, offset: int, missing: int) -> tuple[str, WarcItem]:
        url = record.rec_headers.get_header("WARC-Target-URI") or f"{self.path.as_uri()}#{offset}"
        where = f"{record.rec_type} record at byte {offset}"
        if missing:
            got = record.length - missing
            error = Truncated(
                f"{where} is cut short: only {got} of its {record.length} bytes could be read"
            )
        else:
            error = Truncated(f"{where} is cut short: its gzip member has no end")
        return self._failed(url, error)

    def _unreadable(
        self, offset: int, size: int, problem: str, exc: Exception | None = None
    ) -> tuple[str, WarcItem]:
        if isinstance(exc, ArchiveLoadFailed | StatusAndHeadersParserException):
            detail = f" ({str(exc).strip().splitlines()[0]})" if str(exc).strip() else ""
        else:  # warcio's own slip on a malformed header block says nothing useful
            detail = " (malformed record headers)" if exc else ""
        error = CorruptArchive(
            f"reading stopped at byte {offset} of {size}: {problem}{detail}; "
            f"{size - offset} bytes not read"
        )
        return self._failed(f"{self.path.as_uri()}#{offset}", error)

    def _failed(self, url: str, error: FetchError) -> tuple[str, WarcItem]:
        return "failed", self._row(url, error)

    def _row(self, url: str, error: FetchError) -> WarcItem:
        return WarcItem(log=FetchLogRow.from_error(url, self.label, error, self.run))


def _declared_length(record) -> bool:
    """Whether the record states a valid Content-Length (warcio reads 0 for a bad one)."""
    value = record.rec_headers.get_header("Content-Length")
    return value is not None and value.strip().isdigit()


def _status(code: str) -> int:
    try:
        return int(code)
    except ValueError:
        raise CorruptArchive(f"archived response with HTTP status {code!r}") from None


def _drain(record) -> int:
    """Read the rest of a record; the bytes of its declared length the file did not hold."""
    stream = record.raw_stream
    while stream.read(_BLOCK):
        pass
    return getattr(stream, "limit", 0)


def _gzip_member(records: ArchiveIterator) -> str:
    """How the gzip member holding the current record ends: 'ended' (always, for a plain
    file), 'cut' (the file stops inside it) or 'continues' (more records in one member).

    A member cut off before its trailer may still decompress in full; without its CRC the
    record cannot be trusted, so it counts as cut short.
    """
    records.read_to_end()  # warcio's own step to the next record: reads the member's end
    decompressor = records.reader.decompressor
    if decompressor is None:
        return "ended"
    if records.next_line:  # per-record gzip has nothing after a record in its member
        return "continues"
    return "ended" if decompressor.eof else "cut"
