"""The README's shell command, and parallel editions on PostgreSQL (instance and film DB)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.models import FestivalNomination, Movie
from cinegraph_pipeline_tests.orchestration.conftest import engine_for
from cinegraph_pipeline_tests.support.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).with_name("dagster"))


def materialize_command(partition: str) -> list[str]:
    return [
        DAGSTER,
        "asset",
        "materialize",
        "-m",
        "cinegraph_pipeline.definitions",
        "--select",
        "group:festival_import",
        "--partition",
        partition,
    ]


def edition_films(sandbox: SandboxServer, year: int) -> set[str]:
    return {t.imdb_id for t in sandbox.catalog.truths() if year in t.editions}


@pytest.mark.slow
def test_the_readme_command_imports_an_edition(
    sandbox: SandboxServer, film_db: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        materialize_command("cannes|2016"),
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RUN_SUCCESS" in result.stderr
    engine = engine_for(film_db)
    with engine.connect() as conn:
        movies = set(conn.scalars(select(Movie.imdb_id)))
        unlinked = conn.scalar(
            select(func.count())
            .select_from(FestivalNomination)
            .where(FestivalNomination.movie_id.is_(None))
        )
    assert movies == edition_films(sandbox, 2016)
    assert unlinked == 0


@pytest.mark.slow
@pytest.mark.postgres
def test_two_editions_in_parallel_processes_on_postgres(
    sandbox: SandboxServer,
    postgres_server: PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.postgres.yaml", home / "dagster.yaml")
    film_url = postgres_server.url(postgres_server.create_database())
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": str(postgres_server.port),
        "DAGSTER_PG_USERNAME": postgres_server.user,
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": postgres_server.create_database("dagster"),
        "CINEGRAPH_DATABASE_URL": film_url,
    }
    # Pools are set once per instance before parallel runs (scripts/pools does the same).
    subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "pools")],
        env={**env, "DAGSTER_BIN": DAGSTER},
        check=True,
        capture_output=True,
        timeout=120,
    )
    processes = [
        subprocess.Popen(
            materialize_command(partition),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for partition in ("cannes|2012", "cannes|2013")
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr[-3000:]

    engine = engine_for(film_url)
    with engine.connect() as conn:
        imdb_ids = list(conn.scalars(select(Movie.imdb_id)))
        per_year = dict(
            conn.execute(
                select(
                    FestivalNomination.year, func.count(func.distinct(FestivalNomination.movie_id))
                ).group_by(FestivalNomination.year)
            ).all()
        )
        unlinked = conn.scalar(
            select(func.count())
            .select_from(FestivalNomination)
            .where(FestivalNomination.movie_id.is_(None))
        )
    assert len(imdb_ids) == len(set(imdb_ids))
    assert set(imdb_ids) == edition_films(sandbox, 2012) | edition_films(sandbox, 2013)
    assert per_year == {
        2012: len(edition_films(sandbox, 2012)),
        2013: len(edition_films(sandbox, 2013)),
    }
    assert unlinked == 0
    # Both runs are in the PostgreSQL instance.
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    monkeypatch.setenv("DAGSTER_PG_HOST", env["DAGSTER_PG_HOST"])
    for name in ("DAGSTER_PG_PORT", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, env[name])
    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.SUCCESS]))
        assert sorted(run.tags["dagster/partition"] for run in runs) == [
            "cannes|2012",
            "cannes|2013",
        ]
        # Both runs execute their steps in one process each, and still never run a pooled
        # stage (one slot per API) at the same time.
        for run in runs:
            messages = [
                e.dagster_event.message or ""
                for e in instance.all_logs(run.run_id)
                if e.dagster_event
            ]
            assert sum(m.startswith("Executing steps in process") for m in messages) == 1
        for step in ("edition_tmdb_matches", "edition_omdb_matches", "edition_imdb_matches"):
            spans = sorted(_step_span(instance, run.run_id, step) for run in runs)
            assert spans[0][1] <= spans[1][0], (step, spans)


def _step_span(instance: Any, run_id: str, step_key: str) -> tuple[float, float]:
    """When the step started and ended (success or failure) in the run's event log."""
    times = {
        entry.dagster_event.event_type_value: entry.timestamp
        for entry in instance.all_logs(run_id)
        if entry.dagster_event is not None and entry.step_key == step_key
    }
    return times["STEP_START"], times.get("STEP_SUCCESS", times.get("STEP_FAILURE", 0.0))
