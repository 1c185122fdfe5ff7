"""Each stage of an edition, materialized alone in its own `dagster` process with the Dagster
home's local storage removed before it, resumes from what the stage before it left in the
film database, and the edition ends exactly as one whole run leaves it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.partitions import parse_edition
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.edition_state import stage_rows
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline_tests.orchestration.conftest import MIXED_EDITION, engine_for
from cinegraph_pipeline_tests.resilience.support import (
    DAGSTER,
    REPO_ROOT,
    cli_env,
    film_state,
    prepare_home,
)

STAGES = [asset.key.to_user_string() for asset in FESTIVAL_IMPORT_ASSETS]


def materialize_stage(stage: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "cinegraph_pipeline.definitions",
            "--select",
            stage,
            "--partition",
            MIXED_EDITION,
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_each_stage_alone_in_its_own_process_gives_the_whole_run(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    whole_url = f"sqlite:///{tmp_path / 'whole.db'}"
    with dg.instance_for_test() as instance:
        database = DatabaseResource(url=whole_url)
        resources = {
            **build_resources(),
            "database": database,
            EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=database),
        }
        whole = dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key=MIXED_EDITION,
            instance=instance,
            resources=resources,
        )
    assert whole.success
    films = len(whole.output_for_node("edition_nominations_scraped").films)

    staged_url = f"sqlite:///{tmp_path / 'staged.db'}"
    home = prepare_home(tmp_path / "home")
    env = cli_env(sandbox.env(), home, staged_url)
    for stage in STAGES:
        shutil.rmtree(home / "storage", ignore_errors=True)
        result = materialize_stage(stage, env)
        assert result.returncode == 0, (stage, result.stderr[-3000:])
        assert "RUN_SUCCESS" in result.stderr
        # Nothing the stage handed on went to the local disk.
        assert not (home / "storage" / stage).exists()

    expected = film_state(engine_for(whole_url))
    assert expected.movie_rows > 0 and expected.nomination_rows > 0
    assert film_state(engine_for(staged_url)) == expected
    # What each stage left is in the film database, where the next one found it.
    edition = parse_edition(MIXED_EDITION)
    with engine_for(staged_url).connect() as conn:
        for stage in STAGES[:-1]:
            rows = stage_rows(conn, edition.festival.slug, edition.year, stage)
            assert len(rows) == films + 1  # the edition's row, then one per film
