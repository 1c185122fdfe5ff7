"""The SQL aggregation behind api_health, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from benchmarks.synthetic_traffic import Mix, store_traffic, synthetic_traffic
from cinegraph_pipeline.health.aggregate import (
    LOOKUP_OPERATIONS,
    FallbackStats,
    MatchStats,
    Window,
    WindowHealth,
    compute_health,
    windows_from_hours,
)
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import (
    NOW,
    metric,
    resolved,
    store_movies,
    tmdb_calls,
)

# Calls made while resolving films tt1..tt10 (their IMDb ids as targets), and the `movies`
# rows those resolutions wrote: what was accepted is in `movies`, not in the call rows.
SCENARIO = [
    # tt1: /find hit, details fetched with the confidence, accepted at level 1.
    metric("tmdb", "find", hours_ago=1, ms=100, level=1, target="tt1"),
    metric("tmdb", "details", hours_ago=1, ms=50, level=1, confidence=1.0, target="tt1"),
    # tt2: nothing by IMDb id; the title search (level 2) is accepted.
    metric("tmdb", "find", hours_ago=2, ms=200, level=1, error="not_found", target="tt2"),
    metric("tmdb", "search", hours_ago=2, ms=400, level=2, target="tt2"),
    metric("tmdb", "details", hours_ago=2, ms=500, level=2, confidence=0.85, target="tt2"),
    # tt3: TMDb timed out, the film is deferred and nothing is stored yet.
    metric(
        "tmdb", "find", hours_ago=3, ms=300, level=1, success=False, error="timeout", target="tt3"
    ),
    # tt6: a level-3 candidate's details (with its confidence) name another film: rejected,
    # and OMDb resolves the film.
    metric("tmdb", "find", hours_ago=4, ms=100, level=1, error="not_found", target="tt6"),
    metric("tmdb", "search", hours_ago=4, ms=200, level=3, target="tt6"),
    metric("tmdb", "details", hours_ago=4, ms=150, level=3, confidence=0.7, target="tt6"),
    metric("omdb", "omdb_by_id", hours_ago=4, ms=300, target="tt6"),
    # tt7: a /find hit verified by a details call without a confidence, accepted with no
    # further call.
    metric("tmdb", "find", hours_ago=5, ms=100, level=1, target="tt7"),
    metric("tmdb", "details", hours_ago=5, ms=60, level=1, target="tt7"),
    # tt9: matched three days ago; tt10: ten days ago, in neither window.
    metric("tmdb", "find", hours_ago=72, ms=1000, level=1, target="tt9"),
    metric("tmdb", "details", hours_ago=72, ms=1000, level=1, confidence=0.9, target="tt9"),
    metric("tmdb", "find", hours_ago=240, ms=5000, level=1, target="tt10"),
    # tt4 by OMDb; tt5 not on OMDb, from its IMDb page.
    metric("omdb", "omdb_by_id", ms=300, cost=0.001, target="tt4"),
    metric("omdb", "omdb_by_id", ms=300, error="not_found", target="tt5"),
    metric("imdb", "title_page", ms=700, cost=0.002, target="tt5"),
    metric("festival_scraper", "event_page", ms=900, target="cannes|2016"),
]
SCENARIO_MOVIES = [
    resolved("tt1", "tmdb", level=1, confidence=1.0),
    resolved("tt2", "tmdb", level=2, confidence=0.85),
    resolved("tt4", "omdb", confidence=0.95),
    resolved("tt5", "imdb", confidence=1.0),
    resolved("tt6", "omdb", confidence=0.9),
    resolved("tt7", "tmdb", level=1, confidence=0.8),
    resolved("tt9", "tmdb", level=1, confidence=0.9),
    resolved("tt10", "tmdb", level=1, confidence=0.1),
    # Stored, but not looked up in any window: counts nowhere.
    resolved("tt99", "tmdb", level=1, confidence=0.2),
]


def seed_scenario(engine: Engine) -> None:
    store_movies(engine, SCENARIO_MOVIES)
    insert_metrics(engine, SCENARIO)


def test_windows_split_calls_rates_latency_and_errors(migrated_engine: Engine) -> None:
    seed_scenario(migrated_engine)
    report = compute_health(migrated_engine, now=NOW)

    day = report.window("24h")
    tmdb = day.source("tmdb")
    assert (tmdb.calls, tmdb.successes) == (11, 10)
    assert tmdb.success_rate == pytest.approx(10 / 11)
    assert tmdb.avg_ms == pytest.approx(2160 / 11)
    assert tmdb.p95_ms == 500  # nearest rank: the 11th of 11
    assert tmdb.errors == {"not_found": 2, "timeout": 1}
    # `not_found` is an answer: counted apart, not as an error.
    assert (tmdb.error_count, tmdb.not_found_count) == (1, 2)
    omdb = day.source("omdb")
    assert (omdb.error_count, omdb.not_found_count) == (0, 1)
    assert (day.totals.error_count, day.totals.not_found_count) == (1, 3)
    assert day.by_operation[("tmdb", "find")].p95_ms == 300
    assert day.by_operation[("tmdb", "find")].calls == 5
    assert day.by_operation[("tmdb", "details")].calls == 4
    assert omdb.cost_usd == pytest.approx(0.001)
    assert day.source("festival_scraper").avg_ms == 900
    assert day.totals.calls == 16
    assert day.totals.cost_usd == pytest.approx(0.003)

    week = report.window("7d")
    assert week.source("tmdb").calls == 13
    assert week.source("tmdb").p95_ms == 1000
    assert week.totals.calls == 18  # the 10-day-old row is in neither window
    assert report.oldest_metric_age_days == pytest.approx(10.0)


def test_fallback_levels_match_rates_and_films(migrated_engine: Engine) -> None:
    seed_scenario(migrated_engine)
    report = compute_health(migrated_engine, now=NOW)

    day = report.window("24h")
    # Level 1: five finds; tt1 and tt7 (verified, no details call with a confidence) matched.
    assert (day.fallback[1].attempts, day.fallback[1].successes) == (5, 2)
    assert day.fallback[1].avg_confidence == pytest.approx(0.9)
    assert (day.fallback[2].attempts, day.fallback[2].successes) == (1, 1)
    assert day.fallback[2].avg_confidence == pytest.approx(0.85)
    # Level 3: tt6's details row carries 0.7, but the film was stored from OMDb.
    assert (day.fallback[3].attempts, day.fallback[3].successes) == (1, 0)
    assert day.fallback[3].avg_confidence is None
    assert set(day.fallback) == {1, 2, 3}
    assert (day.matches["tmdb"].attempted, day.matches["tmdb"].resolved) == (5, 3)
    assert (day.matches["omdb"].attempted, day.matches["omdb"].resolved) == (3, 2)
    assert (day.matches["imdb"].attempted, day.matches["imdb"].resolved) == (1, 1)
    assert "festival_scraper" not in day.matches
    assert day.films == 7
    assert day.cost_per_film == pytest.approx(0.003 / 7)

    week = report.window("7d")
    assert (week.fallback[1].attempts, week.fallback[1].successes) == (6, 3)
    assert week.fallback[1].avg_confidence == pytest.approx(0.9)
    assert week.matches["tmdb"].match_rate == pytest.approx(4 / 6)
    assert week.films == 8


def test_a_tmdb_details_row_is_no_match_unless_the_film_is_stored_from_tmdb(
    migrated_engine: Engine,
) -> None:
    """A details row is fetched before acceptance and carries the confidence whether or not
    the record is then accepted; only the film's `movies` row says what was."""
    rows = []
    for film in ("tt1", "tt2", "tt3", "tt4"):
        rows += [
            metric("tmdb", "find", level=1, target=film),
            metric("tmdb", "details", level=1, confidence=0.95, target=film),
        ]
    rows.append(metric("omdb", "omdb_by_id", target="tt1"))
    rows.append(metric("imdb", "title_page", target="tt2"))
    insert_metrics(migrated_engine, rows)
    store_movies(
        migrated_engine,
        [
            resolved("tt1", "omdb", confidence=0.95),
            resolved("tt2", "imdb", confidence=1.0),
            resolved("tt3", "stub"),
            # tt4: no movies row yet (its run is still under way).
        ],
    )
    day = compute_health(migrated_engine, now=NOW).window("24h")
    assert (day.matches["tmdb"].attempted, day.matches["tmdb"].resolved) == (4, 0)
    assert (day.fallback[1].attempts, day.fallback[1].successes) == (4, 0)
    assert day.fallback[1].avg_confidence is None
    assert (day.matches["omdb"].attempted, day.matches["omdb"].resolved) == (1, 1)
    assert (day.matches["imdb"].attempted, day.matches["imdb"].resolved) == (1, 1)

    # The same calls once tt3 is stored from TMDb at level 2: one match, at its stored level.
    store_movies(migrated_engine, [resolved("tt3", "tmdb", level=2, confidence=0.6)])
    day = compute_health(migrated_engine, now=NOW).window("24h")
    assert (day.matches["tmdb"].attempted, day.matches["tmdb"].resolved) == (4, 1)
    assert day.fallback[1].successes == 0
    assert (day.fallback[2].attempts, day.fallback[2].successes) == (0, 1)
    assert day.fallback[2].avg_confidence == pytest.approx(0.6)


