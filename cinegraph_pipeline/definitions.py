"""The code location: every asset, check, sensor, schedule and resource of the pipeline."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.api_health import api_health
from cinegraph_pipeline.assets.film_database import film_database
from cinegraph_pipeline.assets.metrics_retention import metrics_retention
from cinegraph_pipeline.schedules.health import (
    HEALTH_JOBS,
    HEALTH_SCHEDULES,
    api_health_after_imports,
)
from cinegraph_pipeline.sensors.alerts import api_health_alerts
from cinegraph_pipeline.storage.resource import DatabaseResource

# API health (issue 7). The per-edition checks attach to the edition write once it exists:
# `*build_edition_checks("edition_write")` from cinegraph_pipeline.checks.edition in
# asset_checks.
HEALTH_ASSETS = [api_health, metrics_retention]
HEALTH_SENSORS = [api_health_alerts, api_health_after_imports]

defs = dg.Definitions(
    assets=[film_database, *HEALTH_ASSETS],
    jobs=[*HEALTH_JOBS],
    schedules=[*HEALTH_SCHEDULES],
    sensors=[*HEALTH_SENSORS],
    resources={"database": DatabaseResource()},
)
