"""api_health materialized through Dagster: metadata keys, charts, checks, config."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import dagster as dg
import pytest

from cinegraph_pipeline.assets.api_health import api_health
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import metric, tmdb_calls


def seed(url: str) -> None:
    engine = create_database_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    rows = tmdb_calls(60, 40, ms=120)
    rows += [metric("omdb", "omdb_by_id", ms=250, target=f"tt{i}", now=now) for i in range(30)]
    for row in rows:
        row["inserted_at"] = now
    insert_metrics(engine, rows)
    engine.dispose()


def materialize(url: str, **config: object) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [api_health],
        resources={"database": DatabaseResource(url=url)},
        run_config={"ops": {"api_health": {"config": config}}},
    )


def test_materialization_carries_stable_metadata(database_url: str) -> None:
    seed(database_url)
    result = materialize(database_url)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("api_health")
    metadata = materialization.metadata
    assert next(iter(metadata)) == "sources"  # the dashboard comes first
    for window in ("1h", "24h", "7d"):
        for source in ("tmdb", "omdb", "imdb", "festival_scraper"):
            for measure in (
                "calls",
                "success_rate",
                "attempts",
                "attempt_error_rate",
                "cache_hit_rate",
                "refused",
            ):
                assert f"{source}_{measure}_{window}" in metadata, (source, measure, window)
    for key in (
        "tmdb_match_rate_24h",
        "omdb_avg_ms_24h",
        "imdb_p95_ms_24h",
        "calls_24h",
        "cost_usd_24h",
        "cost_per_film_usd_24h",
        "oldest_metric_age_days",
    ):
        assert key in metadata, key
    assert metadata["tmdb_success_rate_24h"].value == pytest.approx(0.6)
    assert metadata["tmdb_attempts_24h"].value == 100
    assert metadata["omdb_avg_ms_24h"].value == pytest.approx(250)
    assert metadata["calls_24h"].value == 130
    assert metadata["imdb_avg_ms_24h"].value is None  # no IMDb calls: undefined, not 0
    assert metadata["imdb_attempt_error_rate_24h"].value is None
    # No film is stored: asked of TMDb 100 times, matched by none.
    assert metadata["tmdb_match_rate_24h"].value == 0.0
    sources = {row.data["Source"]: row.data for row in metadata["sources"].records}
    tmdb = sources["TMDb API"]
    assert (tmdb["Success rate"], tmdb["Avg response"], tmdb["p95"]) == (
        "60.0%",
        "120 ms",
        "120 ms",
    )
    assert tmdb["Last 24h (successes / calls)"] == "60/100"
    assert tmdb["Status"] == "failing"
    assert sources["OMDb API"]["Status"] == "healthy"
    assert sources["IMDb"]["Status"] == "not judged"
    operations = {
        (row.data["source"], row.data["operation"]): row.data
        for row in metadata["operations"].records
    }
    assert operations[("tmdb", "find")]["errors"] == "timeout 40"
    assert operations[("tmdb", "find")]["not found"] == 30
    assert not any(key.startswith("chart_") for key in metadata)  # PNG charts are opt-in


def test_charts_are_an_option(sqlite_url: str) -> None:
    seed(sqlite_url)
    metadata = (
        materialize(sqlite_url, charts=True)
        .asset_materializations_for_node("api_health")[0]
        .metadata
    )
    for chart in ("success_rate", "response_time", "error_types", "fallback_levels"):
        markdown = metadata[f"chart_{chart}"].value
        encoded = markdown.split("data:image/png;base64,", 1)[1].rstrip(")")
        assert base64.b64decode(encoded).startswith(b"\x89PNG\r\n\x1a\n")


def test_checks_are_reported_with_the_materialization(database_url: str) -> None:
    seed(database_url)
    result = materialize(database_url)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    tmdb = evaluations["tmdb_success_rate"]
    assert not tmdb.passed
    assert tmdb.severity == dg.AssetCheckSeverity.ERROR
    assert tmdb.metadata["measured"].value == pytest.approx(0.6)
    assert evaluations["omdb_avg_response_time"].passed
    # No IMDb or scraper calls: those checks are not evaluated, and say why.
    for name in (
        "imdb_avg_response_time",
        "imdb_match_rate",
        "festival_scraper_attempt_error_rate",
    ):
        assert name not in evaluations
    metadata = result.asset_materializations_for_node("api_health")[0].metadata
    assert (
        "`imdb_match_rate`: imdb was asked about 0 films" in metadata["checks_not_evaluated"].value
    )


def test_thresholds_and_windows_come_from_config(sqlite_url: str) -> None:
    seed(sqlite_url)
    result = materialize(
        sqlite_url,
        charts=False,
        windows_hours={"1h": 1, "30d": 720},
        check_window="30d",
        thresholds={"tmdb_success_warn": 0.55, "tmdb_success_error": 0.5},
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["tmdb_success_rate"].passed
    metadata = result.asset_materializations_for_node("api_health")[0].metadata
    assert "calls_30d" in metadata and "tmdb_attempt_error_rate_1h" in metadata


def test_an_unknown_check_window_fails_with_a_clear_message(sqlite_url: str) -> None:
    seed(sqlite_url)
    with pytest.raises(dg.Failure, match="check_window '2h' is not one of"):
        materialize(sqlite_url, check_window="2h")
