"""OMDb parser on answers written from MISSION.md (no OMDb recording exists)."""

from __future__ import annotations

import json

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, Operation, SourceError
from cinegraph_pipeline.sources.omdb.parse import classify_error, parse_omdb

MATRIX = {
    "Title": "The Matrix",
    "Year": "1999",
    "Rated": "R",
    "Released": "31 Mar 1999",
    "Runtime": "136 min",
    "Genre": "Action, Sci-Fi",
    "Director": "Lana Wachowski, Lilly Wachowski",
    "Actors": "Keanu Reeves, Laurence Fishburne, Carrie-Anne Moss",
    "Plot": "When a beautiful stranger leads computer hacker Neo to a forbidding underworld...",
    "Language": "English",
    "Country": "United States, Australia",
    "Poster": "https://m.media-amazon.com/images/M/MV5B.jpg",
    "imdbRating": "8.7",
    "imdbVotes": "2,345,678",
    "imdbID": "tt0133093",
    "Type": "movie",
    "Response": "True",
}


def test_full_record() -> None:
    record = parse_omdb(json.dumps(MATRIX), Operation.OMDB_BY_ID)
    assert record.imdb_id == "tt0133093"
    assert (record.title, record.year, record.type) == ("The Matrix", 1999, "movie")
    assert record.released == "1999-03-31"
    assert record.runtime == 136
    assert record.genres == ("Action", "Sci-Fi")
    assert record.directors == ("Lana Wachowski", "Lilly Wachowski")
    assert record.actors[0] == "Keanu Reeves"
    assert record.countries == ("United States", "Australia")
    assert record.languages == ("English",)
    assert record.imdb_rating == 8.7
    assert record.imdb_votes == 2_345_678
    assert record.to_film_data().imdb_votes == 2_345_678


def test_na_values_are_none() -> None:
    sparse = {
        **MATRIX,
        "Released": "N/A",
        "Runtime": "N/A",
        "Genre": "N/A",
        "Director": "N/A",
        "Poster": "N/A",
        "imdbRating": "N/A",
        "imdbVotes": "N/A",
        "Plot": "N/A",
        "Year": "2010\u20132012",
    }
    record = parse_omdb(json.dumps(sparse), Operation.OMDB_BY_TITLE)
    assert record.released is None and record.runtime is None and record.poster_url is None
    assert record.genres == () and record.directors == () and record.plot is None
    assert record.imdb_rating is None and record.imdb_votes is None
    assert record.year == 2010


@pytest.mark.parametrize(
    ("error", "status", "expected"),
    [
        ("Movie not found!", 200, ErrorType.NOT_FOUND),
        ("Incorrect IMDb ID.", 200, ErrorType.NOT_FOUND),
        ("Invalid API key!", 401, ErrorType.AUTH),
        ("No API key provided.", 401, ErrorType.AUTH),
        ("Request limit reached!", 401, ErrorType.QUOTA_EXHAUSTED),
        ("Error getting data.", 200, ErrorType.HTTP_5XX),
        ("Something went wrong.", 200, ErrorType.HTTP_4XX),
    ],
)
def test_response_false_errors(error: str, status: int, expected: ErrorType) -> None:
    error_type, message = classify_error({"Response": "False", "Error": error}, status)
    assert error_type is expected
    if expected is ErrorType.AUTH:
        assert "OMDB_API_KEY" in message
    if status == 200:
        with pytest.raises(SourceError) as caught:
            parse_omdb(json.dumps({"Response": "False", "Error": error}), Operation.OMDB_BY_ID)
        assert caught.value.error_type is expected


@pytest.mark.parametrize(
    "body",
    [b"<html>", b'"True"', json.dumps({"Response": "True", "Title": "No id"}).encode()],
)
def test_bad_answers_are_parse_errors(body: bytes) -> None:
    with pytest.raises(SourceError) as caught:
        parse_omdb(body, Operation.OMDB_BY_ID)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
