"""Typed errors: each carries the fetch_log outcome it becomes."""

# HTTP statuses by which a publisher refuses a page (fetch_log outcome `blocked`).
BLOCKED_STATUSES = frozenset({401, 402, 403, 451})


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
    status: int | None = None  # HTTP status, when there was one
    attempts = 1  # set by the fetcher after retries
    elapsed_ms = 0


class ReadError(FetchError):
    """A file that could not be read at all."""

    outcome = "read_error"


class EmptyInput(FetchError):
    """A file or response with no bytes in it, or a feed or sitemap that lists nothing."""

    outcome = "empty"


class TooLarge(FetchError):
    """A body larger than the configured cap."""

    outcome = "too_large"


class Truncated(FetchError):
    """A body shorter than it declares: an archive record cut off, or a capture the crawler
    marked as truncated."""

    outcome = "truncated"


class BadContentType(FetchError):
    """A body that is not HTML, XML or text (an image, a PDF, a binary blob)."""

    outcome = "bad_content_type"


class ExtractError(NewslakeError):
    """A page with no extractable article; it becomes a `parse_error` fetch_log row."""

    outcome = "parse_error"
    encoding: str | None = None  # what the page's bytes were read in, once decoded
    encoding_rule: str | None = None  # the sniffing rule that chose it (decode.RULES)


class LakeError(NewslakeError):
    """The lake is missing, damaged or cannot be written."""

    outcome = "lake_error"


class LakeBusy(LakeError):
    """Another run holds the lake's writer lock."""

    outcome = "lake_busy"


class QueryError(NewslakeError):
    """A SQL query that is invalid or tries to write."""

    outcome = "query_error"


class NotModified(FetchError):
    """A conditional request answered 304: the stored page is still current."""

    outcome = "not_modified"


class FetchTimeout(FetchError):
    """No complete answer within the connect, read or total timeout."""

    outcome, retryable = "timeout", True


class ConnectionFailed(FetchError):
    """The connection could not be made or broke mid-response."""

    outcome, retryable = "connection_error", True


class HttpStatusError(FetchError):
    """An HTTP error status; 408, 429 and 5xx are worth retrying.

    401, 402, 403 and 451 are the outcome `blocked`: the publisher refuses us the page.
    """

    outcome = "http_error"

    def __init__(self, message: str, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        if status in BLOCKED_STATUSES:
            self.outcome = "blocked"
        self.retry_after_s = retry_after_s
        self.retryable = status in (408, 429) or status >= 500


class RedirectError(FetchError):
    """Too many redirects, a redirect loop, or a redirect without a usable Location."""

    outcome = "redirect_error"


class RobotsDisallowed(FetchError):
    """robots.txt asks us not to fetch this URL."""

    outcome = "robots_disallowed"


class BlockedAddress(FetchError):
    """The host resolves to a private, loopback, link-local or metadata address."""

    outcome = "blocked_address"


class ListingError(FetchError):
    """A feed, sitemap or robots.txt that is ill-formed, or an entry in it that has no link."""

    outcome = "parse_error"


class BadUrl(FetchError):
    """A listed URL that is malformed or not http(s); it is never requested."""

    outcome = "bad_url"


class NotFollowed(FetchError):
    """A listed sitemap left unread: a loop, or past the nesting or count limit."""

    outcome = "not_followed"
