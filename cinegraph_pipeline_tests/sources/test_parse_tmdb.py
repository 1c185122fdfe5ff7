"""TMDb parsers on recorded bodies (fixtures/tmdb-api, fixtures/flexget/tmdb_2017)."""

from __future__ import annotations

import json

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, Operation, SourceError
from cinegraph_pipeline.sources.records import TmdbSearchHit
from cinegraph_pipeline.sources.tmdb.parse import (
    error_from_body,
    parse_find,
    parse_movie,
    parse_search,
)

from .conftest import fixture_bytes


def read(*parts: str) -> bytes:
    return fixture_bytes(*parts)


def appended_fight_club() -> bytes:
    """What `/movie/550?append_to_response=credits,external_ids,alternative_titles,
    release_dates` returns: the details body with each sub-resource under its own key."""
    details = json.loads(read("tmdb-api", "movie-details.json"))
    for key, name in [
        ("credits", "movie-credits.json"),
        ("external_ids", "movie-external-ids.json"),
        ("alternative_titles", "movie-alternative-titles.json"),
        ("release_dates", "movie-release-dates.json"),
    ]:
        sub = json.loads(read("tmdb-api", name))
        sub.pop("id", None)
        details[key] = sub
    return json.dumps(details).encode()


def test_details_without_appended_parts() -> None:
    movie = parse_movie(read("tmdb-api", "movie-details.json"))
    assert movie.tmdb_id == 550
    assert movie.imdb_id == "tt0137523"
    assert movie.title == "Fight Club"
    assert movie.original_title == "Fight Club"
    assert movie.year == 1999
    assert movie.runtime == 139
    assert movie.genres == ("Drama",)
    assert movie.countries == ("Germany", "United States of America")
    assert movie.languages == ("English",)
    assert movie.poster_url == "https://image.tmdb.org/t/p/w500/pB8BM7pdSp6B6Ih7QZ4DrQ3PmJK.jpg"
    assert movie.directors == ()
    assert movie.release_years == (1999,)
    assert movie.vote_count == 27917


def test_details_with_append_to_response() -> None:
    movie = parse_movie(appended_fight_club())
    assert movie.directors == ("David Fincher",)
    assert movie.cast[:3] == ("Edward Norton", "Brad Pitt", "Helena Bonham Carter")
    assert "El club de la lucha" in movie.alternative_titles
    assert "Podziemny krąg" in movie.alternative_titles
    assert 1999 in movie.release_years and max(movie.release_years) > 1999
    assert list(movie.release_years) == sorted(set(movie.release_years))
    film = movie.to_film_data("tt0000000")
    assert film.imdb_id == "tt0137523" and film.tmdb_id == 550 and film.directors == movie.directors


def test_details_from_2017_with_nested_alternative_titles() -> None:
    movie = parse_movie(
        read("flexget", "tmdb_2017", "movie_603_append_to_response_alternative_titles.json")
    )
    assert (movie.tmdb_id, movie.imdb_id, movie.title, movie.year) == (
        603,
        "tt0133093",
        "The Matrix",
        1999,
    )
    assert movie.alternative_titles  # {"alternative_titles": {"titles": [...]}}
    assert movie.genres == ("Action", "Science Fiction")


def test_imdb_id_falls_back_to_external_ids() -> None:
    body = {"id": 1, "title": "X", "imdb_id": None, "external_ids": {"imdb_id": "tt7654321"}}
    assert parse_movie(json.dumps(body)).imdb_id == "tt7654321"


def test_empty_release_date_and_zero_runtime_are_unknown() -> None:
    movie = parse_movie(json.dumps({"id": 7, "title": "Y", "release_date": "", "runtime": 0}))
    assert movie.release_date is None and movie.year is None and movie.runtime is None


def test_find_by_imdb_id() -> None:
    hits = parse_find(read("tmdb-api", "find-by-id-movie.json"))
    assert hits == [
        TmdbSearchHit(
            tmdb_id=1233413,
            title="Sinners",
            original_title="Sinners",
            release_date="2025-04-16",
            original_language="en",
            popularity=119.2537,
        )
    ]
    old = parse_find(read("flexget", "tmdb_2017", "find_tt0936501_external_source_imdb_id.json"))
    assert [(h.tmdb_id, h.title, h.year) for h in old] == [(8681, "Taken", 2008)]


def test_find_unknown_id_is_an_empty_list() -> None:
    body = {"movie_results": [], "person_results": [], "tv_results": []}
    assert parse_find(json.dumps(body)) == []


def test_search_results() -> None:
    hits = parse_search(read("flexget", "tmdb_2017", "search_movie_query_the_matrix.json"))
    assert len(hits) == 20
    assert (hits[0].tmdb_id, hits[0].title, hits[0].year) == (603, "The Matrix", 1999)
    single = parse_search(read("tmdb-api", "search-movie.json"))
    assert [(h.title, h.original_language, h.year) for h in single] == [("RRRrrrr!!!", "fr", 2004)]
    zerkala = parse_search(
        read(
            "flexget", "tmdb_2017", "search_movie_query_Zerkala_Mirrors_language_en_year_2008.json"
        )
    )
    assert [(h.tmdb_id, h.title, h.year) for h in zerkala] == [(13515, "Mirrors", 2008)]


@pytest.mark.parametrize(
    ("parse", "body", "operation"),
    [
        (parse_find, b'{"movie_results": [', Operation.FIND),
        (parse_find, b'{"person_results": []}', Operation.FIND),
        (parse_search, b'{"results": {"id": 1}}', Operation.SEARCH),
        (parse_search, b'{"results": [{"title": "no id"}]}', Operation.SEARCH),
        (parse_movie, b"<html>gateway</html>", Operation.DETAILS),
        (parse_movie, b'{"title": "no id"}', Operation.DETAILS),
        (parse_movie, b"[]", Operation.DETAILS),
    ],
)
def test_bad_bodies_are_parse_errors(parse, body: bytes, operation: Operation) -> None:
    with pytest.raises(SourceError) as caught:
        parse(body)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert caught.value.operation is operation


def test_error_bodies_map_to_the_taxonomy() -> None:
    auth = error_from_body(read("tmdb-api", "invalid-api-key.json"), 401, Operation.FIND)
    assert auth[0] is ErrorType.AUTH and auth[2] == 7
    assert "TMDB_API_KEY" in auth[1] and "TMDB_API_TOKEN" in auth[1]
    missing = error_from_body(read("tmdb-api", "resource-not-found.json"), 404, Operation.DETAILS)
    assert missing[:1] == (ErrorType.NOT_FOUND,) and missing[2] == 34
    invalid = error_from_body(read("tmdb-api", "validation-error.json"), 422, Operation.SEARCH)
    assert invalid[0] is ErrorType.HTTP_4XX and "query must be provided" in invalid[1]
    limited = error_from_body(
        b'{"status_code": 25, "status_message": "slow down"}', 429, Operation.FIND
    )
    assert limited[0] is ErrorType.RATE_LIMIT
    assert error_from_body(b"", 503, Operation.FIND)[0] is ErrorType.HTTP_5XX
    assert error_from_body(b"<html>nginx</html>", 404, Operation.DETAILS)[0] is ErrorType.HTTP_4XX
