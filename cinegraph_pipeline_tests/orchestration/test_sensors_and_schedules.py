"""The deferred-edition retry sensor and the enrichment schedule, evaluated directly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from sqlalchemy import Engine, select

from cinegraph_pipeline.assets.festival_import.common import give_up_run_config
from cinegraph_pipeline.definitions import defs
from cinegraph_pipeline.schedules.enrichment import placeholder_enrichment_schedule
from cinegraph_pipeline.sensors.deferred_editions import (
    RetrySettings,
    deferred_editions_sensor,
    plan_retries,
)
from cinegraph_pipeline.storage.models import Movie
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import (
    insert_metrics,
    movie_ids,
    upsert_movies,
    upsert_nominations,
)
from cinegraph_pipeline_tests.orchestration.conftest import snapshot

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SETTINGS = RetrySettings(max_attempts=3, base_delay=timedelta(minutes=10))


def seed_pending(engine: Engine, festival: str = "cannes", year: int = 2016) -> None:
    movie = {
        "imdb_id": f"tt9{year}01",
        "title": "A Deferred Film",
        "year": year,
        "import_type": "pending",
        "data_source": "festival",
        "needs_enrichment": True,
    }
    with engine.begin() as conn:
        upsert_movies(conn, [movie])
        movie_id = movie_ids(conn, [movie["imdb_id"]])[movie["imdb_id"]]
        upsert_nominations(
            conn,
            [
                {
                    "festival": festival,
                    "year": year,
                    "award": "Palme d'Or",
                    "category": "Palme d'Or",
                    "film_imdb_id": movie["imdb_id"],
                    "film_title": "A Deferred Film",
                    "person_imdb_id": "",
                    "person_name": "",
                    "winner": False,
                    "notes": None,
                    "movie_id": movie_id,
                }
            ],
        )


def test_plan_retries_backs_off_and_caps() -> None:
    pending = {"cannes|2016": 2}
    requests, state = plan_retries(pending, {}, NOW, SETTINGS)
    assert requests == []  # first sight: wait one base delay
    requests, state = plan_retries(pending, state, NOW + timedelta(minutes=10), SETTINGS)
    series = state["cannes|2016"]["series"]
    assert [r.run_key for r in requests] == [f"cannes|2016:{series}:retry:1"]
    assert requests[0].partition_key == "cannes|2016"
    # The second attempt waits twice as long.
    assert plan_retries(pending, state, NOW + timedelta(minutes=29), SETTINGS)[0] == []
    requests, state = plan_retries(pending, state, NOW + timedelta(minutes=30), SETTINGS)
    assert [r.run_key for r in requests] == [f"cannes|2016:{series}:retry:2"]
    assert "cinegraph/final_attempt" not in requests[0].tags
    requests, state = plan_retries(pending, state, NOW + timedelta(hours=2), SETTINGS)
    assert requests[0].tags["cinegraph/final_attempt"] == "true"
    assert plan_retries(pending, state, NOW + timedelta(days=2), SETTINGS)[0] == []
    # An edition with nothing pending any more drops out of the state; a later deferral
    # starts a new series whose run keys differ (Dagster never launches a run key twice).
    assert plan_retries({}, state, NOW, SETTINGS) == ([], {})
    later = NOW + timedelta(days=3)
    _, fresh = plan_retries(pending, {}, later, SETTINGS)
    requests, _ = plan_retries(pending, fresh, later + timedelta(minutes=10), SETTINGS)
    assert requests[0].run_key.endswith(":retry:1")
    assert requests[0].run_key != f"cannes|2016:{series}:retry:1"


def test_plan_retries_waits_for_a_run_in_progress() -> None:
    state = {"cannes|2016": {"attempts": 1, "due": NOW.isoformat()}}
    requests, _ = plan_retries({"cannes|2016": 1}, state, NOW, SETTINGS, frozenset({"cannes|2016"}))
    assert requests == []


def test_sensor_requests_editions_with_pending_films(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    seed_pending(migrated_engine)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=database_url)}
        )
        result = deferred_editions_sensor(context)
        assert isinstance(result, dg.SensorResult)
        assert [r.partition_key for r in result.run_requests] == ["cannes|2016"]
        assert result.run_requests[0].tags["cinegraph/retry_attempt"] == "1"
        cursor = json.loads(result.cursor)
        assert cursor["cannes|2016"]["attempts"] == 1


def test_sensor_waits_while_a_source_is_still_failing(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    seed_pending(migrated_engine)
    insert_metrics(
        migrated_engine,
        [
            {
                "source": "tmdb",
                "operation": "search",
                "target_identifier": "x",
                "success": False,
                "error_type": "rate_limit",
            }
        ]
        * 10,
    )
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=database_url)}
        )
        result = deferred_editions_sensor(context)
    assert isinstance(result, dg.SkipReason)
    assert "tmdb" in (result.skip_message or "")


def test_cache_hits_do_not_hide_a_failing_source_from_the_sensor(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The most recent rows are cache hits and replays; the calls that reached TMDb before
    them timed out: TMDb is still failing, as api_health counts it."""
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    seed_pending(migrated_engine)
    now = datetime.now(UTC)
    failures = [
        {
            "source": "tmdb",
            "operation": "find",
            "target_identifier": f"tt{i}",
            "success": False,
            "error_type": "timeout",
            "inserted_at": now - timedelta(minutes=2),
        }
        for i in range(8)
    ]
    hits = [
        {
            "source": "tmdb",
            "operation": "find",
            "target_identifier": f"tt{i}",
            "success": True,
            "cached": True,
            "origin": "http_cache" if i % 2 else "replay",
            "attempts": 0,
            "inserted_at": now - timedelta(minutes=1),
        }
        for i in range(30)
    ]
    insert_metrics(migrated_engine, failures)
    insert_metrics(migrated_engine, hits)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=database_url)}
        )
        result = deferred_editions_sensor(context)
    assert isinstance(result, dg.SkipReason)
    assert "tmdb (100% transient errors)" in (result.skip_message or "")


