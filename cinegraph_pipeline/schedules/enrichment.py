"""The daily placeholder enrichment run."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.enrichment import placeholder_enrichment

placeholder_enrichment_job = dg.define_asset_job(
    "placeholder_enrichment_job", selection=[placeholder_enrichment]
)

placeholder_enrichment_schedule = dg.ScheduleDefinition(
    name="placeholder_enrichment_daily",
    job=placeholder_enrichment_job,
    cron_schedule="30 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Retries due placeholders against TMDb every day.",
)
