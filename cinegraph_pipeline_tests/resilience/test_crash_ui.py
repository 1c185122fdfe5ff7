"""A run launched through the webserver and executed by the daemon, its worker killed with
SIGKILL in the middle of the TMDb stage: the next run launched the same way frees the dead
run's slots and finishes, the daemon retries the dead run on its own, and the film database
ends exactly as a clean run leaves it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster_graphql import DagsterGraphQLClient

from cinegraph_pipeline.dead_runs import PID_TAG
from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline_tests.health.dagster_processes import (
    dagster_home,
    dagster_ui,
    wait_for_success,
)

from .support import cli_env, film_state, prepare_home, reaped, start_cli_import, wait_for
from .test_crash import PARTITION, POOLS, _finish, _metric_sources

FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def _run(home: Path, run_id: str) -> tuple[DagsterRunStatus, dict[str, str]]:
    with DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        return run.status, dict(run.tags)


def _retries_of(home: Path, run_id: str) -> list[tuple[str, DagsterRunStatus]]:
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(RunsFilter(tags={"dagster/parent_run_id": run_id}))
        return [(run.run_id, run.status) for run in runs]


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_killed_ui_run_does_not_block_the_next_one(tmp_path: Path) -> None:
    home = dagster_home(tmp_path / "dagster_home")
    db = tmp_path / "films.db"
    with SandboxServer(SandboxConfig(faults=Faults(latency_median_ms=40.0))) as sandbox:
        env = {**sandbox.env(), "CINEGRAPH_DATABASE_URL": f"sqlite:///{db}"}
        with dagster_ui(home, env, tmp_path / "logs") as ui:
            client = DagsterGraphQLClient("127.0.0.1", port_number=ui.port, timeout=30)
            tags = {"dagster/partition": PARTITION}
            killed = client.submit_job_execution("festival_import_job", tags=tags)
            wait_for(
                lambda: "tmdb" in _metric_sources(db) or client.get_run_status(killed) in FINISHED,
                timeout=180,
                what="TMDb metric rows",
            )
            status, run_tags = _run(home, killed)
            assert status == DagsterRunStatus.STARTED, ui.log_tail()
            os.kill(int(run_tags[PID_TAG]), signal.SIGKILL)

            following = client.submit_job_execution("festival_import_job", tags=tags)
            wait_for_success(ui, client, following, timeout=240)
            assert _run(home, killed)[0] == DagsterRunStatus.FAILURE
            # Run retries (dagster.yaml) relaunch a run whose worker died: nothing to do by hand.
            wait_for(
                lambda: any(s in FINISHED for _, s in _retries_of(home, killed)),
                timeout=180,
                what=f"the daemon's retry of run {killed}\n{ui.log_tail()}",
            )
            assert [s for _, s in _retries_of(home, killed)] == [DagsterRunStatus.SUCCESS]

        clean_db = tmp_path / "clean.db"
        clean_env = cli_env(
            sandbox.env(), prepare_home(tmp_path / "clean"), f"sqlite:///{clean_db}"
        )
        clean = start_cli_import(PARTITION, clean_env, tmp_path / "clean.log")
        with reaped(clean):
            _finish(clean, tmp_path / "clean.log")

    with DagsterInstance.from_config(str(home)) as instance:
        infos = instance.event_log_storage.get_concurrency_infos(list(POOLS))
    assert not [info.claimed_slots for info in infos.values() if info.claimed_slots]
    resumed = film_state(create_database_engine(f"sqlite:///{db}"))
    expected = film_state(create_database_engine(f"sqlite:///{clean_db}"))
    assert resumed.movies == expected.movies
    assert resumed.nominations == expected.nominations
    assert resumed.movie_rows == len(expected.movies)
