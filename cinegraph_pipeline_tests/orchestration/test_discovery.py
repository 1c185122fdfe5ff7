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
    venice = sorted(sandbox.catalog.event_years("ev0000681"))
    assert missing[:9] == [f"cannes|{year}" for year in range(2010, 2020) if year != 2016]
    assert missing[9:] == [f"venice|{year}" for year in venice]
    assert metadata["missing_editions"].value == 9 + len(venice)
    # GraphQL's nominationEvent lists every edition, old ones included (an event page
    # probed for recent years does not exist for Venice here).
    assert metadata["via_graphql"].value == 2
    assert metadata["festivals_unavailable"].value == 0
    assert f"venice | {len(venice)} | 0 | {len(venice)} |" in metadata["by_festival"].value


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