def test_films_answered_by_an_imdb_graphql_batch_count_for_imdb(migrated_engine: Engine) -> None:
    """One `graphql_titles` row per request, its films only in the metadata's ids: IMDb's
    match rate counts them (the WAF leaves no title page to count)."""

    def batch(ids: list[str], hours_ago: float = 1.0) -> dict[str, Any]:
        row = metric("imdb", "graphql_titles", hours_ago=hours_ago, target=f"{ids[0]}..")
        return {**row, "metadata": {"festival": "cannes", "ids": ids, "batch_size": len(ids)}}

    insert_metrics(
        migrated_engine,
        [
            batch(["tt21", "tt22", "tt23"]),
            # tt23: null in the batch, then its title page said nothing either.
            metric("imdb", "title_page", error="not_found", target="tt23"),
            metric("omdb", "omdb_by_id", error="not_found", target="tt21"),
            batch(["tt24"], hours_ago=72),  # in the week only
            {**metric("imdb", "graphql_titles"), "metadata": {"festival": "cannes"}},  # no ids
        ],
    )
    store_movies(
        migrated_engine,
        [
            resolved("tt21", "imdb", confidence=1.0),
            resolved("tt22", "imdb", confidence=1.0),
            resolved("tt23", "stub"),
            resolved("tt24", "imdb", confidence=1.0),
        ],
    )
    report = compute_health(migrated_engine, now=NOW)
    day = report.window("24h")
    assert (day.matches["imdb"].attempted, day.matches["imdb"].resolved) == (3, 2)
    assert (day.matches["omdb"].attempted, day.matches["omdb"].resolved) == (1, 0)
    assert day.films == 3
    assert day.source("imdb").calls == 3  # one row per request, not per film
    week = report.window("7d")
    assert (week.matches["imdb"].attempted, week.matches["imdb"].resolved) == (4, 3)
    assert week.films == 4


