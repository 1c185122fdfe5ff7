from __future__ import annotations

import re

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import Client, pick, plain

FIELDS = [
    "Title", "Year", "Rated", "Released", "Runtime", "Genre", "Director", "Writer", "Actors",
    "Plot", "Language", "Country", "Awards", "Poster", "Ratings", "Metascore", "imdbRating",
    "imdbVotes", "imdbID", "Type", "DVD", "BoxOffice", "Production", "Website", "Response",
]  # fmt: skip


def test_by_imdb_id(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    facts = sandbox.catalog.film(film.imdb_id)
    assert facts is not None
    response = client.omdb(i=film.imdb_id)
    body = response.json()
    assert response.status_code == 200
    assert list(body) == FIELDS
    assert body["Response"] == "True"
    assert body["imdbID"] == film.imdb_id
    assert body["Title"] == film.title
    assert body["Year"] == str(film.year)
    assert body["Type"] == "movie"
    assert body["Director"] == ", ".join(p.name for p in facts.directors)
    if facts.runtime:
        assert body["Runtime"] == f"{facts.runtime} min"
    assert re.fullmatch(r"\d{1,3}(,\d{3})*", body["imdbVotes"])
    assert re.fullmatch(r"\d\.\d", body["imdbRating"])
    assert re.fullmatch(r"\d{2} [A-Z][a-z]{2} \d{4}", body["Released"])
    assert all(isinstance(value, str) for key, value in body.items() if key != "Ratings")
    assert "N/A" in body.values()


def test_by_title_and_year(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    body = client.omdb(t=film.title.lower(), y=film.year).json()
    assert body["imdbID"] == film.imdb_id
    assert client.omdb(t=film.title, y=film.year + 3).json() == {
        "Response": "False",
        "Error": "Movie not found!",
    }


def test_films_omdb_does_not_know(client: Client, sandbox: SandboxServer) -> None:
    for trait in ("imdb_only", "nowhere", "omdb_missing"):
        film = pick(sandbox, trait)
        response = client.omdb(i=film.imdb_id)
        assert response.status_code == 200
        assert response.json() == {"Response": "False", "Error": "Movie not found!"}
    known_only_here = pick(sandbox, "omdb_only")
    assert client.omdb(i=known_only_here.imdb_id).json()["Response"] == "True"


def test_malformed_id(client: Client) -> None:
    response = client.omdb(i="12345")
    assert response.status_code == 200
    assert response.json() == {"Response": "False", "Error": "Incorrect IMDb ID."}


def test_key_errors_are_401(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    missing = client.omdb(i=film.imdb_id, apikey=None)
    wrong = client.omdb(i=film.imdb_id, apikey="wrong")
    assert (missing.status_code, missing.json()) == (
        401,
        {"Response": "False", "Error": "No API key provided."},
    )
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"Response": "False", "Error": "Invalid API key!"},
    )
