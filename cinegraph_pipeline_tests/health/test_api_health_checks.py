"""Each api_health check passes and fails on metrics made for the case."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine

from cinegraph_pipeline.checks.api_health import (
    API_HEALTH_CHECK_SPECS,
    NotJudged,
    Outcome,
    evaluate_api_health_checks,
    source_status,
)
from cinegraph_pipeline.health.aggregate import compute_health
from cinegraph_pipeline.health.thresholds import HealthThresholds
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import (
    NOW,
    metric,
    resolved,
    store_movies,
    tmdb_calls,
)

ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN


def outcome(engine: Engine, name: str, **limits: Any) -> Outcome:
    report = compute_health(engine, now=NOW)
    thresholds = HealthThresholds(**limits)
    (result,) = evaluate_api_health_checks(report, thresholds, "24h", names=[name])
    return result


def check(engine: Engine, name: str, **limits: Any) -> dg.AssetCheckResult:
    result = outcome(engine, name, **limits)
    assert isinstance(result, dg.AssetCheckResult), result
    assert result.metadata["threshold"].value is not None
    assert "measured" in result.metadata and "rule" in result.metadata
    return result


@pytest.mark.parametrize(
    ("answered", "failed", "passed", "severity"),
    [(90, 10, True, WARN), (80, 20, False, WARN), (60, 40, False, ERROR)],
)
def test_tmdb_success_rate(
    migrated_engine: Engine, answered: int, failed: int, passed: bool, severity: object
) -> None:
    insert_metrics(migrated_engine, tmdb_calls(answered, failed))
    result = check(migrated_engine, "tmdb_success_rate")
    assert result.passed is passed
    assert result.severity == severity
    assert result.metadata["measured"].value == pytest.approx(answered / 100)
    assert result.metadata["threshold"].value == 0.85
    assert result.metadata["error_threshold"].value == 0.70


def test_tmdb_success_rate_counts_not_found_as_answered(migrated_engine: Engine) -> None:
    rows = [metric("tmdb", "find", error="not_found", target=f"tt{i}") for i in range(30)]
    insert_metrics(migrated_engine, rows)
    assert check(migrated_engine, "tmdb_success_rate").passed


def test_tmdb_success_rate_does_not_judge_a_handful_of_calls(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, tmdb_calls(2, 3))
    skipped = outcome(migrated_engine, "tmdb_success_rate")
    assert isinstance(skipped, NotJudged) and "too few to judge" in skipped.reason
    assert not check(migrated_engine, "tmdb_success_rate", min_calls=5).passed


@pytest.mark.parametrize(
    "name",
    [
        "tmdb_success_rate",
        "tmdb_attempt_error_rate",
        "omdb_avg_response_time",
        "imdb_match_rate",
        "cost_per_film",
        "no_expired_metrics",
    ],
)
def test_no_data_is_not_judged_never_passed(migrated_engine: Engine, name: str) -> None:
    result = outcome(migrated_engine, name)
    assert isinstance(result, NotJudged) and result.check_name == name and result.reason


def test_cache_hits_do_not_hide_timeouts(migrated_engine: Engine) -> None:
    """10 real timeouts of 20 s and 90 answers from the cache: TMDb answered none of the
    calls that reached it, in 20 s each."""
    rows = [
        metric(
            "tmdb",
            "find",
            success=False,
            error="timeout",
            ms=20_000,
            target=f"tt{i}",
            attempts=3,
            attempt_errors={"timeout": 3},
        )
        for i in range(10)
    ]
    rows += [metric("tmdb", "find", origin="http_cache", target=f"tt{i}") for i in range(90)]
    insert_metrics(migrated_engine, rows)
    result = check(migrated_engine, "tmdb_success_rate", min_calls=10)
    assert not result.passed and result.severity == ERROR
    assert result.metadata["measured"].value == 0.0
    assert (result.metadata["calls"].value, result.metadata["cache_hits"].value) == (10, 90)
    day = compute_health(migrated_engine, now=NOW).window("24h").source("tmdb")
    assert day.avg_ms == 20_000 and day.p95_ms == 20_000
    assert day.cache_hit_rate == pytest.approx(0.9)


@pytest.mark.parametrize(("failed", "passed"), [(10, True), (30, False)])
def test_attempt_error_rate(migrated_engine: Engine, failed: int, passed: bool) -> None:
    """100 calls, all answered; `failed` of them needed one retry after a 5xx."""
    rows = [
        metric("tmdb", "find", target=f"tt{i}", attempts=2, attempt_errors={"http_5xx": 1})
        for i in range(failed)
    ]
    rows += [metric("tmdb", "find", target=f"tt{i}") for i in range(failed, 100)]
    insert_metrics(migrated_engine, rows)
    result = check(migrated_engine, "tmdb_attempt_error_rate")
    assert result.passed is passed and result.severity == WARN
    assert result.metadata["measured"].value == pytest.approx(failed / (100 + failed), abs=1e-5)
    assert result.metadata["attempts"].value == 100 + failed
    assert result.metadata["attempt_errors"].value == {"http_5xx": failed}
    assert result.metadata["retries_per_call"].value == pytest.approx(failed / 100)
    # The retries won: every call succeeded.
    assert check(migrated_engine, "tmdb_success_rate").passed


def test_status_follows_the_check_thresholds(migrated_engine: Engine) -> None:
    rows = [
        metric("tmdb", "find", target=f"tt{i}", attempts=2, attempt_errors={"rate_limit": 1})
        for i in range(30)
    ]
    rows += [metric("tmdb", "find", target=f"tt{i}") for i in range(30, 60)]
    rows += tmdb_calls(0, 0)
    rows += [metric("omdb", "omdb_by_id", target=f"tt{i}") for i in range(30)]
    rows += [
        metric("imdb", "title_page", success=False, error="blocked", target=f"tt{i}")
        for i in range(30)
    ]
    insert_metrics(migrated_engine, rows)
    health = compute_health(migrated_engine, now=NOW).window("24h")
    limits = HealthThresholds()
    assert source_status("tmdb", health, limits) == "degraded"  # a third of requests failed
    assert source_status("omdb", health, limits) == "healthy"
    assert source_status("imdb", health, limits) == "failing"
    assert source_status("festival_scraper", health, limits) == "not judged"


def test_metrics_older_than_the_window_are_not_judged(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, tmdb_calls(10, 90, hours_ago=30))
    insert_metrics(migrated_engine, tmdb_calls(95, 5))
    assert check(migrated_engine, "tmdb_success_rate").passed


@pytest.mark.parametrize(("ms", "passed"), [(200, True), (800, False)])
def test_average_response_time_per_source(migrated_engine: Engine, ms: int, passed: bool) -> None:
    insert_metrics(migrated_engine, [metric("omdb", "omdb_by_id", ms=ms) for _ in range(25)])
    insert_metrics(migrated_engine, tmdb_calls(25, 0, ms=100))
    result = check(migrated_engine, "omdb_avg_response_time")
    assert result.passed is passed
    assert result.severity == WARN
    assert result.metadata["measured"].value == pytest.approx(ms)
    assert result.metadata["threshold"].value == 500
    assert check(migrated_engine, "tmdb_avg_response_time").passed


@pytest.mark.parametrize(("matched", "passed"), [(24, True), (10, False)])
def test_match_rate(migrated_engine: Engine, matched: int, passed: bool) -> None:
    """Films stored from TMDb out of films asked of TMDb; the other films' candidates had
    their details fetched (with a confidence) and rejected, and they went to OMDb."""
    films = [f"tt{i:07d}" for i in range(30)]
    rows = [metric("tmdb", "find", level=1, target=film, error="not_found") for film in films]
    rows += [metric("tmdb", "search", level=2, target=film) for film in films]
    rows += [metric("tmdb", "details", level=2, confidence=0.8, target=film) for film in films]
    rows += [metric("omdb", "omdb_by_id", target=film) for film in films[matched:]]
    insert_metrics(migrated_engine, rows)
    store_movies(
        migrated_engine,
        [resolved(film, "tmdb", level=2, confidence=0.8) for film in films[:matched]]
        + [resolved(film, "omdb", confidence=0.9) for film in films[matched:]],
    )
    result = check(migrated_engine, "tmdb_match_rate")
    assert result.passed is passed
    assert result.severity == WARN
    assert result.metadata["measured"].value == pytest.approx(matched / 30)
    assert result.metadata["films_asked"].value == 30
    assert result.metadata["films_resolved"].value == matched
    # Every call was answered: the success rate is perfect whatever the match rate.
    assert result.metadata["success_rate"].value == 1.0


def test_match_rate_counts_films_stored_from_the_source(migrated_engine: Engine) -> None:
    """OMDb answered 5 of 40 films; the rest are stubs. Answers alone decide nothing: a film
    whose OMDb call succeeded counts once its `movies` row says OMDb."""
    films = [f"tt{i}" for i in range(40)]
    rows = [
        metric("omdb", "omdb_by_id", target=film, error=None if i < 5 else "not_found")
        for i, film in enumerate(films)
    ]
    insert_metrics(migrated_engine, rows)
    assert check(migrated_engine, "omdb_match_rate").metadata["measured"].value == 0.0
    store_movies(
        migrated_engine,
        [resolved(film, "omdb", confidence=0.9) for film in films[:5]]
        + [resolved(film, "stub") for film in films[5:]],
    )
    result = check(migrated_engine, "omdb_match_rate")
    assert not result.passed
    assert result.metadata["measured"].value == pytest.approx(5 / 40)
    assert result.metadata["films_resolved"].value == 5
    # `not_found` is the service answering: no error, a perfect success rate.
    assert result.metadata["success_rate"].value == 1.0


@pytest.mark.parametrize(("cost", "passed"), [(0.005, True), (0.02, False)])
def test_cost_per_film(migrated_engine: Engine, cost: float, passed: bool) -> None:
    rows = [metric("imdb", "title_page", target=f"tt{i}", cost=cost) for i in range(100)]
    insert_metrics(migrated_engine, rows)
    result = check(migrated_engine, "cost_per_film")
    assert result.passed is passed
    assert result.severity == ERROR
    assert result.metadata["measured"].value == pytest.approx(cost)
    assert result.metadata["threshold"].value == 0.01
    assert result.metadata["films"].value == 100


def test_retention(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, [metric(hours_ago=24 * 80)])
    assert check(migrated_engine, "no_expired_metrics").passed
    insert_metrics(migrated_engine, [metric(hours_ago=24 * 95)])
    result = check(migrated_engine, "no_expired_metrics")
    assert not result.passed
    assert result.metadata["measured"].value == pytest.approx(95)
    assert result.metadata["threshold"].value == 91
    assert check(migrated_engine, "no_expired_metrics", retention_days=120).passed


def test_every_check_has_a_spec_and_a_description() -> None:
    names = [spec.name for spec in API_HEALTH_CHECK_SPECS]
    assert len(names) == len(set(names)) == 14
    assert all(spec.description for spec in API_HEALTH_CHECK_SPECS)
