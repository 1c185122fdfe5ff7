"""A backfill of three sandbox editions on Dagster's Celery executor: a Redis broker, two
Celery workers in their own processes, the Dagster instance and the film database on
PostgreSQL. Each step runs in whichever worker takes it, so it finds what the step before it
left only in the film database; the backfill ends with exactly the rows of the same editions
run in one process.

`dagster job backfill` submits the runs to a code server the test starts (it outlives the
command and starts each run's process); the instance launches runs when submitted instead of
queueing them for a daemon, the only difference from dagster.postgres.yaml."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest

from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline_tests.orchestration.conftest import engine_for
from cinegraph_pipeline_tests.resilience.support import (
    DAGSTER,
    REPO_ROOT,
    cli_env,
    film_state,
    kill_group,
)
from cinegraph_pipeline_tests.support.postgres import PostgresServer
from cinegraph_pipeline_tests.support.redis import RedisServer, free_port

EDITIONS = ("cannes|2015", "cannes|2016", "cannes|2017")
DAGSTER_CELERY = str(Path(DAGSTER).with_name("dagster-celery"))
BACKFILL_TAG = "dagster/backfill"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


def _one_process_run(url: str) -> None:
    database = DatabaseResource(url=url)
    resources = {
        **build_resources(),
        "database": database,
        EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=database),
    }
    with dg.instance_for_test() as instance:
        for partition in EDITIONS:
            result = dg.materialize(
                FESTIVAL_IMPORT_ASSETS,
                partition_key=partition,
                instance=instance,
                resources=resources,
            )
            assert result.success, partition


def _finished_backfill_runs(home: Path, backfill_id: str) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}))
        return [run for run in runs if run.is_finished]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_backfill_on_celery_workers_matches_one_process(
    sandbox: SandboxServer,
    postgres_server: PostgresServer,
    redis_server: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected_url = postgres_server.url(postgres_server.create_database())
    _one_process_run(expected_url)

    home = tmp_path / "home"
    home.mkdir()
    # The team instance, its runs launched when submitted rather than queued for a daemon.
    (home / "dagster.yaml").write_text(
        (REPO_ROOT / "dagster.postgres.yaml").read_text()
        + "\nrun_coordinator:\n  module: dagster.core.run_coordinator\n"
        "  class: DefaultRunCoordinator\n"
    )
    celery_url = postgres_server.url(postgres_server.create_database())
    env = cli_env(sandbox.env(), home, celery_url)
    pg = {
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres_server.port),
        "DAGSTER_PG_USERNAME": postgres_server.user,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": postgres_server.create_database("dagster"),
    }
    env.update(pg)
    env.update(
        {
            "CINEGRAPH_EXECUTOR": "celery",
            # Celery reads its broker and result backend from these, in the run and workers.
            "CELERY_BROKER_URL": redis_server.url(0),
            "CELERY_RESULT_BACKEND": redis_server.url(1),
            "PATH": f"{Path(DAGSTER).parent}:{env.get('PATH', '')}",
        }
    )
    for name, value in pg.items():
        monkeypatch.setenv(name, value)
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "pools")],
        env={**env, "DAGSTER_BIN": DAGSTER},
        check=True,
        capture_output=True,
        timeout=120,
    )
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for i, log in enumerate(logs, start=1):
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [
                            DAGSTER_CELERY,
                            "worker",
                            "start",
                            "-A",
                            "dagster_celery.app",
                            "-n",
                            f"cinegraph{i}@%h",
                            "--",
                            "--concurrency=1",
                            "--without-mingle",
                            "--without-gossip",
                        ],
                        cwd=REPO_ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        # A code server that outlives the backfill command: it starts each run's process.
        port = str(free_port())
        server_log = tmp_path / "code_server.log"
        with server_log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [
                        DAGSTER,
                        "code-server",
                        "start",
                        "-m",
                        "cinegraph_pipeline.definitions",
                        "-h",
                        "127.0.0.1",
                        "-p",
                        port,
                    ],
                    cwd=REPO_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for log in logs:
            _wait(lambda log=log: "ready." in log.read_text(errors="replace"), 90, log)
        _wait(lambda: "Started Dagster code server" in server_log.read_text(), 90, server_log)

        backfill = subprocess.run(
            [
                DAGSTER,
                "job",
                "backfill",
                "--grpc-host",
                "127.0.0.1",
                "--grpc-port",
                port,
                "-j",
                "festival_import_job",
                "--partitions",
                ",".join(EDITIONS),
                "--noprompt",
            ],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert backfill.returncode == 0, backfill.stderr[-3000:]
        backfill_id = backfill.stdout.split("Launched backfill job `")[1].split("`")[0]
        _wait(lambda: len(_finished_backfill_runs(home, backfill_id)) == len(EDITIONS), 120, "runs")
        runs = _finished_backfill_runs(home, backfill_id)
        assert {run.tags["dagster/partition"] for run in runs} == set(EDITIONS)
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs), [
            (run.tags["dagster/partition"], run.status) for run in runs
        ]
    finally:
        for process in processes:  # the workers and the code server, killed whole
            if process.poll() is None:
                kill_group(process)

    # Every step of every run was a task on one of the workers.
    succeeded = sum(log.read_text(errors="replace").count("succeeded in") for log in logs)
    assert succeeded == len(EDITIONS) * len(FESTIVAL_IMPORT_ASSETS)
    expected = film_state(engine_for(expected_url))
    assert expected.movie_rows > 0
    assert film_state(engine_for(celery_url)) == expected


def _wait(condition: Callable[[], bool], timeout: float, what: object) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