def test_sensor_skips_when_nothing_is_pending(sqlite_url: str) -> None:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=sqlite_url)}
        )
        result = deferred_editions_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert not result.run_requests


def test_enrichment_schedule_runs_the_enrichment_job_daily() -> None:
    assert placeholder_enrichment_schedule.cron_schedule == "30 3 * * *"
    context = dg.build_schedule_context(scheduled_execution_time=NOW)
    request = placeholder_enrichment_schedule.evaluate_tick(context).run_requests[0]
    job = defs.resolve_job_def(placeholder_enrichment_schedule.job_name)
    assert [key.to_user_string() for key in job.asset_layer.executable_asset_keys] == [
        "placeholder_enrichment"
    ]
    assert request.run_config == {}


def test_sensor_retries_an_edition_whose_last_run_failed_unless_permanently(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster._core.test_utils import create_run_for_test

    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    with dg.instance_for_test() as instance:
        for partition, tags in (
            ("cannes|2012", {}),
            ("cannes|2013", {"cinegraph/permanent_failure": "true"}),
        ):
            create_run_for_test(
                instance,
                job_name="festival_import_job",
                status=dg.DagsterRunStatus.FAILURE,
                tags={"dagster/partition": partition, **tags},
            )
        # An edition whose failed run was followed by a successful one is left alone.
        create_run_for_test(
            instance,
            job_name="festival_import_job",
            status=dg.DagsterRunStatus.FAILURE,
            tags={"dagster/partition": "cannes|2014"},
        )
        create_run_for_test(
            instance,
            job_name="festival_import_job",
            status=dg.DagsterRunStatus.SUCCESS,
            tags={"dagster/partition": "cannes|2014"},
        )
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=sqlite_url)}
        )
        result = deferred_editions_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert [r.partition_key for r in result.run_requests] == ["cannes|2012"]


