"""When `api_health` and `metrics_retention` run.

- `api_health` carries its own automation condition (`API_HEALTH_AUTOMATION`): once an hour,
  so the checks notice an outage even when nothing imports, and after any of the assets it
  depends on (the stages that call the APIs, the writes of `movies`) was materialized,
  coalesced by the `api_health_automation` sensor's interval into one refresh per few
  minutes during a backfill.
- `metrics_retention_daily`: the nightly prune of metrics beyond the retention.
All are running by default: a fresh deployment is monitored without anyone switching them on.
"""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.api_health import API_HEALTH_KEY

api_health_job = dg.define_asset_job(
    "api_health_job",
    selection=dg.AssetSelection.assets(API_HEALTH_KEY),
    description="Aggregates the API metrics into api_health and runs its checks.",
)

metrics_retention_job = dg.define_asset_job(
    "metrics_retention_job",
    selection=dg.AssetSelection.assets("metrics_retention"),
    description="Prunes API metrics older than the retention, in batches.",
)

metrics_retention_daily = dg.ScheduleDefinition(
    name="metrics_retention_daily",
    job=metrics_retention_job,
    cron_schedule="15 4 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Prunes API metrics beyond the retention every night at 04:15 UTC.",
)

api_health_automation = dg.AutomationConditionSensorDefinition(
    "api_health_automation",
    target=dg.AssetSelection.assets(API_HEALTH_KEY),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=300,
    description="Evaluates api_health's automation condition (hourly, and after imports) "
    "every five minutes.",
)

HEALTH_SCHEDULES = [metrics_retention_daily]
HEALTH_JOBS = [api_health_job, metrics_retention_job]
HEALTH_SENSORS = [api_health_automation]
