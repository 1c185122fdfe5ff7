"""What every stage of an edition shares: its partition, metrics recorder and retry policy."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from cinegraph_pipeline.partitions import Edition, edition_partitions, parse_edition
from cinegraph_pipeline.sources.tracking import MetricsRecorder
from cinegraph_pipeline.storage.resource import DatabaseResource

GROUP = "festival_import"
FINAL_ATTEMPT_TAG = "cinegraph/final_attempt"
RETRY_ATTEMPT_TAG = "cinegraph/retry_attempt"
# Set on a run that failed for a reason a retry cannot fix (a missing key, an unknown page).
PERMANENT_FAILURE_TAG = "cinegraph/permanent_failure"

# Step-level retries for failures inside a stage (e.g. the database briefly unreachable);
# transient upstream errors are handled per film by the clients and the deferral mechanism.
STAGE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)

__all__ = ["GROUP", "STAGE_RETRY_POLICY", "edition_partitions"]


def edition_of(context: dg.AssetExecutionContext) -> Edition:
    return parse_edition(context.partition_key)


@dataclass
class CallTally:
    """Counts the metric rows (external calls) and their cost as they are flushed."""

    calls: int = 0
    cost_usd: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._lock:
            self.calls += len(rows)
            self.cost_usd += sum(float(row.get("cost_usd") or 0.0) for row in rows)


@contextmanager
def edition_recorder(
    context: dg.AssetExecutionContext | dg.OpExecutionContext,
    database: DatabaseResource,
) -> Iterator[tuple[MetricsRecorder, CallTally]]:
    """A buffered recorder whose rows carry the run id, the step and, for an edition, its
    festival and partition; flushed into the film database when the stage ends."""
    tally = CallTally()

    def sink(rows: list[dict[str, Any]]) -> None:
        database.write_metrics(rows)
        tally.add(rows)

    partition = context.partition_key if context.has_partition_key else None
    metadata: dict[str, Any] = {"run_id": context.run_id, "step": context.op_def.name}
    if partition:
        metadata["partition"] = partition
        metadata["festival"] = parse_edition(partition).festival.slug
    with MetricsRecorder(sink, context=metadata) as recorder:
        yield recorder, tally


def give_up_run_config() -> dict[str, Any]:
    """The run configuration of an edition's last attempt: the write stage turns the films
    still pending into stubs to review (`edition_write`'s `give_up_pending`)."""
    return {"ops": {"edition_write": {"config": {"give_up_pending": True}}}}


def permanent_failure(
    context: dg.AssetExecutionContext,
    description: str,
    metadata: Mapping[str, dg.RawMetadataValue] | None = None,
) -> dg.Failure:
    """A failure that no retry can fix: tagged on the run so the retry sensor leaves it."""
    context.instance.add_run_tags(context.run_id, {PERMANENT_FAILURE_TAG: "true"})
    return dg.Failure(description=description, metadata=metadata, allow_retries=False)
