"""The code location: every asset, check, sensor, schedule and resource of the pipeline."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.film_database import film_database
from cinegraph_pipeline.storage.resource import DatabaseResource

defs = dg.Definitions(
    assets=[film_database],
    resources={"database": DatabaseResource()},
)
