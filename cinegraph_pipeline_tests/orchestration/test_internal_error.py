"""A bug of ours inside a parser, during a real edition run on the sandbox: the film is kept
`pending` for review, the other films are saved, the run fails naming the exception."""

from __future__ import annotations

import json

import dagster as dg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cinegraph_pipeline.assets.festival_import.common import PERMANENT_FAILURE_TAG
from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.sensors.deferred_editions import deferred_editions_sensor
from cinegraph_pipeline.sources.errors import TRANSIENT_ERRORS, ErrorType
from cinegraph_pipeline.sources.imdb import graphql_queries
from cinegraph_pipeline.sources.omdb import client as omdb_client
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline_tests.orchestration.conftest import engine_for, run_edition


def test_internal_error_is_not_transient() -> None:
    assert ErrorType.INTERNAL_ERROR.value == "internal_error"
    assert ErrorType.INTERNAL_ERROR not in TRANSIENT_ERRORS


def test_an_exception_inside_a_parser_keeps_the_film_for_review_and_fails_the_run(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parser(body: bytes, operation: object) -> object:
        return {"ratio": 1 / 0}

    monkeypatch.setattr(omdb_client, "parse_omdb", broken_parser)
    with dg.instance_for_test() as instance:
        result = run_edition(instance)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["edition_write"]
    error = str(failures[0].event_specific_data.error)
    assert "internal_error" in error and "ZeroDivisionError" in error
    assert "broken_parser" in error  # where it happened
    # Not retried as if OMDb were down.
    assert not [e for e in result.all_events if e.event_type_value == "STEP_RESTARTED"]

    with Session(engine_for(film_db)) as session:
        movies = {m.imdb_id: m for m in session.scalars(select(Movie))}
        nominations = session.scalars(select(FestivalNomination)).all()
        omdb_rows = session.scalars(
            select(ApiLookupMetric).where(ApiLookupMetric.source == "omdb")
        ).all()
    truth = {imdb_id: sandbox.truth(imdb_id).expected_source for imdb_id in movies}
    from_tmdb = [i for i, source in truth.items() if source == "tmdb"]
    past_tmdb = [i for i, source in truth.items() if source != "tmdb"]
    assert from_tmdb and past_tmdb
    assert all(movies[i].import_type == "full" for i in from_tmdb)  # the others are saved
    for imdb_id in past_tmdb:  # every film that reached OMDb hit the bug
        assert movies[imdb_id].import_type == "pending", imdb_id
        assert movies[imdb_id].needs_review, imdb_id
    assert nominations and all(n.movie_id is not None for n in nominations if n.film_imdb_id)
    errors = {row.error_type for row in omdb_rows}
    assert errors == {"internal_error"}
    assert all("ZeroDivisionError" in (row.error_message or "") for row in omdb_rows)


def test_the_retry_sensor_leaves_films_stopped_by_our_code_alone(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failed run is permanent and its films, pending for review, are not pending for a
    retry: the sensor requests nothing (its last attempt would have made them stubs)."""

    def broken_parser(body: bytes, operation: object) -> object:
        return {"ratio": 1 / 0}

    monkeypatch.setattr(omdb_client, "parse_omdb", broken_parser)
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    with dg.instance_for_test() as instance:
        result = run_edition(instance)
        assert not result.success
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.tags.get(PERMANENT_FAILURE_TAG) == "true"
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=film_db)}
        )
        evaluation = deferred_editions_sensor(context)
    assert isinstance(evaluation, dg.SensorResult)
    assert evaluation.run_requests == []
    assert json.loads(evaluation.cursor or "{}") == {}
    with Session(engine_for(film_db)) as session:
        pending = session.scalars(select(Movie).where(Movie.import_type == "pending")).all()
    assert pending and all(m.needs_review for m in pending)


def test_a_titles_query_imdb_rejects_keeps_the_edition_and_fails_the_run_permanently(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GraphQL rejects our titles query (a field its schema lacks): the films waiting for
    IMDb are pending for review, the edition's other films and every nomination are
    written, and the run fails once the write is done."""
    broken = graphql_queries.TITLES_QUERY.replace("id titleText", "id plotSummary titleText", 1)
    assert broken != graphql_queries.TITLES_QUERY
    monkeypatch.setattr(graphql_queries, "TITLES_QUERY", broken)
    with dg.instance_for_test() as instance:
        result = run_edition(instance)
        run = instance.get_run_by_id(result.run_id)
    assert not result.success
    assert run is not None and run.tags.get(PERMANENT_FAILURE_TAG) == "true"
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert [e.step_key for e in failures] == ["edition_write"]
    assert "plotSummary" in str(failures[0].event_specific_data.error)

    with Session(engine_for(film_db)) as session:
        movies = {m.imdb_id: m for m in session.scalars(select(Movie))}
        nominations = session.scalars(select(FestivalNomination)).all()
    truth = {imdb_id: sandbox.truth(imdb_id).expected_source for imdb_id in movies}
    at_imdb = [i for i, source in truth.items() if source == "imdb"]
    elsewhere = [i for i, source in truth.items() if source in ("tmdb", "omdb")]
    assert at_imdb and elsewhere
    for imdb_id in at_imdb:
        assert (movies[imdb_id].import_type, movies[imdb_id].needs_review) == ("pending", True)
    assert all(movies[i].import_type in ("full", "minimal") for i in elsewhere)
    assert nominations and all(n.movie_id is not None for n in nominations if n.film_imdb_id)
