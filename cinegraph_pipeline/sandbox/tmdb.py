"""TMDb v3 emulation (`/tmdb/3/...`): `/find`, `/search/movie`, `/movie/{id}` with
`append_to_response`, the movie sub-resources and the genre list, in TMDb's JSON shapes."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Collection
from typing import Any

from .catalog import Catalog, Film, TmdbRecord, synopsis
from .codes import COUNTRIES, LANGUAGES
from .search import TitleIndex
from .series import is_series, tmdb_tv_id
from .settings import SANDBOX_KEY
from .text import stable_fraction, stable_int, stable_token
from .web import Request, Response, html_response, json_response

PAGE_SIZE = 20
APPENDABLE = ("credits", "external_ids", "alternative_titles", "release_dates")

GENRES: dict[str, tuple[int, str]] = {
    "Action": (28, "Action"),
    "Adventure": (12, "Adventure"),
    "Animation": (16, "Animation"),
    "Comedy": (35, "Comedy"),
    "Crime": (80, "Crime"),
    "Documentary": (99, "Documentary"),
    "Drama": (18, "Drama"),
    "Family": (10751, "Family"),
    "Fantasy": (14, "Fantasy"),
    "History": (36, "History"),
    "Horror": (27, "Horror"),
    "Music": (10402, "Music"),
    "Musical": (10402, "Music"),
    "Mystery": (9648, "Mystery"),
    "Romance": (10749, "Romance"),
    "Sci-Fi": (878, "Science Fiction"),
    "Thriller": (53, "Thriller"),
    "War": (10752, "War"),
    "Western": (37, "Western"),
}
TV_MOVIE_GENRE = (10770, "TV Movie")

_MOVIE_PATH = re.compile(r"^/movie/([^/]+)(?:/([a-z_]+))?/?$")
_FIND_PATH = re.compile(r"^/find/([^/]+)/?$")
_IMDB_ID = re.compile(r"^tt\d+$")


def error(status: int, code: int, message: str, outcome: str, **headers: str) -> Response:
    payload = {"success": False, "status_code": code, "status_message": message}
    return json_response(payload, status, outcome, headers)


def invalid_key() -> Response:
    return error(401, 7, "Invalid API key: You must be granted a valid key.", "auth")


def not_found() -> Response:
    return error(404, 34, "The resource you requested could not be found.", "not_found")


def rate_limited(limit: float, retry_after: float, with_header: bool) -> Response:
    message = f"Your request count (#) is over the allowed limit of ({math.floor(limit)})."
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if with_header else {}
    return error(429, 25, message, "rate_limit", **headers)


def server_error(status: int) -> Response:
    if status == 500:
        return error(500, 11, "Internal error: Something went wrong, contact TMDb.", "http_5xx")
    if status == 503:
        message = "Service offline: This service is temporarily offline, try again later."
        return error(503, 9, message, "http_5xx")
    title = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}.get(status, f"{status} Error")
    page = f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center>"
    return html_response(page + "<hr><center>cloudflare</center></body></html>", status, "http_5xx")


def authorized(request: Request, keys: Collection[str] = (SANDBOX_KEY,)) -> bool:
    key = request.query.get("api_key")
    if key is not None:
        return key in keys
    auth = request.header("authorization") or ""
    scheme, _, token = auth.partition(" ")
    return scheme.lower() == "bearer" and token.strip() in keys


class Releases:
    """Films released to TMDb at runtime (admin route): known from then on, with their id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()

    def add(self, imdb_id: str) -> None:
        with self._lock:
            self._ids.add(imdb_id)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()

    def __contains__(self, imdb_id: object) -> bool:
        return imdb_id in self._ids

    def snapshot(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._ids)


