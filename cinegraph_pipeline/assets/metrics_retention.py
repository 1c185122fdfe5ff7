"""`metrics_retention`: the daily prune of `api_lookup_metrics` beyond the retention."""

# No `from __future__ import annotations`: Dagster reads the config class from the
# annotations at decoration time.

import dagster as dg
from pydantic import Field

from cinegraph_pipeline.assets.api_health import API_HEALTH_GROUP
from cinegraph_pipeline.health.retention import (
    DEFAULT_BATCH_SIZE,
    prune_metrics,
    retention_cutoff,
)
from cinegraph_pipeline.health.thresholds import DEFAULT_RETENTION_DAYS
from cinegraph_pipeline.storage.resource import DatabaseResource


class RetentionConfig(dg.Config):
    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS, description="Metrics older than this many days go."
    )
    batch_size: int = Field(
        default=DEFAULT_BATCH_SIZE,
        description="Ids per DELETE statement; each batch is its own short transaction.",
    )


@dg.asset(group_name=API_HEALTH_GROUP, kinds={"sql"})
def metrics_retention(
    context: dg.AssetExecutionContext, config: RetentionConfig, database: DatabaseResource
) -> dg.MaterializeResult:
    """Deletes API metrics older than the retention (90 days by default), in batches.

    `api_lookup_metrics` gains a row per external call; without pruning it grows without
    bound and the health aggregation slows down. The prune deletes a few thousand rows per
    transaction so imports writing metrics at the same time are never blocked for long. The
    `no_expired_metrics` check on `api_health` fails when this has stopped running.
    """
    cutoff = retention_cutoff(config.retention_days)

    def progress(batches: int, deleted: int) -> None:
        if batches % 20 == 0:
            context.log.info(f"pruned {deleted} metric rows in {batches} batches so far")

    result = prune_metrics(database.engine(), cutoff, config.batch_size, on_batch=progress)
    context.log.info(
        f"pruned {result.deleted} metric rows older than {cutoff:%Y-%m-%d %H:%M} UTC "
        f"in {result.batches} batches ({result.seconds:.1f} s)"
    )
    metadata: dict[str, dg.RawMetadataValue] = {
        "pruned": dg.MetadataValue.int(result.deleted),
        "batches": dg.MetadataValue.int(result.batches),
        "remaining": dg.MetadataValue.int(result.remaining),
        "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
        "retention_days": dg.MetadataValue.int(config.retention_days),
        "cutoff": dg.MetadataValue.timestamp(cutoff),
    }
    if result.oldest_remaining is not None:
        metadata["oldest_remaining"] = dg.MetadataValue.timestamp(result.oldest_remaining)
    return dg.MaterializeResult(metadata=metadata)
