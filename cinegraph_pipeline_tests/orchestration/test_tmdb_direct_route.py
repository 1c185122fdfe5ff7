"""Level 1 through `/movie/{imdb_id}` in a real edition run, and its guard: a TMDb that answers
404 to that route for every IMDb id makes the run fall back to `/find` and still resolve
every film where it belongs."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import select
from sqlalchemy.orm import Session

from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.models import Movie
from cinegraph_pipeline_tests.orchestration.conftest import engine_for, run_edition

EXPECTED_TYPE = {"tmdb": "full", "omdb": "minimal", "imdb": "minimal", "stub": "stub"}


def import_and_check(sandbox: SandboxServer, film_db: str) -> dict[str, object]:
    """Imports the mixed edition; asserts every film landed where the sandbox's truth says;
    returns the TMDb stage's metadata values."""
    with dg.instance_for_test() as instance:
        result = run_edition(instance)
        assert result.success
        metadata = result.asset_materializations_for_node("edition_tmdb_matches")[0].metadata
    with Session(engine_for(film_db)) as session:
        movies = list(session.scalars(select(Movie)))
    assert movies
    for movie in movies:
        truth = sandbox.truth(movie.imdb_id)
        assert movie.import_type == EXPECTED_TYPE[truth.expected_source], movie.imdb_id
        if truth.expected_source == "tmdb":
            assert movie.tmdb_id == truth.tmdb_id, movie.imdb_id
    return {key: value.value for key, value in metadata.items()}


def series_in(film_db: str) -> int:
    with Session(engine_for(film_db)) as session:
        types = session.scalars(select(Movie.title_type)).all()
    return sum(t in ("tvSeries", "tvMiniSeries") for t in types)


def tmdb_routes(sandbox: SandboxServer) -> dict[str, int]:
    return {
        route: counts["total"]
        for route, counts in sandbox.stats()["routes"].items()
        if route.startswith("tmdb.")
    }


def test_films_known_by_imdb_id_cost_one_call_and_find_is_asked_only_by_the_guard(
    sandbox: SandboxServer, film_db: str
) -> None:
    metadata = import_and_check(sandbox, film_db)
    assert metadata["direct_id_fell_back_to_find"] == 0
    assert 1 <= metadata["direct_id_404s_checked"] <= 5  # type: ignore[operator]
    routes = tmdb_routes(sandbox)
    # /find: the guard's checks, and the series (their TMDb series id, never a movie).
    assert routes.get("tmdb.find", 0) == metadata["direct_id_404s_checked"] + series_in(film_db)
    assert routes["tmdb.movie"] >= metadata["resolved_level_1"]  # type: ignore[operator]


def test_a_tmdb_without_the_route_makes_the_run_fall_back_to_find(
    sandbox: SandboxServer, film_db: str
) -> None:
    sandbox.set_faults(tmdb_movie_by_imdb_id=False)
    metadata = import_and_check(sandbox, film_db)
    assert metadata["direct_id_fell_back_to_find"] == 1
    # Films run on 8 threads: a few 404s may be in the sample before the first is checked.
    assert 1 <= metadata["direct_id_404s_checked"] <= 5  # type: ignore[operator]
    assert str(metadata["direct_id_fallback_on"]).startswith("tt")
    assert metadata["resolved_level_1"] > 0  # type: ignore[operator]
    routes = tmdb_routes(sandbox)
    # The films in flight when the guard tripped (one per worker) asked the route; every
    # later film asked /find alone.
    workers = 8
    assert routes["tmdb.find"] >= metadata["tried"] - workers  # type: ignore[operator]