class TmdbService:
    def __init__(self, catalog: Catalog, releases: Releases) -> None:
        self.catalog = catalog
        self.releases = releases
        self._index = TitleIndex(catalog.records.values())
        self._by_imdb_id: dict[str, list[TmdbRecord]] = {}
        for record in catalog.records.values():
            if record.imdb_id and record.listed:
                self._by_imdb_id.setdefault(record.imdb_id, []).append(record)

    # -- state-aware views ---------------------------------------------------------------

    def visible(self, record: TmdbRecord) -> bool:
        return record.listed or record.film.imdb_id in self.releases

    def imdb_id_of(self, record: TmdbRecord) -> str | None:
        """The IMDb id TMDb shows on a record, releases applied: a released film gets its
        own id, and a record carrying it by mistake loses it."""
        own = record.film.imdb_id
        if is_series(record.film):
            return None  # the same-title movie record is not the series
        if own in self.releases:
            return own
        if record.imdb_id and record.imdb_id != own and record.imdb_id in self.releases:
            return None
        return record.imdb_id

    def record(self, tmdb_id: int) -> TmdbRecord | None:
        record = self.catalog.records.get(tmdb_id)
        return record if record is not None and self.visible(record) else None

    # -- routing -------------------------------------------------------------------------

    def route_name(self, path: str) -> str:
        if path.startswith("/find/"):
            return "tmdb.find"
        if path.rstrip("/") == "/search/movie":
            return "tmdb.search"
        match = _MOVIE_PATH.match(path)
        if match:
            return f"tmdb.movie.{match.group(2)}" if match.group(2) else "tmdb.movie"
        return "tmdb.other"

    def handle(self, request: Request, path: str, *, by_imdb_id: bool = True) -> Response:
        if request.method != "GET":
            return not_found()
        if path.rstrip("/") == "/search/movie":
            return self.search(request)
        match = _FIND_PATH.match(path)
        if match:
            return self.find(match.group(1), request.query.get("external_source"))
        match = _MOVIE_PATH.match(path)
        if match:
            return self.movie(match.group(1), match.group(2), request.query, by_imdb_id)
        if path.rstrip("/") == "/genre/movie/list":
            genres = sorted({value for value in GENRES.values()} | {TV_MOVIE_GENRE})
            return json_response({"genres": [{"id": i, "name": n} for i, n in genres]})
        return not_found()

    def carrying(self, imdb_id: str) -> list[TmdbRecord]:
        """The visible records showing this IMDb id, releases applied."""
        hits = [r for r in self._by_imdb_id.get(imdb_id, []) if self.imdb_id_of(r) == imdb_id]
        own = self.catalog.record_of_film.get(imdb_id)
        if own is not None and imdb_id in self.releases and own not in hits:
            hits.append(own)
        return hits

    def find(self, external_id: str, source: str | None) -> Response:
        if source != "imdb_id":
            message = "Invalid parameters: Your request parameters are incorrect."
            return error(400, 5, message, "bad_request")
        hits = self.carrying(external_id)
        results = [{**self._summary(record), "media_type": "movie"} for record in hits]
        film = self.catalog.film(external_id)
        series = [self._tv_summary(film)] if film is not None and is_series(film) else []
        payload = {
            "movie_results": results,
            "person_results": [],
            "tv_results": series,
            "tv_episode_results": [],
            "tv_season_results": [],
        }
        return json_response(payload, outcome="ok" if results or series else "not_found")

    def _tv_summary(self, film: Film) -> dict[str, Any]:
        return {
            "adult": False,
            "backdrop_path": None,
            "id": tmdb_tv_id(film.imdb_id),
            "name": film.title,
            "original_name": film.original_title,
            "original_language": _original_language(film),
            "overview": synopsis(film),
            "poster_path": None,
            "media_type": "tv",
            "genre_ids": [18],
            "popularity": 3.2,
            "first_air_date": self.catalog.release_date(film).isoformat(),
            "vote_average": 7.1,
            "vote_count": 120,
            "origin_country": list(film.countries[:1]),
        }

    def search(self, request: Request) -> Response:
        query = request.query.get("query", "").strip()
        if not query:
            return json_response({"errors": ["query must be provided"]}, 422, "bad_request")
        page = _int(request.query.get("page", "1"))
        if page is None or not 1 <= page <= 500:
            message = (
                "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."
            )
            return error(400, 22, message, "bad_request")
        year = _int(request.query.get("year", ""))
        primary_year = _int(request.query.get("primary_release_year", ""))
        hits = [
            record
            for _, record in self._index.search(query)
            if self.visible(record)
            and (year is None or year in record.release_years)
            and (primary_year is None or record.primary_year == primary_year)
        ]
        total = len(hits)
        chunk = hits[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        payload = {
            "page": page,
            "results": [self._summary(record) for record in chunk],
            "total_pages": max(1, math.ceil(total / PAGE_SIZE)),
            "total_results": total,
        }
        return json_response(payload, outcome="ok" if total else "not_found")

    def movie(
        self, raw_id: str, sub: str | None, query: dict[str, str], by_imdb_id: bool = True
    ) -> Response:
        """`/movie/{id}`, and `/movie/{imdb_id}` as TMDb answers it: the movie carrying that
        IMDb id (404 code 34 when none does), unless `by_imdb_id` is off."""
        record: TmdbRecord | None
        if _IMDB_ID.match(raw_id):
            carrying = self.carrying(raw_id) if by_imdb_id else []
            record = carrying[0] if carrying else None
        else:
            tmdb_id = _int(raw_id)
            if tmdb_id is None:
                return error(
                    404, 6, "Invalid id: The pre-requisite id is invalid or not found.", "not_found"
                )
            record = self.record(tmdb_id)
        if record is None:
            return not_found()
        if sub is not None:
            if sub not in APPENDABLE:
                return not_found()
            return json_response({"id": record.tmdb_id, **self._part(record, sub)})
        payload = self._details(record)
        for part in query.get("append_to_response", "").split(","):
            part = part.strip()
            if part in APPENDABLE:
                payload[part] = self._part(record, part)
        return json_response(payload)

    # -- bodies --------------------------------------------------------------------------

    def _summary(self, record: TmdbRecord) -> dict[str, Any]:
        film = record.film
        return {
            "adult": False,
            "backdrop_path": _image(record, "backdrop"),
            "genre_ids": [genre_id for genre_id, _ in _genres(film)],
            "id": record.tmdb_id,
            "original_language": _original_language(film),
            "original_title": record.original_title,
            "overview": synopsis(film) if record.listed else "",
            "popularity": record.popularity,
            "poster_path": _image(record, "poster"),
            "release_date": record.release_date,
            "title": record.title,
            "video": False,
            "vote_average": record.vote_average,
            "vote_count": record.vote_count,
        }

    def _details(self, record: TmdbRecord) -> dict[str, Any]:
        film = record.film
        summary = self._summary(record)
        return {
            "adult": False,
            "backdrop_path": summary["backdrop_path"],
            "belongs_to_collection": None,
            "budget": 0,
            "genres": [{"id": i, "name": n} for i, n in _genres(film)],
            "homepage": "",
            "id": record.tmdb_id,
            "imdb_id": self.imdb_id_of(record),
            "origin_country": list(film.countries[:1]),
            "original_language": summary["original_language"],
            "original_title": record.original_title,
            "overview": summary["overview"],
            "popularity": record.popularity,
            "poster_path": summary["poster_path"],
            "production_companies": [],
            "production_countries": [
                {"iso_3166_1": code, "name": COUNTRIES[code].tmdb_name}
                for code in film.countries
                if code in COUNTRIES
            ],
            "release_date": summary["release_date"],
            "revenue": 0,
            "runtime": film.runtime or 0,
            "spoken_languages": [
                {"english_name": lang.english, "iso_639_1": lang.code, "name": lang.native}
                for lang in (LANGUAGES[code] for code in film.languages if code in LANGUAGES)
            ],
            "status": "Released",
            "tagline": "",
            "title": record.title,
            "video": False,
            "vote_average": record.vote_average,
            "vote_count": record.vote_count,
        }

    def _part(self, record: TmdbRecord, part: str) -> dict[str, Any]:
        if part == "credits":
            return _credits(record)
        if part == "external_ids":
            return {
                "imdb_id": self.imdb_id_of(record),
                "wikidata_id": record.film.wikidata_id,
                "facebook_id": None,
                "instagram_id": None,
                "twitter_id": None,
            }
        if part == "alternative_titles":
            return {
                "titles": [
                    {"iso_3166_1": alt.country, "title": alt.title, "type": alt.type}
                    for alt in record.alternative_titles
                ]
            }
        by_country: dict[str, list[dict[str, Any]]] = {}
        for item in record.release_dates:
            by_country.setdefault(item.country, []).append(
                {
                    "certification": item.certification,
                    "descriptors": [],
                    "iso_639_1": "",
                    "note": item.note,
                    "release_date": f"{item.date}T00:00:00.000Z",
                    "type": item.type,
                }
            )
        return {
            "results": [
                {"iso_3166_1": country, "release_dates": dates}
                for country, dates in sorted(by_country.items())
            ]
        }


def _credits(record: TmdbRecord) -> dict[str, Any]:
    film = record.film
    cast = [
        {
            "adult": False,
            "gender": person.gender,
            "id": person.tmdb_id,
            "known_for_department": "Acting",
            "name": person.name,
            "original_name": person.name,
            "popularity": round(1 + 20 * stable_fraction(person.imdb_id, "pop"), 3),
            "profile_path": f"/{stable_token(27, person.imdb_id, 'profile')}.jpg",
            "cast_id": order + 1,
            "character": "",
            "credit_id": _credit_id(record, person.imdb_id, "cast"),
            "order": order,
        }
        for order, person in enumerate(film.cast)
    ]
    crew = [
        {
            "adult": False,
            "gender": person.gender,
            "id": person.tmdb_id,
            "known_for_department": "Directing",
            "name": person.name,
            "original_name": person.name,
            "popularity": round(1 + 20 * stable_fraction(person.imdb_id, "pop"), 3),
            "profile_path": None,
            "credit_id": _credit_id(record, person.imdb_id, "crew"),
            "department": "Directing",
            "job": "Director",
        }
        for person in film.directors
    ]
    return {"cast": cast, "crew": crew}


def _credit_id(record: TmdbRecord, person: str, kind: str) -> str:
    high, low = stable_int(record.tmdb_id, person, kind), stable_int(person, kind)
    return f"{high:016x}{low:016x}"[:24]


def _genres(film: Film) -> list[tuple[int, str]]:
    genres = [GENRES[name] for name in film.genres if name in GENRES]
    if film.title_type == "tvMovie":
        genres.append(TV_MOVIE_GENRE)
    return list(dict.fromkeys(genres)) or [GENRES["Drama"]]


def _original_language(film: Film) -> str:
    return film.languages[0] if film.languages else "en"


def _image(record: TmdbRecord, kind: str) -> str | None:
    if not record.listed:
        return None
    return f"/{stable_token(27, record.film.imdb_id, kind)}.jpg"


def _int(value: str) -> int | None:
    value = value.strip()
    if not value or not value.lstrip("-").isdigit():
        return None
    return int(value)
