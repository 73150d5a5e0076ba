"""Typed errors: each carries the fetch_log outcome it becomes."""


class NewslakeError(Exception):
    """Root of every error newslake raises on purpose."""

    outcome = "error"
    retryable = False


class ConfigError(NewslakeError):
    """Bad settings file, environment variable or command-line value."""

    outcome = "config_error"


class FetchError(NewslakeError):
    """An input (URL or file) that did not become a page; it becomes a fetch_log row."""

    outcome = "fetch_error"


class ReadError(FetchError):
    """A file that could not be read at all."""

    outcome = "read_error"


class EmptyInput(FetchError):
    """A file or response with no bytes in it."""

    outcome = "empty"


class TooLarge(FetchError):
    """A body larger than the configured cap."""

    outcome = "too_large"


class BadContentType(FetchError):
    """A body that is not HTML, XML or text (an image, a PDF, a binary blob)."""

    outcome = "bad_content_type"


class ExtractError(NewslakeError):
    """A page with no extractable article; it becomes a `parse_error` fetch_log row."""

    outcome = "parse_error"


class LakeError(NewslakeError):
    """The lake is missing, damaged or cannot be written."""

    outcome = "lake_error"


class LakeBusy(LakeError):
    """Another run holds the lake's writer lock."""

    outcome = "lake_busy"


class QueryError(NewslakeError):
    """A SQL query that is invalid or tries to write."""

    outcome = "query_error"