def test_not_found_answers_are_not_errors(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, tmdb_calls(10, 3))  # 5 found, 5 not_found, 3 timeouts
    insert_metrics(
        migrated_engine,
        [metric("imdb", "title_page", error="not_found", target=f"tt{i}") for i in range(4)],
    )
    day = compute_health(migrated_engine, now=NOW).window("24h")
    tmdb = day.source("tmdb")
    assert tmdb.errors == {"not_found": 5, "timeout": 3}
    assert (tmdb.successes, tmdb.error_count, tmdb.not_found_count) == (10, 3, 5)
    imdb = day.source("imdb")
    assert (imdb.success_rate, imdb.error_count, imdb.not_found_count) == (1.0, 0, 4)
    assert (day.totals.error_count, day.totals.not_found_count) == (3, 9)


def test_an_empty_table_gives_undefined_rates_not_zeros(migrated_engine: Engine) -> None:
    report = compute_health(migrated_engine, now=NOW)
    day = report.window("24h")
    assert day.source("tmdb").success_rate is None
    assert day.source("tmdb").avg_ms is None
    assert day.films == 0 and day.cost_per_film is None
    assert report.oldest_metric_at is None


def test_aggregation_agrees_with_a_row_by_row_reference(migrated_engine: Engine) -> None:
    """Synthetic traffic over 8 days: every figure equals a plain Python computation over the
    metric rows and the films' `movies` rows."""
    rows, movies = synthetic_traffic(3000, now=NOW, days=8, seed=12, mix=Mix(tmdb_outage=0.1))
    store_traffic(migrated_engine, rows, movies)
    windows = windows_from_hours({"6h": 6, "24h": 24, "7d": 168})
    report = compute_health(migrated_engine, windows, now=NOW)
    by_film = {movie["imdb_id"]: movie for movie in movies}
    for window in windows:
        _assert_matches_reference(report.window(window.label), rows, by_film, window)
    _assert_traffic_exercises_the_rules(rows, by_film, NOW - timedelta(hours=168))


