"""One error taxonomy for every upstream, as stored in `api_lookup_metrics.error_type`."""

from __future__ import annotations

import re
import traceback
from enum import StrEnum
from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parents[1])


class Source(StrEnum):
    TMDB = "tmdb"
    OMDB = "omdb"
    IMDB = "imdb"
    FESTIVAL_SCRAPER = "festival_scraper"


class Operation(StrEnum):
    FIND = "find"
    SEARCH = "search"
    DETAILS = "details"
    OMDB_BY_ID = "omdb_by_id"
    OMDB_BY_TITLE = "omdb_by_title"
    TITLE_PAGE = "title_page"
    EVENT_PAGE = "event_page"
    GRAPHQL_EVENT = "graphql_event"
    GRAPHQL_EDITION = "graphql_edition"
    GRAPHQL_TITLES = "graphql_titles"


class ErrorType(StrEnum):
    NOT_FOUND = "not_found"
    RATE_LIMIT = "rate_limit"
    TIMEOUT = "timeout"
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    BLOCKED = "blocked"
    PARSE_ERROR = "parse_error"
    QUOTA_EXHAUSTED = "quota_exhausted"
    NETWORK = "network"
    AUTH = "auth"
    CIRCUIT_OPEN = "circuit_open"
    # An exception in our own code (a client, parser or resolver), not the upstream's fault:
    # never transient, so the film is kept for review and the run fails loudly.
    INTERNAL_ERROR = "internal_error"


# Errors that say nothing about whether the film exists: the film is deferred and retried,
# never passed on to a lower source or turned into a stub because of them.
TRANSIENT_ERRORS: frozenset[ErrorType] = frozenset(
    {
        ErrorType.RATE_LIMIT,
        ErrorType.TIMEOUT,
        ErrorType.HTTP_5XX,
        ErrorType.NETWORK,
        ErrorType.BLOCKED,
        ErrorType.QUOTA_EXHAUSTED,
        ErrorType.CIRCUIT_OPEN,
        ErrorType.PARSE_ERROR,
    }
)

_SECRET_PARAM = re.compile(r"(?i)\b(api_key|apikey|access_token|token|key)=([^&\s#\"']+)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-~+/=]+")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/@\s:]+)(:[^/@\s]*)?@")


def redact(text: str, *secrets: str | None) -> str:
    """Removes API keys from a URL or message: key parameters, bearer tokens, URL user info,
    and any of the given secret values wherever they appear."""
    cleaned = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=REDACTED", text)
    cleaned = _BEARER.sub(lambda m: f"{m.group(1)}REDACTED", cleaned)
    cleaned = _USERINFO.sub(lambda m: f"{m.group(1)}REDACTED@", cleaned)
    for secret in secrets:
        if secret and len(secret) >= 4:
            cleaned = cleaned.replace(secret, "REDACTED")
    return cleaned


class SourceError(Exception):
    """A failed upstream call, already classified and with any secret removed."""

    def __init__(
        self,
        source: Source,
        operation: Operation,
        error_type: ErrorType,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.source = source
        self.operation = operation
        self.error_type = error_type
        self.message = message[:500]
        self.status_code = status_code
        self.retry_after = retry_after
        super().__init__(f"{source}.{operation}: {error_type}: {self.message}")

    @property
    def transient(self) -> bool:
        return self.error_type in TRANSIENT_ERRORS


def describe_exception(exc: BaseException) -> str:
    """`Type: message [where]`: the exception and the frames of this package it went
    through, innermost first, short enough for a metrics row, with secrets removed."""
    frames = [
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
        if _PACKAGE in frame.filename
    ]
    where = f" [{' < '.join(reversed(frames))}]" if frames else ""
    return redact(f"{type(exc).__name__}: {str(exc)[:200]}{where}")


def internal_error(source: Source, operation: Operation, exc: BaseException) -> SourceError:
    """An unexpected exception inside a client or parser, as a `SourceError` whose cause is
    the exception itself (its full traceback goes with it)."""
    error = SourceError(source, operation, ErrorType.INTERNAL_ERROR, describe_exception(exc))
    error.__cause__ = exc
    return error


class ConfigurationError(Exception):
    """Bad or missing configuration; the message names the variable to set."""
