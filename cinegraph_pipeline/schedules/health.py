"""When `api_health` and `metrics_retention` run.

- `api_health_hourly`: every hour, so the checks notice an outage even when nothing imports.
- `api_health_after_imports`: a sensor that refreshes `api_health` once new editions have been
  written (materializations of `edition_write`), coalescing a backfill's many editions into
  one refresh per interval. It watches asset keys, not definitions, so it runs before the
  edition assets exist and picks them up when they do.
- `metrics_retention_daily`: the nightly prune of metrics beyond the retention.
All are running by default: a fresh deployment is monitored without anyone switching them on.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from cinegraph_pipeline.checks.edition import EDITION_WRITE_KEY

api_health_job = dg.define_asset_job(
    "api_health_job",
    selection=dg.AssetSelection.assets("api_health"),
    description="Aggregates the API metrics into api_health and runs its checks.",
)

metrics_retention_job = dg.define_asset_job(
    "metrics_retention_job",
    selection=dg.AssetSelection.assets("metrics_retention"),
    description="Prunes API metrics older than the retention, in batches.",
)

api_health_hourly = dg.ScheduleDefinition(
    name="api_health_hourly",
    job=api_health_job,
    cron_schedule="5 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refreshes api_health and its checks every hour.",
)

metrics_retention_daily = dg.ScheduleDefinition(
    name="metrics_retention_daily",
    job=metrics_retention_job,
    cron_schedule="15 4 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Prunes API metrics beyond the retention every night at 04:15 UTC.",
)


def build_refresh_sensor(
    watched: Sequence[dg.AssetKey] = (EDITION_WRITE_KEY,),
    minimum_interval_seconds: int = 300,
) -> dg.SensorDefinition:
    """A sensor requesting one `api_health` run when any `watched` asset was materialized
    since its last request (its cursor is the newest event storage id it acted on)."""
    keys = tuple(watched)

    @dg.sensor(
        name="api_health_after_imports",
        job=api_health_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=minimum_interval_seconds,
        description="Refreshes api_health after editions are imported (new materializations "
        f"of {', '.join(k.to_user_string() for k in keys)}), at most once per "
        f"{minimum_interval_seconds // 60} minutes.",
    )
    def api_health_after_imports(
        context: dg.SensorEvaluationContext,
    ) -> dg.SensorResult | dg.SkipReason:
        last_acted = int(context.cursor) if context.cursor else 0
        newest = 0
        for key in keys:
            records = context.instance.fetch_materializations(key, limit=1).records
            if records:
                newest = max(newest, records[0].storage_id)
        if newest <= last_acted:
            return dg.SkipReason("no edition written since the last refresh")
        return dg.SensorResult(
            run_requests=[dg.RunRequest(run_key=f"after-imports-{newest}")],
            cursor=str(newest),
        )

    return api_health_after_imports


api_health_after_imports = build_refresh_sensor()

HEALTH_SCHEDULES = [api_health_hourly, metrics_retention_daily]
HEALTH_JOBS = [api_health_job, metrics_retention_job]
