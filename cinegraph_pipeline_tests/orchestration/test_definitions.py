"""The shape of the code location: groups, pools, retry policies, default statuses."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS, defs
from cinegraph_pipeline.partitions import edition_partitions

POOLS = {
    "edition_nominations_scraped": "imdb",
    "edition_tmdb_matches": "tmdb",
    "edition_omdb_matches": "omdb",
    "edition_imdb_matches": "imdb",
}


def test_every_per_edition_asset_is_in_festival_import_and_nothing_else_is() -> None:
    graph = defs.resolve_asset_graph()
    in_group = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).group_name == "festival_import"
    }
    partitioned = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).partitions_def == edition_partitions
    }
    assert in_group == partitioned
    assert in_group == {
        "edition_nominations_scraped",
        "edition_tmdb_matches",
        "edition_omdb_matches",
        "edition_imdb_matches",
        "edition_stubs",
        "edition_write",
    }
    assert graph.get(dg.AssetKey("placeholder_enrichment")).partitions_def is None


def test_every_stage_has_its_pool_and_a_retry_policy() -> None:
    for assets_def in FESTIVAL_IMPORT_ASSETS:
        name = assets_def.key.to_user_string()
        op = assets_def.op
        assert op.retry_policy is not None, name
        assert op.retry_policy.max_retries >= 1
        assert op.retry_policy.backoff == dg.Backoff.EXPONENTIAL
        assert op.retry_policy.jitter is not None
        if name in POOLS:
            assert op.pool == POOLS[name], name


def test_sensors_and_schedules_start_running() -> None:
    sensors = list(defs.sensors or [])
    schedules = list(defs.schedules or [])
    assert {s.name for s in sensors} >= {"deferred_editions_sensor"}
    assert {s.name for s in schedules} >= {"placeholder_enrichment_daily"}
    for sensor in sensors:
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING, sensor.name
    for schedule in schedules:
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING, schedule.name


def test_edition_partitions_cover_every_festival_from_2000() -> None:
    keys = set(edition_partitions.get_partition_keys())
    assert "cannes|2016" in keys and "locarno|2000" in keys and "oscars|1999" not in keys


def test_the_package_uses_public_dagster_apis_only() -> None:
    import ast
    from pathlib import Path

    import cinegraph_pipeline

    private: list[str] = []
    for path in Path(cinegraph_pipeline.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            private += [f"{path.name}: {n}" for n in names if n.startswith("dagster._")]
    assert private == []


def test_the_retry_sensor_launches_the_import_and_the_give_up_job() -> None:
    sensor = defs.get_sensor_def("deferred_editions_sensor")
    assert {job.name for job in sensor.jobs} == {"festival_import_job", "give_up_pending_job"}
