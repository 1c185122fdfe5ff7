"""Jobs: selections of assets that sensors and schedules launch, and the give-up run.

No `from __future__ import annotations` here: Dagster reads the op's annotations."""

import dagster as dg

from cinegraph_pipeline.assets.festival_import.common import GROUP
from cinegraph_pipeline.partitions import edition_partitions, parse_edition
from cinegraph_pipeline.storage.film_records import give_up_pending
from cinegraph_pipeline.storage.models import utcnow
from cinegraph_pipeline.storage.resource import DatabaseResource

festival_import_job = dg.define_asset_job(
    "festival_import_job",
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=edition_partitions,
    description="Imports one festival edition end to end: scrape, TMDb, OMDb, IMDb, stubs, write.",
)


@dg.op(description="Turns the edition's films still pending into stubs flagged for review.")
def give_up_pending_films(context: dg.OpExecutionContext, database: DatabaseResource) -> int:
    """The retry sensor's decision, written in a run (logged, retried, visible): used when
    the edition's last attempt ended without writing (it crashed or failed)."""
    edition = parse_edition(context.partition_key)
    with database.engine().begin() as conn:
        count = give_up_pending(conn, edition.festival.slug, edition.year, utcnow())
    context.log.info(f"{context.partition_key}: {count} pending films turned into stubs to review")
    context.add_output_metadata({"given_up": count})
    return count


@dg.job(
    partitions_def=edition_partitions,
    description="Gives up on an edition's pending films after the retry sensor's last attempt.",
)
def give_up_pending_job() -> None:
    give_up_pending_films()