def _assert_matches_reference(
    health: WindowHealth,
    rows: list[dict[str, Any]],
    movies: dict[str, dict[str, Any]],
    window: Window,
) -> None:
    inside = [r for r in rows if r["inserted_at"] >= NOW - timedelta(hours=window.hours)]
    by_source = defaultdict(list)
    for row in inside:
        by_source[row["source"]].append(row)
    for source, all_rows in by_source.items():
        stats = health.source(source)
        source_rows = [r for r in all_rows if r["origin"] == "service"]
        assert stats.calls == len(source_rows)
        assert stats.successes == sum(r["success"] for r in source_rows)
        assert stats.cache_hits == sum(r["origin"] in ("http_cache", "replay") for r in all_rows)
        assert stats.refused == sum(r["origin"] == "refused" for r in all_rows)
        assert stats.attempts == sum(r["attempts"] for r in all_rows)
        failed: Counter[str] = Counter()
        for row in all_rows:
            failed.update(row["attempt_errors"] or {})
        assert stats.attempt_errors == dict(failed)
        if stats.attempts:
            assert stats.attempt_error_rate == pytest.approx(sum(failed.values()) / stats.attempts)
        times = sorted(r["response_time_ms"] for r in source_rows)
        assert stats.avg_ms == pytest.approx(sum(times) / len(times))
        assert stats.p95_ms == times[math.ceil(0.95 * len(times)) - 1]
        assert stats.cost_usd == pytest.approx(sum(r["cost_usd"] for r in all_rows))
        errors = Counter(r["error_type"] for r in source_rows if r["error_type"])
        assert stats.errors == dict(errors)
        assert stats.not_found_count == errors["not_found"]
        assert stats.error_count == sum(errors.values()) - errors["not_found"]
    lookups = [r for r in inside if r["operation"] in sum(LOOKUP_OPERATIONS.values(), ())]
    assert health.films == len({r["target_identifier"] for r in lookups})
    for source in LOOKUP_OPERATIONS:
        asked = {r["target_identifier"] for r in lookups if r["source"] == source}
        resolved_films = {f for f in asked if f in movies and movies[f]["data_source"] == source}
        match = health.matches.get(source) or MatchStats()
        assert (match.attempted, match.resolved) == (len(asked), len(resolved_films))
    asked_tmdb = {r["target_identifier"] for r in lookups if r["source"] == "tmdb"}
    for level in range(1, 7):
        attempts = sum(
            1
            for r in inside
            if r["source"] == "tmdb"
            and r["operation"] in ("find", "search")
            and r["fallback_level"] == level
        )
        confidences = [
            movies[f]["lookup_confidence"]
            for f in asked_tmdb
            if f in movies
            and movies[f]["data_source"] == "tmdb"
            and movies[f]["fallback_level"] == level
        ]
        stats = health.fallback.get(level) or FallbackStats()
        assert (stats.attempts, stats.successes) == (attempts, len(confidences))
        if confidences:
            assert stats.avg_confidence == pytest.approx(sum(confidences) / len(confidences))
        else:
            assert stats.avg_confidence is None


