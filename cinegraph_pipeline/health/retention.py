"""Pruning old metrics in small batches.

One DELETE of millions of rows would hold its locks (SQLite's single writer lock, or
PostgreSQL row locks and a long transaction that delays vacuum) for as long as it runs, while
edition imports keep appending metrics. Deleting a few thousand ids per statement and
committing between batches keeps every transaction short; the ids come from the
`inserted_at` index, so each batch is a range read plus a primary-key delete.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from cinegraph_pipeline.health.aggregate import as_utc
from cinegraph_pipeline.storage.models import ApiLookupMetric

METRICS = ApiLookupMetric.__table__
DEFAULT_BATCH_SIZE = 5_000


@dataclass(frozen=True, slots=True)
class PruneResult:
    cutoff: datetime
    deleted: int
    batches: int
    seconds: float
    remaining: int
    oldest_remaining: datetime | None


def retention_cutoff(retention_days: float, now: datetime | None = None) -> datetime:
    if retention_days <= 0:
        raise ValueError(f"retention_days must be positive, not {retention_days}")
    return as_utc(now or datetime.now(UTC)) - timedelta(days=retention_days)


def prune_metrics(
    engine: Engine,
    cutoff: datetime,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> PruneResult:
    """Deletes metric rows inserted before `cutoff`, `batch_size` ids per transaction."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, not {batch_size}")
    started = time.monotonic()
    deleted = batches = 0
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.scalars(
                    select(METRICS.c.id)
                    .where(METRICS.c.inserted_at < cutoff)
                    .order_by(METRICS.c.inserted_at)
                    .limit(batch_size)
                )
            )
            if not ids:
                break
            conn.execute(delete(METRICS).where(METRICS.c.id.in_(ids)))
        deleted += len(ids)
        batches += 1
        if on_batch is not None:
            on_batch(batches, deleted)
        if len(ids) < batch_size:
            break
    with engine.connect() as conn:
        remaining = conn.scalar(select(func.count()).select_from(METRICS)) or 0
        oldest = conn.scalar(select(func.min(METRICS.c.inserted_at)))
    return PruneResult(
        cutoff=cutoff,
        deleted=deleted,
        batches=batches,
        seconds=time.monotonic() - started,
        remaining=int(remaining),
        oldest_remaining=as_utc(oldest) if oldest is not None else None,
    )
