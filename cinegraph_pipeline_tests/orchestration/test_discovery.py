"""Edition discovery: editions IMDb lists that are not in the film database yet."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.assets.discovery import edition_discovery
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxServer


def test_discovery_lists_the_editions_not_imported(sandbox: SandboxServer, film_db: str) -> None:
    with dg.instance_for_test() as instance:
        assert dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key="cannes|2016",
            instance=instance,
            resources=build_resources(),
        ).success
        result = dg.materialize(
            [edition_discovery],
            instance=instance,
            resources=build_resources(),
            run_config={
                "ops": {"edition_discovery": {"config": {"festivals": ["cannes", "venice"]}}}
            },
        )
    metadata = result.asset_materializations_for_node("edition_discovery")[0].metadata
    missing = metadata["missing"].value
    assert missing == [f"cannes|{year}" for year in range(2010, 2020) if year != 2016]
    assert metadata["missing_editions"].value == 9
    # The sandbox serves no Venice page: reported, not a failure.
    assert metadata["festivals_unavailable"].value == 1
    assert "venice | 0 | 0 | 0 | not_found" in metadata["by_festival"].value


def test_unknown_festival_slugs_are_a_clear_failure(sandbox: SandboxServer, film_db: str) -> None:
    result = dg.materialize(
        [edition_discovery],
        resources=build_resources(),
        run_config={"ops": {"edition_discovery": {"config": {"festivals": ["cannez"]}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "unknown festival slugs ['cannez']" in str(failure.event_specific_data.error)
