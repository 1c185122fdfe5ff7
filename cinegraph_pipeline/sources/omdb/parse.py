"""OMDb answers to `OmdbRecord`: `"N/A"` is None, "142 min" is 142, "2,345,678" is an int,
lists are split on ", ", and `Released` ("31 Mar 1999") becomes an ISO date like TMDb's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import ErrorType, Operation, Source, SourceError
from ..parsing import as_float, as_int, clean_text, first_year, load_json, parse_failure
from ..records import OmdbRecord

NOT_FOUND_MESSAGES = frozenset(
    {"movie not found!", "incorrect imdb id.", "series or episode not found!", "movie not found"}
)
AUTH_MESSAGES = frozenset({"invalid api key!", "no api key provided."})
QUOTA_MESSAGES = frozenset({"request limit reached!"})
UPSTREAM_FAILURE_MESSAGES = frozenset({"error getting data."})
AUTH_HINT = "set OMDB_API_KEY to a valid key"


def na(value: Any) -> str | None:
    text = clean_text(value)
    return None if text is None or text.upper() == "N/A" else text


def split_list(value: Any) -> tuple[str, ...]:
    text = na(value)
    if text is None:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def runtime_minutes(value: Any) -> int | None:
    text = na(value)
    if text is None:
        return None
    number = text.split()[0]
    return as_int(number)


def iso_date(value: Any) -> str | None:
    text = na(value)
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%d %b %Y").date().isoformat()
    except ValueError:
        return None


def parse_omdb(body: bytes | str, operation: Operation) -> OmdbRecord:
    """A successful (`Response: "True"`) answer; anything else raises the mapped error."""
    data = load_json(body, Source.OMDB, operation)
    if not isinstance(data, dict):
        raise parse_failure(Source.OMDB, operation, "OMDb answer is not an object")
    response = data.get("Response")
    if not isinstance(response, str) or response.lower() not in ("true", "false"):
        # Every OMDb answer says "True" or "False": without it the body is not OMDb's.
        raise parse_failure(Source.OMDB, operation, 'OMDb answer without "Response"')
    if response.lower() != "true":
        error_type, message = classify_error(data, 200)
        raise SourceError(Source.OMDB, operation, error_type, message, status_code=200)
    imdb_id = na(data.get("imdbID"))
    title = na(data.get("Title"))
    if imdb_id is None or title is None:
        raise parse_failure(Source.OMDB, operation, "OMDb answer without imdbID or Title")
    return OmdbRecord(
        imdb_id=imdb_id,
        title=title,
        year=first_year(na(data.get("Year"))),
        type=na(data.get("Type")),
        released=iso_date(data.get("Released")),
        runtime=runtime_minutes(data.get("Runtime")),
        genres=split_list(data.get("Genre")),
        directors=split_list(data.get("Director")),
        actors=split_list(data.get("Actors")),
        plot=na(data.get("Plot")),
        languages=split_list(data.get("Language")),
        countries=split_list(data.get("Country")),
        poster_url=na(data.get("Poster")),
        imdb_rating=as_float(na(data.get("imdbRating"))),
        imdb_votes=as_int(na(data.get("imdbVotes"))),
    )


def classify_error(data: Any, status: int) -> tuple[ErrorType, str]:
    """OMDb's `Error` text (with the HTTP status) to our taxonomy."""
    message = clean_text(data.get("Error")) if isinstance(data, dict) else None
    lowered = (message or "").lower()
    if lowered in NOT_FOUND_MESSAGES:
        return ErrorType.NOT_FOUND, message or "not found"
    if lowered in QUOTA_MESSAGES:
        return ErrorType.QUOTA_EXHAUSTED, f"OMDb: {message} (daily request limit of the key)"
    if lowered in AUTH_MESSAGES or status == 401:
        return ErrorType.AUTH, f"OMDb: {message or 'HTTP 401'}: {AUTH_HINT}"
    if status == 429:
        return ErrorType.RATE_LIMIT, message or "HTTP 429"
    if lowered in UPSTREAM_FAILURE_MESSAGES or status >= 500:
        return ErrorType.HTTP_5XX, message or f"HTTP {status}"
    return ErrorType.HTTP_4XX, f"OMDb: {message or f'HTTP {status}'}"


def error_from_reply(body: bytes, status: int, operation: Operation) -> tuple[ErrorType, str]:
    try:
        data = load_json(body, Source.OMDB, operation)
    except SourceError:
        data = None
    return classify_error(data, status)
