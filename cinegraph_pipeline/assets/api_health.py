"""`api_health`: the health of every external source, from `api_lookup_metrics`.

Refreshed every hour and after the assets it depends on are materialized (declarative
automation). Its first metadata entry is the seeds' dashboard table; its numeric metadata
(calls, success rate, attempts, attempt error rate, cache hit rate, refusals per source and
window) is plotted by the UI over time, and its checks judge the checked window against the
thresholds. PNG charts are an option (off by default): a snapshot embedded in every hourly
materialization bloats the event log.
"""

# No `from __future__ import annotations` here: Dagster reads the config class from the
# asset function's annotations at decoration time and cannot resolve it from a string.

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from cinegraph_pipeline.checks.api_health import (
    API_HEALTH_CHECK_SPECS,
    NotJudged,
    evaluate_api_health_checks,
)
from cinegraph_pipeline.health.aggregate import compute_health, windows_from_hours
from cinegraph_pipeline.health.charts import render_charts
from cinegraph_pipeline.health.summary import numeric_metadata, table_metadata
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
        default={"1h": 1.0, "24h": 24.0, "7d": 168.0},
        description="Trailing windows to aggregate, label -> hours; labels end metadata keys.",
    )
    check_window: str = Field(default="24h", description="The window the checks judge.")
    thresholds: HealthThresholds = Field(default_factory=HealthThresholds)
    charts: bool = Field(
        default=False,
        description="Also embed PNG charts (about 90 KB per materialization) in the metadata; "
        "the UI plots the numeric keys by itself.",
    )


def build_api_health_result(
    engine: Engine,
    config: ApiHealthConfig | None = None,
    now: datetime | None = None,
) -> dg.MaterializeResult:
    """The whole computation of the asset, callable outside Dagster (benchmarks, tests).
    Checks with too little data to judge get no result (Dagster shows them skipped); why is
    in the `checks_not_evaluated` metadata."""
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
    # The tables first: the UI lists metadata in this order.
    metadata: dict[str, Any] = table_metadata(report, settings.check_window, settings.thresholds)
    if settings.charts:
        for key, markdown in render_charts(checked, settings.thresholds).items():
            metadata[key] = dg.MetadataValue.md(markdown)
    outcomes = evaluate_api_health_checks(report, settings.thresholds, settings.check_window)
    results = [o for o in outcomes if isinstance(o, dg.AssetCheckResult)]
    skipped = [o for o in outcomes if isinstance(o, NotJudged)]
    metadata["checks_not_evaluated"] = dg.MetadataValue.md(
        "\n".join(f"- `{o.check_name}`: {o.reason}" for o in skipped) or "none"
    )
    metadata["computed_at"] = dg.MetadataValue.timestamp(report.computed_at)
    metadata.update(numeric_metadata(report, settings.check_window))
    return dg.MaterializeResult(asset_key="api_health", metadata=metadata, check_results=results)


API_HEALTH_DESCRIPTION = """Health of TMDb, OMDb, IMDb and the festival scraper over the
last hour, 24 hours and 7 days, from `api_lookup_metrics` (SQL aggregation).

Start with the `sources` table (status, success rate, latency, attempts failing, cache hits,
refusals and cost per source), then open the plot `tmdb_attempt_error_rate_24h`: the share of
TMDb's HTTP requests that failed, retries included, rises first when TMDb degrades, while
`tmdb_success_rate_24h` (calls that reached TMDb and got an answer, not_found included) stays
high as long as retries win. Cache hits and local refusals (quota spent, circuit open) are
counted apart and never as calls. Checks with too few calls to judge are skipped, not passed."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            API_HEALTH_KEY,
            group_name=API_HEALTH_GROUP,
            kinds={"sql"},
            description=API_HEALTH_DESCRIPTION,
            deps=list(API_HEALTH_DEPS),
            automation_condition=API_HEALTH_AUTOMATION,
        )
    ],
    check_specs=list(API_HEALTH_CHECK_SPECS),
    # Lets the body leave a check without a result when there is too little data.
    can_subset=True,
)
def api_health(
    context: dg.AssetExecutionContext, config: ApiHealthConfig, database: DatabaseResource
) -> Iterator[dg.MaterializeResult]:
    result = build_api_health_result(database.engine(), config)
    key = dg.AssetKey(API_HEALTH_KEY)
    selected = context.selected_asset_check_keys
    checks = [
        check
        for check in result.check_results or []
        if dg.AssetCheckKey(key, check.check_name or "") in selected
    ]
    if key in context.selected_asset_keys:
        yield dg.MaterializeResult(asset_key=key, metadata=result.metadata, check_results=checks)
    else:  # only checks were selected: their results, without a materialization
        yield from checks
