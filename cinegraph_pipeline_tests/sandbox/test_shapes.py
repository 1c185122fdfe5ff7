"""The sandbox's answers against responses recorded from the real services (copied into
`cinegraph_pipeline_tests/fixtures`): the same keys, and the same JSON types at the paths
clients read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline_tests.support.recorded import RECORDED, recorded_imdb_title_pages

from .helpers import Client, json_ld, next_data, pick, plain

TMDB = RECORDED / "tmdb-api"
TMDB_2017 = RECORDED / "flexget" / "tmdb_2017"
APPEND = "credits,external_ids,alternative_titles,release_dates"

# Paths where the sandbox may answer null where the recording has a value, or the reverse.
NULLABLE = {
    "belongs_to_collection",
    "backdrop_path",
    "poster_path",
    "profile_path",
    "imdb_id",
    "wikidata_id",
    "facebook_id",
    "instagram_id",
    "twitter_id",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def assert_covers(real: Any, ours: Any, path: str = "$") -> None:
    """Every key of the recording is in our answer with the same JSON type, recursively
    (array items compared when both arrays have some)."""
    name = path.rsplit(".", 1)[-1].rstrip("[]")
    if kind(real) != kind(ours):
        nullable = name in NULLABLE and "null" in (kind(real), kind(ours))
        assert nullable, f"{path}: recorded {kind(real)}, sandbox {kind(ours)}"
        return
    if isinstance(real, dict):
        missing = sorted(set(real) - set(ours))
        assert not missing, f"{path}: keys missing from the sandbox: {missing}"
        for key in real:
            assert_covers(real[key], ours[key], f"{path}.{key}")
    elif isinstance(real, list) and real and ours:
        for item in ours:
            assert_covers(real[0], item, f"{path}[]")


def values_at(document: Any, path: str) -> list[Any]:
    """Values at a dotted path; `[]` after a key walks every item of an array."""
    current = [document]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        step = []
        for value in current:
            if isinstance(value, dict) and key in value:
                found = value[key]
                if many:
                    step.extend(found if isinstance(found, list) else [])
                else:
                    step.append(found)
        current = step
    return current


# -- TMDb -----------------------------------------------------------------------------------


def test_find_shape(client: Client, sandbox: SandboxServer) -> None:
    ours = client.tmdb(f"/find/{plain(sandbox).imdb_id}", external_source="imdb_id").json()
    assert ours["movie_results"]
    assert_covers(load(TMDB / "find-by-id-movie.json"), ours)
    assert_covers(load(TMDB_2017 / "find_tt0936501_external_source_imdb_id.json"), ours)


def test_search_shape(client: Client, sandbox: SandboxServer) -> None:
    ours = client.tmdb("/search/movie", query=plain(sandbox).tmdb_title).json()
    assert ours["results"]
    assert_covers(load(TMDB / "search-movie.json"), ours)
    assert_covers(load(TMDB_2017 / "search_movie_query_the_matrix.json"), ours)
    assert_covers(load(TMDB_2017 / "search_movie_query_the_matrix_reloaded_year_2003.json"), ours)


def test_movie_details_and_appended_parts_shape(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "alt_title", exclude=("no_imdb_id", "suspect"))
    ours = client.tmdb(f"/movie/{film.tmdb_id}", append_to_response=APPEND).json()
    assert_covers(load(TMDB / "movie-details.json"), ours)
    for part, fixture in (
        ("credits", "movie-credits.json"),
        ("external_ids", "movie-external-ids.json"),
        ("alternative_titles", "movie-alternative-titles.json"),
        ("release_dates", "movie-release-dates.json"),
    ):
        standalone = client.tmdb(f"/movie/{film.tmdb_id}/{part}").json()
        assert_covers(load(TMDB / fixture), standalone, part)
        recorded = {k: v for k, v in load(TMDB / fixture).items() if k != "id"}
        assert_covers(recorded, ours[part], f"append.{part}")
    for old in ("movie_603_append_to_response_alternative_titles.json",):
        recorded = load(TMDB_2017 / old)
        assert_covers(recorded["alternative_titles"], ours["alternative_titles"])
    crew = values_at(ours, "credits.crew[].job")
    assert "Director" in crew


def test_error_bodies_shape(client: Client, sandbox: SandboxServer) -> None:
    bad_key = client.tmdb(f"/movie/{plain(sandbox).tmdb_id}", key="nope").json()
    assert bad_key == {**load(TMDB / "invalid-api-key.json"), "success": False}
    not_found = client.tmdb("/movie/1").json()
    assert_covers(load(TMDB / "resource-not-found.json"), not_found)
    assert not_found["status_code"] == load(TMDB / "resource-not-found.json")["status_code"]
    assert client.tmdb("/search/movie", query="").json() == load(TMDB / "validation-error.json")


# -- IMDb title pages -------------------------------------------------------------------------

LD_PATHS = [
    "@type", "name", "url", "image", "description", "genre", "datePublished", "duration",
    "aggregateRating.ratingValue", "aggregateRating.ratingCount", "director[].name",
    "director[].url", "actor[].name",
]  # fmt: skip
ABOVE = "props.pageProps.aboveTheFoldData"
MAIN = "props.pageProps.mainColumnData"
NEXT_PATHS = [
    "props.pageProps.tconst",
    f"{ABOVE}.id",
    f"{ABOVE}.titleText.text",
    f"{ABOVE}.originalTitleText.text",
    f"{ABOVE}.titleType.id",
    f"{ABOVE}.titleType.text",
    f"{ABOVE}.releaseYear.year",
    f"{ABOVE}.releaseDate.year",
    f"{ABOVE}.runtime.seconds",
    f"{ABOVE}.genres.genres[].text",
    f"{ABOVE}.ratingsSummary.aggregateRating",
    f"{ABOVE}.ratingsSummary.voteCount",
    f"{ABOVE}.plot.plotText.plainText",
    f"{ABOVE}.primaryImage.url",
    f"{ABOVE}.countriesOfOrigin.countries[].id",
    f"{ABOVE}.principalCredits[].category.id",
    f"{ABOVE}.principalCredits[].credits[].name.id",
    f"{ABOVE}.principalCredits[].credits[].name.nameText.text",
    f"{MAIN}.titleText.text",
    f"{MAIN}.originalTitleText.text",
    f"{MAIN}.titleType.id",
    f"{MAIN}.releaseYear.year",
    f"{MAIN}.runtime.seconds",
    f"{MAIN}.countriesOfOrigin.countries[].id",
    f"{MAIN}.countriesOfOrigin.countries[].text",
    f"{MAIN}.spokenLanguages.spokenLanguages[].id",
    f"{MAIN}.spokenLanguages.spokenLanguages[].text",
    f"{MAIN}.directors[].credits[].name.id",
    f"{MAIN}.directors[].credits[].name.nameText.text",
    f"{MAIN}.cast.edges[].node.name.nameText.text",
    f"{MAIN}.akas.edges[].node.text",
    f"{MAIN}.releaseDate.country.id",
]


@pytest.fixture(scope="module")
def recorded_pages() -> list[tuple[str, Any, Any]]:
    recorded = recorded_imdb_title_pages()
    assert len(recorded) == 12
    return [(name, json_ld(html), next_data(html)) for name, html in recorded]


@pytest.fixture
def our_page(client: Client, sandbox: SandboxServer) -> tuple[Any, Any]:
    film = pick(sandbox, "alt_title", exclude=("imdb_only",))
    html = client.imdb(f"/title/{film.imdb_id}/").text
    return json_ld(html), next_data(html)


def test_title_page_json_ld_paths(
    recorded_pages: list[tuple[str, Any, Any]], our_page: tuple[Any, Any]
) -> None:
    ours = our_page[0]
    for name, ld, _ in recorded_pages:
        for path in LD_PATHS:
            real, mine = values_at(ld, path), values_at(ours, path)
            assert real and mine, f"{name}: {path} empty (recorded {real!r}, sandbox {mine!r})"
            assert {kind(v) for v in real} == {kind(v) for v in mine}, f"{name}: {path}"
    assert ours["@type"] == "Movie" and isinstance(ours["alternateName"], str)


def test_title_page_next_data_paths(
    recorded_pages: list[tuple[str, Any, Any]], our_page: tuple[Any, Any]
) -> None:
    ours = our_page[1]
    for name, _, data in recorded_pages:
        for path in NEXT_PATHS:
            real, mine = values_at(data, path), values_at(ours, path)
            if not real:  # e.g. no aka recorded for that page
                continue
            assert mine, f"{name}: {path} missing from the sandbox"
            assert {kind(v) for v in real} == {kind(v) for v in mine}, f"{name}: {path}"


def test_title_page_sections_have_every_recorded_key(
    recorded_pages: list[tuple[str, Any, Any]], our_page: tuple[Any, Any]
) -> None:
    ours = our_page[1]
    top = set(ours)
    props = set(ours["props"]["pageProps"])
    above = set(values_at(ours, ABOVE)[0])
    main = set(values_at(ours, MAIN)[0])
    for name, _, data in recorded_pages:
        assert set(data) - {"runtimeConfig"} <= top | {"runtimeConfig"}, name
        assert set(data["props"]["pageProps"]) <= props, name
        assert set(values_at(data, ABOVE)[0]) <= above, name
        assert set(values_at(data, MAIN)[0]) <= main, name
