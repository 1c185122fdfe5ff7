"""TMDb v3 client: `/find`, `/search/movie`, `/movie/{id}` and `/movie/{imdb_id}` (one call
with everything the resolution engine needs), each a tracked call with exactly one metric
row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from ..calls import CallTracker, TrackedClient
from ..errors import ErrorType, Operation, Source, SourceError
from ..http.transport import HttpReply
from ..options import HttpOptions, build_transport, join_url
from ..parsing import load_json
from ..records import TmdbMovie, TmdbSearchHit
from ..tracking import Recorder
from .parse import error_from_body, parse_find, parse_find_tv, parse_movie, parse_search

_Item = TypeVar("_Item")

APPEND_TO_RESPONSE = "credits,external_ids,alternative_titles,release_dates"
MISSING_CREDENTIALS = "no TMDb credentials: set TMDB_API_KEY or TMDB_API_TOKEN"


class TmdbClient(TrackedClient):
    """Thread-safe; build one per run (its memo is the run's) and close it at the end."""

    source = Source.TMDB

    def __init__(
        self,
        options: HttpOptions,
        recorder: Recorder,
        *,
        api_key: str | None = None,
        api_token: str | None = None,
        language: str = "en-US",
    ) -> None:
        self.options = options
        self.base_url = options.base_url
        self.language = language
        self._api_token = api_token or None
        # With both, the read token wins: a header keeps the credential out of every URL.
        self._api_key = None if self._api_token else (api_key or None)
        secrets = (api_key or "", self._api_token or "")
        headers = {"Accept": "application/json"}
        if self._api_token:
            headers["Authorization"] = f"Bearer {self._api_token}"
        breaker = options.breaker()
        self._transport = build_transport(
            options,
            source=Source.TMDB,
            cache_name="tmdb",
            cacheable=_cacheable,
            breaker=breaker,
            secrets=secrets,
            headers=headers,
        )
        self._tracker = CallTracker(recorder, breaker=breaker, secrets=secrets)

    def find_by_imdb_id(
        self, imdb_id: str, *, fallback_level: int | None = 1
    ) -> list[TmdbSearchHit]:
        """Films TMDb links to this IMDb id; `[]` (a not_found row) when none."""
        imdb_id = imdb_id.strip()

        def fetch() -> list[TmdbSearchHit]:
            return self._or_empty(Operation.FIND, self._find(imdb_id), parse_find)

        return self._tracker.call(
            source=Source.TMDB,
            operation=Operation.FIND,
            target=imdb_id,
            fetch=fetch,
            cost_per_response=self.options.cost_per_call_usd,
            memo_key=("find", imdb_id),
            is_not_found=_empty,
            fallback_level=fallback_level,
        )

    def find_tv_ids(self, imdb_id: str) -> list[int]:
        """The TMDb series (`/find` `tv_results`) linked to this IMDb id; `[]` when none."""
        imdb_id = imdb_id.strip()

        def fetch() -> list[int]:
            return self._or_empty(Operation.FIND, self._find(imdb_id), parse_find_tv)

        return self._tracker.call(
            source=Source.TMDB,
            operation=Operation.FIND,
            target=imdb_id,
            fetch=fetch,
            cost_per_response=self.options.cost_per_call_usd,
            memo_key=("find_tv", imdb_id),
            is_not_found=lambda ids: not ids,
            metadata={"media": "tv"},
        )

    def search_movie(
        self,
        query: str,
        *,
        year: int | None = None,
        primary_release_year: int | None = None,
        page: int = 1,
        fallback_level: int | None = None,
    ) -> list[TmdbSearchHit]:
        """One page of `/search/movie`; `[]` (a not_found row) when nothing matches."""
        query = " ".join(query.split())
        params: dict[str, Any] = {"query": query, "include_adult": "false", "page": page}
        if year is not None:
            params["year"] = year
        if primary_release_year is not None:
            params["primary_release_year"] = primary_release_year

        def fetch() -> list[TmdbSearchHit]:
            if not query:
                return []
            return self._or_empty(
                Operation.SEARCH, self._get(Operation.SEARCH, "search/movie", params), parse_search
            )

        target = query
        if year is not None or primary_release_year is not None:
            target = f"{query} ({year or primary_release_year})"
        return self._tracker.call(
            source=Source.TMDB,
            operation=Operation.SEARCH,
            target=target,
            fetch=fetch,
            cost_per_response=self.options.cost_per_call_usd,
            memo_key=("search", query.casefold(), year, primary_release_year, page),
            is_not_found=_empty,
            fallback_level=fallback_level,
        )

    def movie_details(
        self,
        tmdb_id: int,
        *,
        fallback_level: int | None = None,
        confidence: float | None = None,
    ) -> TmdbMovie:
        """The full record in one call; `SourceError(not_found)` for an unknown id."""
        return self._movie(
            str(int(tmdb_id)),
            target=str(tmdb_id),
            memo_key=("details", int(tmdb_id)),
            fallback_level=fallback_level,
            confidence=confidence,
        )

    def movie_by_imdb_id(self, imdb_id: str, *, fallback_level: int | None = 1) -> TmdbMovie:
        """`/movie/{imdb_id}`: the full record of the TMDb movie carrying this IMDb id, in one
        call; `SourceError(not_found)` when no TMDb movie carries it (series never do)."""
        imdb_id = imdb_id.strip()
        return self._movie(
            quote(imdb_id, safe=""),
            target=imdb_id,
            memo_key=("details", imdb_id),
            fallback_level=fallback_level,
        )

    def _movie(
        self,
        segment: str,
        *,
        target: str,
        memo_key: tuple[Any, ...],
        fallback_level: int | None,
        confidence: float | None = None,
    ) -> TmdbMovie:
        """`/movie/{segment}` with the appended sub-records, tracked as one details call."""

        def fetch() -> TmdbMovie:
            reply = self._get(
                Operation.DETAILS,
                f"movie/{segment}",
                {"append_to_response": APPEND_TO_RESPONSE},
            )
            if reply.status != 200:
                raise self._error(Operation.DETAILS, reply)
            return parse_movie(reply.content)

        return self._tracker.call(
            source=Source.TMDB,
            operation=Operation.DETAILS,
            target=target,
            fetch=fetch,
            cost_per_response=self.options.cost_per_call_usd,
            memo_key=memo_key,
            fallback_level=fallback_level,
            confidence=confidence,
        )

    def _get(self, operation: Operation, path: str, params: dict[str, Any]) -> HttpReply:
        if not (self._api_key or self._api_token):
            raise SourceError(Source.TMDB, operation, ErrorType.AUTH, MISSING_CREDENTIALS)
        query = dict(params)
        if self.language:
            query["language"] = self.language
        if self._api_key:
            query["api_key"] = self._api_key
        return self._transport.request(
            "GET", join_url(self.base_url, path), operation=operation, params=query
        )

    def _find(self, imdb_id: str) -> HttpReply:
        return self._get(
            Operation.FIND, f"find/{quote(imdb_id, safe='')}", {"external_source": "imdb_id"}
        )

    def _or_empty(
        self, operation: Operation, reply: HttpReply, parse: Callable[[bytes], list[_Item]]
    ) -> list[_Item]:
        """The parsed answer; `[]` when TMDb answers not found; any other error raised."""
        if reply.status == 200:
            return parse(reply.content)
        error = self._error(operation, reply)
        if error.error_type is ErrorType.NOT_FOUND:
            return []
        raise error

    def _error(self, operation: Operation, reply: HttpReply) -> SourceError:
        error_type, message, _code = error_from_body(reply.content, reply.status, operation)
        return SourceError(
            Source.TMDB,
            operation,
            error_type,
            message,
            status_code=reply.status,
            retry_after=reply.retry_after,
        )


def _empty(hits: list[TmdbSearchHit]) -> bool:
    return not hits


def _cacheable(response: requests.Response) -> bool:
    """Only real answers: no error bodies, no empty `/find` or `/search` results."""
    data = load_json(response.content, Source.TMDB, Operation.DETAILS)
    if not isinstance(data, dict) or data.get("success") is False or "status_code" in data:
        return False
    if "movie_results" in data:
        found = [data.get("movie_results"), data.get("tv_results")]
        return any(isinstance(items, list) and items for items in found)
    if "results" in data and "page" in data:
        return bool(data["results"])
    return "id" in data
