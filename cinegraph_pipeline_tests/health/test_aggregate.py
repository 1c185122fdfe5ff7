"""The SQL aggregation behind api_health, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from cinegraph_pipeline.health.aggregate import (
    LOOKUP_OPERATIONS,
    MatchStats,
    Window,
    WindowHealth,
    compute_health,
    windows_from_hours,
)
from cinegraph_pipeline.health.synthetic import Mix, synthetic_rows
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import NOW, metric

SCENARIO = [
    metric("tmdb", "find", hours_ago=1, ms=100, level=1, target="tt1"),
    metric("tmdb", "find", hours_ago=2, ms=200, level=1, error="not_found", target="tt2"),
    metric(
        "tmdb", "find", hours_ago=3, ms=300, level=1, success=False, error="timeout", target="tt3"
    ),
    metric("tmdb", "search", hours_ago=2, ms=400, level=2, target="tt2"),
    metric("tmdb", "details", hours_ago=2, ms=500, level=2, confidence=0.85, target="tt2"),
    metric("tmdb", "details", hours_ago=1, ms=50, level=1, confidence=1.0, target="tt1"),
    metric("tmdb", "find", hours_ago=72, ms=1000, level=1, target="tt9"),
    metric("tmdb", "details", hours_ago=72, ms=1000, level=1, confidence=0.9, target="tt9"),
    metric("tmdb", "find", hours_ago=240, ms=5000, level=1, target="tt10"),
    metric("omdb", "omdb_by_id", ms=300, cost=0.001, target="tt4"),
    metric("omdb", "omdb_by_id", ms=300, error="not_found", target="tt5"),
    metric("imdb", "title_page", ms=700, cost=0.002, target="tt5"),
    metric("festival_scraper", "event_page", ms=900, target="cannes|2016"),
]


def test_windows_split_calls_rates_latency_and_errors(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, SCENARIO)
    report = compute_health(migrated_engine, now=NOW)

    day = report.window("24h")
    tmdb = day.source("tmdb")
    assert (tmdb.calls, tmdb.successes) == (6, 5)
    assert tmdb.success_rate == pytest.approx(5 / 6)
    assert tmdb.avg_ms == pytest.approx(1550 / 6)
    assert tmdb.p95_ms == 500  # nearest rank: the 6th of 6
    assert tmdb.errors == {"not_found": 1, "timeout": 1}
    assert day.by_operation[("tmdb", "find")].p95_ms == 300
    assert day.by_operation[("tmdb", "find")].calls == 3
    assert day.source("omdb").cost_usd == pytest.approx(0.001)
    assert day.source("festival_scraper").avg_ms == 900
    assert day.totals.calls == 10
    assert day.totals.cost_usd == pytest.approx(0.003)

    week = report.window("7d")
    assert week.source("tmdb").calls == 8
    assert week.source("tmdb").p95_ms == 1000
    assert week.totals.calls == 12  # the 10-day-old row is in neither window
    assert report.oldest_metric_age_days == pytest.approx(10.0)


def test_fallback_levels_match_rates_and_films(migrated_engine: Engine) -> None:
    insert_metrics(migrated_engine, SCENARIO)
    report = compute_health(migrated_engine, now=NOW)

    day = report.window("24h")
    assert (day.fallback[1].attempts, day.fallback[1].successes) == (3, 1)
    assert day.fallback[1].avg_confidence == pytest.approx(1.0)
    assert (day.fallback[2].attempts, day.fallback[2].successes) == (1, 1)
    assert day.fallback[2].avg_confidence == pytest.approx(0.85)
    assert (day.matches["tmdb"].attempted, day.matches["tmdb"].resolved) == (3, 2)
    assert (day.matches["omdb"].attempted, day.matches["omdb"].resolved) == (2, 1)
    assert (day.matches["imdb"].attempted, day.matches["imdb"].resolved) == (1, 1)
    assert "festival_scraper" not in day.matches
    assert day.films == 5
    assert day.cost_per_film == pytest.approx(0.003 / 5)

    week = report.window("7d")
    assert (week.fallback[1].attempts, week.fallback[1].successes) == (4, 2)
    assert week.fallback[1].avg_confidence == pytest.approx(0.95)
    assert week.matches["tmdb"].match_rate == pytest.approx(3 / 4)
    assert week.films == 6


def test_an_empty_table_gives_undefined_rates_not_zeros(migrated_engine: Engine) -> None:
    report = compute_health(migrated_engine, now=NOW)
    day = report.window("24h")
    assert day.source("tmdb").success_rate is None
    assert day.source("tmdb").avg_ms is None
    assert day.films == 0 and day.cost_per_film is None
    assert report.oldest_metric_at is None


def test_aggregation_agrees_with_a_row_by_row_reference(migrated_engine: Engine) -> None:
    """Synthetic traffic over 8 days: every figure equals a plain Python computation."""
    rows = list(synthetic_rows(3000, now=NOW, days=8, films=400, seed=11, mix=Mix(tmdb_outage=0.1)))
    insert_metrics(migrated_engine, rows)
    windows = windows_from_hours({"6h": 6, "24h": 24, "7d": 168})
    report = compute_health(migrated_engine, windows, now=NOW)
    for window in windows:
        _assert_matches_reference(report.window(window.label), rows, window)


def _assert_matches_reference(
    health: WindowHealth, rows: list[dict[str, Any]], window: Window
) -> None:
    inside = [r for r in rows if r["inserted_at"] >= NOW - timedelta(hours=window.hours)]
    by_source = defaultdict(list)
    for row in inside:
        by_source[row["source"]].append(row)
    for source, source_rows in by_source.items():
        stats = health.source(source)
        assert stats.calls == len(source_rows)
        assert stats.successes == sum(r["success"] for r in source_rows)
        times = sorted(r["response_time_ms"] for r in source_rows)
        assert stats.avg_ms == pytest.approx(sum(times) / len(times))
        assert stats.p95_ms == times[math.ceil(0.95 * len(times)) - 1]
        assert stats.cost_usd == pytest.approx(sum(r["cost_usd"] for r in source_rows))
    lookups = [r for r in inside if r["operation"] in sum(LOOKUP_OPERATIONS.values(), ())]
    assert health.films == len({r["target_identifier"] for r in lookups})
    for source in LOOKUP_OPERATIONS:
        asked = {r["target_identifier"] for r in lookups if r["source"] == source}
        resolved = {
            r["target_identifier"]
            for r in lookups
            if r["source"] == source
            and (
                (source == "tmdb" and r["operation"] == "details" and r["confidence_score"])
                or (source != "tmdb" and r["success"] and r["error_type"] is None)
            )
        }
        match = health.matches.get(source) or MatchStats()
        assert (match.attempted, match.resolved) == (len(asked), len(resolved))
    for level in range(1, 7):
        attempts = sum(
            1
            for r in inside
            if r["source"] == "tmdb"
            and r["operation"] in ("find", "search")
            and r["fallback_level"] == level
        )
        stats = health.fallback.get(level)
        assert (stats.attempts if stats else 0) == attempts


def test_windows_are_validated() -> None:
    assert [w.label for w in windows_from_hours({"7d": 168, "1h": 1})] == ["1h", "7d"]
    with pytest.raises(ValueError, match="positive"):
        windows_from_hours({"bad": 0})
    with pytest.raises(ValueError, match="letters"):
        windows_from_hours({"24 h": 24})
    with pytest.raises(ValueError, match="at least one"):
        windows_from_hours({})


def test_sqlite_reads_only_the_window_through_indexes(sqlite_url: str) -> None:
    """Without ANALYZE statistics, no health query may scan the whole metrics table."""
    engine = create_database_engine(sqlite_url)
    upgrade(engine)
    insert_metrics(engine, SCENARIO)
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    compute_health(engine, now=NOW)
    event.remove(engine, "before_cursor_execute", capture)
    assert len(statements) >= 4
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            details = [row[-1] for row in plan]
            touching = [d for d in details if "api_lookup_metrics" in d]
            assert touching, details
            assert all(d.startswith("SEARCH") for d in touching), (statement, details)
    engine.dispose()