def test_the_last_attempt_gives_up_inside_runs_and_the_sensor_writes_nothing(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sensors decide, runs write: the last attempt asks its write stage to give up on what
    is still pending; when that run ended without writing, a give-up run is requested. The
    ticks themselves leave the film database as it was."""
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    monkeypatch.setenv("CINEGRAPH_RETRY_MAX_ATTEMPTS", "1")
    seed_pending(migrated_engine)
    before = snapshot(migrated_engine)
    with dg.instance_for_test() as instance:
        resources = {"database": DatabaseResource(url=database_url)}
        first = deferred_editions_sensor(
            dg.build_sensor_context(instance=instance, resources=resources)
        )
        assert isinstance(first, dg.SensorResult)
        (final,) = first.run_requests
        assert final.job_name == "festival_import_job"
        assert final.tags["cinegraph/final_attempt"] == "true"
        assert final.run_config == give_up_run_config()
        # The final run crashed: the films are still pending on the next tick.
        second = deferred_editions_sensor(
            dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor)
        )
        assert isinstance(second, dg.SensorResult)
        (give_up,) = second.run_requests
        assert (give_up.job_name, give_up.partition_key) == ("give_up_pending_job", "cannes|2016")
        assert snapshot(migrated_engine) == before  # no tick wrote anything
        # The requested run does the write, logged like any other.
        result = defs.get_job_def("give_up_pending_job").execute_in_process(
            instance=instance, partition_key="cannes|2016", resources=resources
        )
    assert result.success and result.output_for_node("give_up_pending_films") == 1
    with migrated_engine.connect() as conn:
        movie = conn.execute(select(Movie.__table__)).mappings().one()
    assert (movie["import_type"], movie["needs_review"]) == ("stub", True)
    assert movie["next_tmdb_retry_at"] is not None


def test_every_sensor_tick_only_requests_runs(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a whole series of attempts (first sight, each retry, the give-up), the sensor's
    ticks change no row of the film database."""
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    monkeypatch.setenv("CINEGRAPH_RETRY_MAX_ATTEMPTS", "3")
    seed_pending(migrated_engine)
    before = snapshot(migrated_engine)
    requested: list[str] = []
    cursor = None
    with dg.instance_for_test() as instance:
        resources = {"database": DatabaseResource(url=database_url)}
        for _ in range(4):
            result = deferred_editions_sensor(
                dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor)
            )
            assert isinstance(result, dg.SensorResult)
            requested += [r.run_key or "" for r in result.run_requests]
            cursor = result.cursor
    kinds = [key.split(":", 2)[-1] for key in requested]
    assert kinds == ["retry:1", "retry:2", "retry:3", "give_up"]
    assert snapshot(migrated_engine) == before


def _sensor_after_a_spent_quota(
    migrated_engine: Engine, database_url: str, source: str, operation: str
) -> dg.SensorResult | dg.SkipReason:
    seed_pending(migrated_engine)
    stale = datetime.now(UTC) - timedelta(hours=1)
    insert_metrics(
        migrated_engine,
        [
            {
                "source": source,
                "operation": operation,
                "target_identifier": "tt1",
                "success": False,
                "error_type": "quota_exhausted",
                "inserted_at": max(stale, datetime.now(UTC).replace(hour=0, minute=0, second=1)),
            }
        ],
    )
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"database": DatabaseResource(url=database_url)}
        )
        return deferred_editions_sensor(context)  # type: ignore[return-value]


def test_sensor_waits_for_a_spent_zyte_budget_to_reset(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing of the IMDb stage's rank follows it: its films wait for the budget."""
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    result = _sensor_after_a_spent_quota(migrated_engine, database_url, "imdb", "title_page")
    assert isinstance(result, dg.SkipReason)
    assert "imdb" in (result.skip_message or "")


def test_sensor_does_not_wait_for_omdbs_quota(
    migrated_engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Films OMDb cannot answer today go on to the IMDb stage: no film waits for OMDb."""
    monkeypatch.setenv("CINEGRAPH_RETRY_BASE_MINUTES", "0")
    result = _sensor_after_a_spent_quota(migrated_engine, database_url, "omdb", "omdb_by_id")
    assert not isinstance(result, dg.SkipReason), result
