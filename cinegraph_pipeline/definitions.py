"""The code location: every asset, check, sensor, schedule and resource of the pipeline."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.api_health import api_health
from cinegraph_pipeline.assets.discovery import edition_discovery
from cinegraph_pipeline.assets.enrichment import placeholder_enrichment
from cinegraph_pipeline.assets.festival_import.scrape import edition_nominations_scraped
from cinegraph_pipeline.assets.festival_import.stages import (
    edition_imdb_matches,
    edition_omdb_matches,
    edition_stubs,
    edition_tmdb_matches,
)
from cinegraph_pipeline.assets.festival_import.write import edition_write
from cinegraph_pipeline.assets.film_database import film_database
from cinegraph_pipeline.assets.metrics_retention import metrics_retention
from cinegraph_pipeline.assets.review import review_queue, review_queue_job
from cinegraph_pipeline.executors import build_executor
from cinegraph_pipeline.jobs import festival_import_job, give_up_pending_job
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.schedules.enrichment import (
    placeholder_enrichment_job,
    placeholder_enrichment_schedule,
)
from cinegraph_pipeline.schedules.health import HEALTH_JOBS, HEALTH_SCHEDULES, HEALTH_SENSORS
from cinegraph_pipeline.sensors.alerts import api_health_alerts
from cinegraph_pipeline.sensors.dead_runs import dead_runs_sensor
from cinegraph_pipeline.sensors.deferred_editions import deferred_editions_sensor

FESTIVAL_IMPORT_ASSETS = [
    edition_nominations_scraped,
    edition_tmdb_matches,
    edition_omdb_matches,
    edition_imdb_matches,
    edition_stubs,
    edition_write,
]
HEALTH_ASSETS = [api_health, metrics_retention]

defs = dg.Definitions(
    assets=[
        *FESTIVAL_IMPORT_ASSETS,
        placeholder_enrichment,
        edition_discovery,
        film_database,
        *HEALTH_ASSETS,
        review_queue,
    ],
    jobs=[
        festival_import_job,
        give_up_pending_job,
        placeholder_enrichment_job,
        *HEALTH_JOBS,
        review_queue_job,
    ],
    sensors=[deferred_editions_sensor, api_health_alerts, dead_runs_sensor, *HEALTH_SENSORS],
    schedules=[placeholder_enrichment_schedule, *HEALTH_SCHEDULES],
    resources=build_resources(),
    executor=build_executor(),
)
