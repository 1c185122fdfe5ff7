"""TMDb v3 bodies to typed records: `/find`, `/search/movie`, and `/movie/{id}` with
`append_to_response=credits,external_ids,alternative_titles,release_dates`."""

from __future__ import annotations

from typing import Any

from ..errors import ErrorType, Operation, Source, SourceError
from ..parsing import (
    as_float,
    as_int,
    clean_text,
    dig,
    load_json,
    parse_failure,
    require_dict,
    require_list,
    unique,
)
from ..records import TmdbMovie, TmdbSearchHit, year_of

POSTER_BASE_URL = "https://image.tmdb.org/t/p/w500"
MAX_CAST = 20


def parse_hit(item: Any, operation: Operation) -> TmdbSearchHit:
    entry = require_dict(item, "result", Source.TMDB, operation)
    tmdb_id = as_int(entry.get("id"))
    title = clean_text(entry.get("title")) or clean_text(entry.get("original_title"))
    if tmdb_id is None or title is None:
        raise parse_failure(Source.TMDB, operation, "result without id or title")
    return TmdbSearchHit(
        tmdb_id=tmdb_id,
        title=title,
        original_title=clean_text(entry.get("original_title")),
        release_date=clean_text(entry.get("release_date")),
        original_language=clean_text(entry.get("original_language")),
        popularity=as_float(entry.get("popularity")),
    )


def parse_find(body: bytes | str) -> list[TmdbSearchHit]:
    """`/find/{imdb_id}`: only `movie_results` are films; empty arrays mean unknown id."""
    data = require_dict(load_json(body, Source.TMDB, Operation.FIND), "find", *_FIND)
    if "movie_results" not in data:
        raise parse_failure(*_FIND, "find answer without movie_results")
    results = require_list(data["movie_results"], "movie_results", *_FIND)
    return [parse_hit(item, Operation.FIND) for item in results]


def parse_find_tv(body: bytes | str) -> list[int]:
    """`/find/{imdb_id}`: the ids of the series in `tv_results` (never films)."""
    data = require_dict(load_json(body, Source.TMDB, Operation.FIND), "find", *_FIND)
    results = require_list(data.get("tv_results", []), "tv_results", *_FIND)
    ids = [as_int(item.get("id")) if isinstance(item, dict) else None for item in results]
    if any(tv_id is None for tv_id in ids):
        raise parse_failure(*_FIND, "a tv_results entry without an id")
    return [tv_id for tv_id in ids if tv_id is not None]


def parse_search(body: bytes | str) -> list[TmdbSearchHit]:
    data = require_dict(load_json(body, Source.TMDB, Operation.SEARCH), "search", *_SEARCH)
    if "results" not in data:
        raise parse_failure(*_SEARCH, "search answer without results")
    results = require_list(data["results"], "results", *_SEARCH)
    return [parse_hit(item, Operation.SEARCH) for item in results]


def parse_movie(body: bytes | str) -> TmdbMovie:
    data = require_dict(load_json(body, Source.TMDB, Operation.DETAILS), "movie", *_DETAILS)
    tmdb_id = as_int(data.get("id"))
    title = clean_text(data.get("title")) or clean_text(data.get("original_title"))
    if tmdb_id is None or title is None:
        raise parse_failure(*_DETAILS, "movie without id or title")
    release_date = clean_text(data.get("release_date"))
    runtime = as_int(data.get("runtime"))
    poster_path = clean_text(data.get("poster_path"))
    return TmdbMovie(
        tmdb_id=tmdb_id,
        imdb_id=clean_text(data.get("imdb_id")) or clean_text(dig(data, "external_ids", "imdb_id")),
        title=title,
        original_title=clean_text(data.get("original_title")),
        release_date=release_date,
        runtime=runtime if runtime else None,  # TMDb says 0 when it does not know
        overview=clean_text(data.get("overview")),
        genres=unique(g.get("name") for g in _dicts(data.get("genres"))),
        directors=unique(
            c.get("name")
            for c in _dicts(dig(data, "credits", "crew"))
            if c.get("job") == "Director"
        ),
        cast=unique(c.get("name") for c in _ordered_cast(dig(data, "credits", "cast")))[:MAX_CAST],
        countries=unique(c.get("name") for c in _dicts(data.get("production_countries"))),
        languages=unique(
            lang.get("english_name") or lang.get("name")
            for lang in _dicts(data.get("spoken_languages"))
        ),
        poster_url=f"{POSTER_BASE_URL}{poster_path}" if poster_path else None,
        alternative_titles=unique(
            t.get("title") for t in _dicts(_alternative_titles(data.get("alternative_titles")))
        ),
        release_years=_release_years(data.get("release_dates"), release_date),
        vote_average=as_float(data.get("vote_average")),
        vote_count=as_int(data.get("vote_count")),
    )


def error_from_body(
    body: bytes | str, status: int, operation: Operation
) -> tuple[ErrorType, str, int | None]:
    """TMDb's `{"status_code": N, "status_message": ...}` to our taxonomy. Returns the error
    type, a message and TMDb's own code (None when the body is not a TMDb error)."""
    try:
        data = load_json(body, Source.TMDB, operation)
    except SourceError:
        data = None
    code = as_int(data.get("status_code")) if isinstance(data, dict) else None
    message = clean_text(data.get("status_message")) if isinstance(data, dict) else None
    if message is None and isinstance(data, dict) and isinstance(data.get("errors"), list):
        message = "; ".join(str(e) for e in data["errors"])
    if code == 7 or status == 401:
        return (
            ErrorType.AUTH,
            f"TMDb rejected the credentials ({message or 'HTTP 401'}): "
            "set TMDB_API_KEY or TMDB_API_TOKEN to a valid key",
            code,
        )
    if code == 34:
        return ErrorType.NOT_FOUND, message or "not found", code
    if code == 25 or status == 429:
        return ErrorType.RATE_LIMIT, message or "rate limit exceeded", code
    if status >= 500:
        return ErrorType.HTTP_5XX, message or f"HTTP {status}", code
    if status == 404:
        return ErrorType.HTTP_4XX, "HTTP 404 without a TMDb answer (check TMDB_BASE_URL)", code
    return ErrorType.HTTP_4XX, message or f"HTTP {status}", code


_FIND = (Source.TMDB, Operation.FIND)
_SEARCH = (Source.TMDB, Operation.SEARCH)
_DETAILS = (Source.TMDB, Operation.DETAILS)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _ordered_cast(value: Any) -> list[dict[str, Any]]:
    return sorted(_dicts(value), key=lambda c: as_int(c.get("order")) or 0)


def _alternative_titles(value: Any) -> Any:
    # `/movie/{id}?append_to_response=alternative_titles` nests them under "titles"
    if isinstance(value, dict):
        return value.get("titles")
    return value


def _release_years(value: Any, release_date: str | None) -> tuple[int, ...]:
    years: set[int] = set()
    primary = year_of(release_date)
    if primary is not None:
        years.add(primary)
    for country in _dicts(dig(value, "results")):
        for release in _dicts(country.get("release_dates")):
            year = year_of(clean_text(release.get("release_date")))
            if year is not None:
                years.add(year)
    return tuple(sorted(years))