def _assert_traffic_exercises_the_rules(
    rows: list[dict[str, Any]], movies: dict[str, dict[str, Any]], since: datetime
) -> None:
    """The synthetic traffic holds the cases where call rows and `movies` disagree, so the
    reference comparison above is not satisfied by the old row-based rule by chance."""
    recent = [r for r in rows if r["inserted_at"] >= since]
    confident_details = {
        r["target_identifier"]
        for r in recent
        if r["operation"] == "details" and r["confidence_score"] is not None
    }
    from_tmdb = {f for f, m in movies.items() if m["data_source"] == "tmdb"}
    asked_tmdb = {r["target_identifier"] for r in recent if r["source"] == "tmdb"}
    # Details fetched with a confidence, then rejected: the film is stored from elsewhere.
    assert confident_details - from_tmdb
    # Matched without a details row carrying a confidence (a verified /find hit).
    assert (asked_tmdb & from_tmdb) - confident_details
    # Asked but not stored yet (deferred) or stored from the festival page alone.
    assert {r["target_identifier"] for r in recent} - set(movies)
    assert any(m["data_source"] == "festival" for m in movies.values())
    # Every origin, and retries that won as well as calls whose every attempt failed.
    assert {r["origin"] for r in recent} == {"service", "http_cache", "replay", "refused"}
    assert any(r["attempt_errors"] and r["success"] for r in recent)
    assert any(r["attempt_errors"] and not r["success"] for r in recent)
    # Looked up again: films retried on TMDb after an earlier run stored them elsewhere.
    retried = {
        r["target_identifier"]
        for r in recent
        if r["metadata"].get("step") == "placeholder_enrichment"
    }
    assert retried and any(movies[f]["data_source"] == "tmdb" for f in retried)
    assert any(movies[f]["data_source"] != "tmdb" for f in retried)


def test_windows_are_validated() -> None:
    assert [w.label for w in windows_from_hours({"7d": 168, "1h": 1})] == ["1h", "7d"]
    with pytest.raises(ValueError, match="positive"):
        windows_from_hours({"bad": 0})
    with pytest.raises(ValueError, match="letters"):
        windows_from_hours({"24 h": 24})
    with pytest.raises(ValueError, match="at least one"):
        windows_from_hours({})


def test_sqlite_reads_only_the_window_through_indexes(sqlite_url: str) -> None:
    """Without ANALYZE statistics, no health query may scan the whole metrics table, the
    films' `movies` rows are looked up by their IMDb id, and the films created per edition
    are found through the `created_at` index, never by scanning `movies`."""
    engine = create_database_engine(sqlite_url)
    upgrade(engine)
    seed_scenario(engine)
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    compute_health(engine, now=NOW)
    event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) >= 4
    joined = 0
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = [row[-1] for row in plan]
            if "festival_nominations" in statement:
                assert any("ix_movies_created_at" in d for d in details), details
                assert not any(d.startswith("SCAN") for d in details), details
                continue
            touching = [d for d in details if "api_lookup_metrics" in d]
            assert touching, details
            assert all(d.startswith("SEARCH") for d in touching), (statement, details)
            movies = [d for d in details if re.search(r"\bmovies\b", d)]
            assert all("(imdb_id=?)" in d for d in movies), (statement, details)
            joined += len(movies)
    assert joined == 1  # the one query that joins the films to their movies rows
    engine.dispose()
