"""Jobs: selections of assets that sensors and schedules launch."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.festival_import.common import GROUP
from cinegraph_pipeline.partitions import edition_partitions

festival_import_job = dg.define_asset_job(
    "festival_import_job",
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=edition_partitions,
    description="Imports one festival edition end to end: scrape, TMDb, OMDb, IMDb, stubs, write.",
)
