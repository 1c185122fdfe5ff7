"""The metrics prune: batches, cutoff, and the metrics_retention asset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from sqlalchemy import Engine, func, select

from cinegraph_pipeline.assets.metrics_retention import metrics_retention
from cinegraph_pipeline.health.retention import prune_metrics, retention_cutoff
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import ApiLookupMetric
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.rows import metric


def ages(engine: Engine) -> list[float]:
    with engine.connect() as conn:
        stamps = conn.scalars(select(ApiLookupMetric.inserted_at)).all()
    now = datetime.now(UTC)
    return sorted((now - s.replace(tzinfo=s.tzinfo or UTC)).days for s in stamps)


def test_prune_deletes_only_old_rows_in_batches(migrated_engine: Engine) -> None:
    now = datetime.now(UTC)
    old = [metric(hours_ago=24 * (91 + i), now=now, target=f"tt{i}") for i in range(11)]
    recent = [metric(hours_ago=24 * 89, now=now), metric(hours_ago=1, now=now)]
    insert_metrics(migrated_engine, old + recent)
    seen: list[tuple[int, int]] = []
    result = prune_metrics(
        migrated_engine, retention_cutoff(90, now), batch_size=4, on_batch=lambda *b: seen.append(b)
    )
    assert result.deleted == 11
    assert result.batches == 3
    assert seen == [(1, 4), (2, 8), (3, 11)]
    assert result.remaining == 2
    assert ages(migrated_engine) == [0, 89]
    again = prune_metrics(migrated_engine, retention_cutoff(90, now), batch_size=4)
    assert (again.deleted, again.batches) == (0, 0)


def test_prune_refuses_nonsense_settings(migrated_engine: Engine) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        prune_metrics(migrated_engine, datetime.now(UTC), batch_size=0)
    with pytest.raises(ValueError, match="retention_days"):
        retention_cutoff(0)


def test_the_asset_reports_the_pruned_count(database_url: str) -> None:
    engine = create_database_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    insert_metrics(
        engine,
        [metric(hours_ago=24 * 40, now=now, target=f"tt{i}") for i in range(7)]
        + [metric(hours_ago=24 * 10, now=now)],
    )
    result = dg.materialize(
        [metrics_retention],
        resources={"database": DatabaseResource(url=database_url)},
        run_config={
            "ops": {"metrics_retention": {"config": {"retention_days": 30, "batch_size": 5}}}
        },
    )
    metadata = result.asset_materializations_for_node("metrics_retention")[0].metadata
    assert metadata["pruned"].value == 7
    assert metadata["batches"].value == 2
    assert metadata["remaining"].value == 1
    assert metadata["retention_days"].value == 30
    oldest = datetime.fromtimestamp(metadata["oldest_remaining"].value, UTC)
    assert now - oldest < timedelta(days=11)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ApiLookupMetric)) == 1
    engine.dispose()
