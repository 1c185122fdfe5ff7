"""`api_health`: the health of every external source, from `api_lookup_metrics`.

Refreshed every hour and after the assets it depends on are materialized (declarative
automation). Its numeric metadata (success rate,
latency, match rate, cost per source and window) is plotted by the UI over time, its charts
show the latest snapshot, and its checks judge the checked window against the thresholds.
"""

# No `from __future__ import annotations` here: Dagster reads the config class from the
# asset function's annotations at decoration time and cannot resolve it from a string.

from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from cinegraph_pipeline.checks.api_health import API_HEALTH_CHECK_SPECS, evaluate_api_health_checks
from cinegraph_pipeline.health.aggregate import compute_health, windows_from_hours
from cinegraph_pipeline.health.charts import render_charts
from cinegraph_pipeline.health.summary import markdown_summary, numeric_metadata
from cinegraph_pipeline.health.thresholds import HealthThresholds
from cinegraph_pipeline.storage.resource import DatabaseResource

API_HEALTH_GROUP = "api_health"
API_HEALTH_KEY = "api_health"
# What api_health aggregates: the metrics every API-calling asset writes, and the `movies`
# rows the match rates count (written by the edition write and the enrichment).
API_HEALTH_DEPS = (
    "edition_nominations_scraped",
    "edition_tmdb_matches",
    "edition_omdb_matches",
    "edition_imdb_matches",
    "edition_write",
    "placeholder_enrichment",
    "edition_discovery",
    "metrics_retention",
)
HOURLY = "5 * * * *"
API_HEALTH_AUTOMATION = (
    (
        dg.AutomationCondition.cron_tick_passed(HOURLY, "UTC")
        | dg.AutomationCondition.any_deps_updated()
    ).since_last_handled()
    & ~dg.AutomationCondition.in_progress()
).with_label("hourly, and after what it aggregates was materialized")


class ApiHealthConfig(dg.Config):
    """Windows, the window the checks judge, and the thresholds."""

    windows_hours: dict[str, float] = Field(
        default={"24h": 24.0, "7d": 168.0},
        description="Trailing windows to aggregate, label -> hours; labels end metadata keys.",
    )
    check_window: str = Field(default="24h", description="The window the checks judge.")
    thresholds: HealthThresholds = Field(default_factory=HealthThresholds)
    charts: bool = Field(default=True, description="Render the PNG charts into the metadata.")


def build_api_health_result(
    engine: Engine,
    config: ApiHealthConfig | None = None,
    now: datetime | None = None,
) -> dg.MaterializeResult:
    """The whole computation of the asset, callable outside Dagster (benchmarks, tests)."""
    settings = config or ApiHealthConfig()
    windows = windows_from_hours(settings.windows_hours)
    if settings.check_window not in {w.label for w in windows}:
        raise dg.Failure(
            f"check_window {settings.check_window!r} is not one of the configured windows "
            f"{sorted(settings.windows_hours)}",
            allow_retries=False,
        )
    report = compute_health(engine, windows, now)
    checked = report.window(settings.check_window)
    # The tables and charts first: the UI lists metadata in this order.
    metadata: dict[str, Any] = {
        "summary": dg.MetadataValue.md(markdown_summary(report, settings.check_window))
    }
    if settings.charts:
        for key, markdown in render_charts(checked, settings.thresholds).items():
            metadata[key] = dg.MetadataValue.md(markdown)
    metadata["computed_at"] = dg.MetadataValue.timestamp(report.computed_at)
    metadata.update(numeric_metadata(report, settings.check_window))
    checks = evaluate_api_health_checks(report, settings.thresholds, settings.check_window)
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


@dg.asset(
    key=API_HEALTH_KEY,
    group_name=API_HEALTH_GROUP,
    kinds={"sql", "matplotlib"},
    check_specs=list(API_HEALTH_CHECK_SPECS),
    deps=list(API_HEALTH_DEPS),
    automation_condition=API_HEALTH_AUTOMATION,
)
def api_health(config: ApiHealthConfig, database: DatabaseResource) -> dg.MaterializeResult:
    """Health of TMDb, OMDb, IMDb and the festival scraper over the last 24 hours and 7 days.

    Per source and operation: calls, success rate (the service answered, `not_found`
    included), average and p95 response time, error types and cost; per TMDb fallback level:
    attempts, matches and their confidence; per source, the match rate (films resolved out
    of films asked about). All aggregated in SQL over `api_lookup_metrics`. The checks turn
    the 24-hour figures into WARN/ERROR results with their thresholds.
    """
    return build_api_health_result(database.engine(), config)
