"""The same edition imported by two runs at once, in two processes, into one PostgreSQL film
database (fresh: both runs also race to migrate it): both succeed, and each film and each
nomination is stored once, with its film. Then the write itself, released in several threads
at the same instant."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine

from cinegraph_pipeline.assets.festival_import.state_io import EDITION_STATE_IO_MANAGER
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import ConcludedEdition
from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.film_records import record_edition
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import utcnow

from .support import (
    cli_env,
    expected_nominations,
    fast_resources,
    film_state,
    metric_rows,
    prepare_home,
    reaped,
    start_cli_import,
)

PARTITION = "cannes|2013"


@pytest.mark.slow
@pytest.mark.postgres
def test_two_runs_of_one_edition_at_once_store_everything_once(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = prepare_home(tmp_path / "home")
    # Dagster's SQLite storage cannot be created by two processes at once (`table ... already
    # exists`): the instance exists before the runs, as it does under `dagster dev`.
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    dg.DagsterInstance.get().dispose()
    with SandboxServer(SandboxConfig(faults=Faults(latency_median_ms=20.0))) as sandbox:
        env = cli_env(sandbox.env(), home, postgres_url)
        expected = expected_nominations(
            ImdbResource(base_url=env["IMDB_BASE_URL"], cache_backend="none"), PARTITION
        )
        logs = [tmp_path / "run_a.log", tmp_path / "run_b.log"]
        runs = [start_cli_import(PARTITION, env, log) for log in logs]
        with reaped(*runs):
            codes = [run.wait(timeout=180) for run in runs]
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, log.read_text()[-4000:]

    # Both runs were under way at once (one Dagster instance: their records say when).
    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records()
    assert len(records) == 2 and all(r.dagster_run.is_success for r in records)
    first, second = sorted(records, key=lambda r: r.start_time or 0)
    assert second.start_time is not None and first.end_time is not None
    assert second.start_time < first.end_time

    engine = create_database_engine(postgres_url)
    state = film_state(engine)
    films = {key[4] for key in expected if key[4]}
    assert state.movie_rows == len(state.movies) == len(films)
    assert set(state.movies) == films
    assert state.nomination_rows == len(state.nominations) == len(expected)
    assert set(state.nominations) == expected
    assert all(state.nominations[key]["movie"] == key[4] for key in expected if key[4])
    assert not [m for m in state.movies.values() if m["import_type"] == "pending"]
    # Both runs did the work (the metrics are append-only: each run's calls are there).
    assert len({r["metadata"]["run_id"] for r in metric_rows(engine)}) == 2
    engine.dispose()


WRITERS = 4


def _write_like_edition_write(
    engine: Engine, nominations: EditionNominations, concluded: ConcludedEdition
) -> None:
    """The transaction of the `edition_write` asset: movies, their ids, then nominations."""
    with engine.begin() as conn:
        record_edition(
            conn,
            nominations.festival,
            nominations.year,
            concluded.resolutions.values(),
            nominations.rows,
            utcnow(),
        )


@pytest.mark.postgres
def test_writes_of_one_edition_released_at_once_store_everything_once(
    tmp_path: Path, postgres_url: str
) -> None:
    """The processes above may reach the write a moment apart; here `WRITERS` threads with
    their own connections start the same write at the same instant, three times over."""
    with SandboxServer(SandboxConfig()) as sandbox:
        resources = fast_resources(
            sandbox.env(), f"sqlite:///{tmp_path / 'unused.db'}", tmp_path / "cache"
        )
        staged = dg.materialize_to_memory(
            [a for a in FESTIVAL_IMPORT_ASSETS if a.key != dg.AssetKey("edition_write")],
            partition_key=PARTITION,
            # In memory: every IO manager key is materialize_to_memory's own.
            resources={k: v for k, v in resources.items() if k != EDITION_STATE_IO_MANAGER},
        )
    nominations = staged.asset_value("edition_nominations_scraped")
    concluded = staged.asset_value("edition_stubs")
    engine = create_database_engine(postgres_url)
    upgrade(engine)
    for _round in range(3):
        barrier = threading.Barrier(WRITERS)

        def writer(
            barrier: threading.Barrier = barrier,
        ) -> None:
            barrier.wait(timeout=30)
            _write_like_edition_write(engine, nominations, concluded)

        with ThreadPoolExecutor(WRITERS) as pool:
            for future in [pool.submit(writer) for _ in range(WRITERS)]:
                future.result(timeout=60)
    state = film_state(engine)
    assert state.movie_rows == len(state.movies) == len(nominations.films)
    assert state.nomination_rows == len(state.nominations) == len(nominations.rows)
    assert all(n["movie"] == key[4] for key, n in state.nominations.items() if key[4])
    engine.dispose()
