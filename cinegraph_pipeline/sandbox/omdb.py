"""OMDb emulation (`/omdb/?apikey=&i=` or `&t=&y=`): OMDb's JSON, `Response` "True"/"False",
"N/A" for missing values, its error strings and status codes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from .catalog import Catalog, Film, image_url, synopsis
from .codes import COUNTRIES, LANGUAGES
from .settings import SANDBOX_KEY
from .text import normalized
from .web import Request, Response, json_response

NA = "N/A"
_IMDB_ID = re.compile(r"^tt\d{7,8}$")


def failure(message: str, status: int, outcome: str) -> Response:
    return json_response({"Response": "False", "Error": message}, status, outcome)


def missing_key() -> Response:
    return failure("No API key provided.", 401, "auth")


def invalid_key() -> Response:
    return failure("Invalid API key!", 401, "auth")


def limit_reached() -> Response:
    return failure("Request limit reached!", 401, "quota")


def not_found() -> Response:
    return failure("Movie not found!", 200, "not_found")


def server_error(status: int) -> Response:
    body = f"<html><head><title>{status}</title></head><body>Service Unavailable</body></html>"
    return Response(status, body.encode(), {"Content-Type": "text/html"}, "http_5xx")


def key_check(request: Request, keys: Collection[str] = (SANDBOX_KEY,)) -> Response | None:
    """The 401 answer for a missing or wrong key, or None when the key is right."""
    key = request.query.get("apikey")
    if not key:
        return missing_key()
    return None if key in keys else invalid_key()


class OmdbService:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._by_title: defaultdict[str, list[Film]] = defaultdict(list)
        for film in catalog.films.values():
            if catalog.on_omdb(film.imdb_id):
                for title in dict.fromkeys((catalog.display_title(film), film.title)):
                    self._by_title[normalized(title)].append(film)

    @staticmethod
    def route_name(request: Request) -> str:
        if "i" in request.query:
            return "omdb.by_id"
        if "t" in request.query:
            return "omdb.by_title"
        return "omdb.other"

    def handle(self, request: Request) -> Response:
        kind = request.query.get("type", "movie").lower()
        if "i" in request.query:
            imdb_id = request.query["i"].strip()
            if not _IMDB_ID.match(imdb_id):
                return failure("Incorrect IMDb ID.", 200, "not_found")
            film = self.catalog.film(imdb_id)
            if film is None or not self.catalog.on_omdb(imdb_id) or kind != "movie":
                return not_found()
            return json_response(self.record(film))
        if "t" in request.query:
            film = self._by_title_year(request.query["t"], request.query.get("y"))
            if film is None or kind != "movie":
                return not_found()
            return json_response(self.record(film))
        return failure("Something went wrong.", 200, "bad_request")

    def _by_title_year(self, title: str, year: str | None) -> Film | None:
        matches = self._by_title.get(normalized(title), [])
        if year and year.strip():
            matches = [film for film in matches if str(film.year) == year.strip()]
        if not matches:
            return None
        return max(matches, key=lambda film: self.catalog.rating(film).votes)

    def record(self, film: Film) -> dict[str, Any]:
        catalog = self.catalog
        rating = catalog.rating(film)
        languages = [LANGUAGES[c].english for c in film.languages if c in LANGUAGES]
        countries = [COUNTRIES[c].name for c in film.countries if c in COUNTRIES]
        directors = ", ".join(person.name for person in film.directors) or NA
        ratings = []
        if rating.value is not None:
            ratings.append({"Source": "Internet Movie Database", "Value": f"{rating.value}/10"})
        if rating.metascore is not None:
            ratings.append({"Source": "Metacritic", "Value": f"{rating.metascore}/100"})
        return {
            "Title": catalog.display_title(film),
            "Year": str(film.year),
            "Rated": "Not Rated" if film.role == "festival" else "R",
            "Released": catalog.release_date(film).strftime("%d %b %Y"),
            "Runtime": f"{film.runtime} min" if film.runtime else NA,
            "Genre": ", ".join(film.genres) or NA,
            "Director": directors,
            "Writer": directors,
            "Actors": ", ".join(person.name for person in film.cast) or NA,
            "Plot": synopsis(film),
            "Language": ", ".join(languages) or NA,
            "Country": ", ".join(countries) or NA,
            "Awards": _awards(*catalog.awards_of(film.imdb_id)),
            "Poster": image_url(film, "SX300"),
            "Ratings": ratings,
            "Metascore": str(rating.metascore) if rating.metascore is not None else NA,
            "imdbRating": str(rating.value) if rating.value is not None else NA,
            "imdbVotes": f"{rating.votes:,}" if rating.votes else NA,
            "imdbID": film.imdb_id,
            "Type": "series" if film.title_type in ("tvSeries", "tvMiniSeries") else "movie",
            "DVD": NA,
            "BoxOffice": NA,
            "Production": NA,
            "Website": NA,
            "Response": "True",
        }


def _awards(wins: int, nominations: int) -> str:
    if not nominations:
        return NA
    others = nominations - wins
    parts = []
    if wins:
        parts.append(f"{wins} win{'s' if wins > 1 else ''}")
    if others:
        parts.append(f"{others} nomination{'s' if others > 1 else ''}")
    return " & ".join(parts)
