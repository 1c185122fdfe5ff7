"""When api_health and metrics_retention run: api_health's automation condition (lineage and
an hourly tick, evaluated the way the daemon does) and the retention schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from cinegraph_pipeline.assets.api_health import API_HEALTH_DEPS
from cinegraph_pipeline.definitions import defs

API_HEALTH = dg.AssetKey("api_health")
START = datetime(2026, 6, 1, 12, 10, tzinfo=UTC)  # after the hour's :05 tick


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


def requested(result: dg.EvaluateAutomationConditionsResult) -> int:
    return result.get_num_requested(API_HEALTH)


def test_api_health_declares_what_it_aggregates() -> None:
    graph = defs.resolve_asset_graph()
    parents = {key.to_user_string() for key in graph.get(API_HEALTH).parent_keys}
    assert parents == set(API_HEALTH_DEPS)
    # every API-calling asset is among them
    pooled = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).pools
    }
    assert pooled and pooled <= parents


def test_api_health_refreshes_after_an_edition_and_hourly(instance: dg.DagsterInstance) -> None:
    first = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(API_HEALTH),
        evaluation_time=START,
    )  # fmt: skip
    assert requested(first) == 0  # nothing happened since the last hourly tick
    instance.report_runless_asset_event(
        dg.AssetMaterialization("edition_write", partition="cannes|2016")
    )
    after_import = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(API_HEALTH),
        cursor=first.cursor, evaluation_time=START + timedelta(minutes=1),
    )  # fmt: skip
    assert requested(after_import) == 1
    # Once handled, the same import asks for nothing more...
    quiet = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(API_HEALTH),
        cursor=after_import.cursor, evaluation_time=START + timedelta(minutes=2),
    )  # fmt: skip
    assert requested(quiet) == 0
    # ...until the next hourly tick, with no import at all.
    hourly = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=dg.AssetSelection.assets(API_HEALTH),
        cursor=quiet.cursor, evaluation_time=START + timedelta(hours=1),
    )  # fmt: skip
    assert requested(hourly) == 1


def test_health_automation_is_on_by_default() -> None:
    repository = defs.get_repository_def()
    schedule = repository.get_schedule_def("metrics_retention_daily")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    for name in ("api_health_alerts", "api_health_automation"):
        assert repository.get_sensor_def(name).default_status == dg.DefaultSensorStatus.RUNNING
    job = defs.resolve_job_def("api_health_job")
    assert dg.AssetCheckKey(API_HEALTH, "tmdb_success_rate") in (
        job.asset_layer.asset_graph.asset_check_keys
    )
    group = defs.resolve_assets_def("api_health").group_names_by_key[API_HEALTH]
    assert group == "api_health"
