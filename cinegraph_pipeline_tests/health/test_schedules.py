"""When api_health and metrics_retention run: schedules, and the refresh after imports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest

from cinegraph_pipeline.definitions import defs
from cinegraph_pipeline.schedules.health import api_health_after_imports, build_refresh_sensor


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def tick(
    sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None
) -> tuple[Any, dg.SensorEvaluationContext]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return sensor(context), context


def test_refresh_waits_for_an_edition_write(instance: dg.DagsterInstance) -> None:
    result, _ = tick(api_health_after_imports, instance, None)
    assert isinstance(result, dg.SkipReason)

    for edition in ("cannes|2016", "venice|2016"):
        instance.report_runless_asset_event(
            dg.AssetMaterialization("edition_write", partition=edition)
        )
    result, _ = tick(api_health_after_imports, instance, None)
    assert isinstance(result, dg.SensorResult)
    (request,) = result.run_requests  # two editions, one refresh
    assert result.cursor is not None and request.run_key == f"after-imports-{result.cursor}"

    again, _ = tick(api_health_after_imports, instance, result.cursor)
    assert isinstance(again, dg.SkipReason)
    instance.report_runless_asset_event(dg.AssetMaterialization("edition_write"))
    later, _ = tick(api_health_after_imports, instance, result.cursor)
    assert isinstance(later, dg.SensorResult) and int(later.cursor) > int(result.cursor)


def test_the_refresh_sensor_can_watch_other_assets(instance: dg.DagsterInstance) -> None:
    sensor = build_refresh_sensor([dg.AssetKey("film_database")], minimum_interval_seconds=60)
    instance.report_runless_asset_event(dg.AssetMaterialization("film_database"))
    result, _ = tick(sensor, instance, None)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1


def test_health_automation_is_on_by_default() -> None:
    repository = defs.get_repository_def()
    for name in ("api_health_hourly", "metrics_retention_daily"):
        schedule = repository.get_schedule_def(name)
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert repository.get_schedule_def("api_health_hourly").cron_schedule == "5 * * * *"
    for name in ("api_health_alerts", "api_health_after_imports"):
        assert repository.get_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("api_health_job")
    assert dg.AssetCheckKey(dg.AssetKey("api_health"), "tmdb_success_rate") in (
        job.asset_layer.asset_graph.asset_check_keys
    )
    group = defs.resolve_assets_def("api_health").group_names_by_key[dg.AssetKey("api_health")]
    assert group == "api_health"
