"""A run killed midway never blocks the next one, and a run stopped with Ctrl-C ends cleanly.

The README's command imports an edition in its own process group against a sandbox with some
latency. Killed with SIGKILL once the TMDb stage has flushed metric rows, the dead run still
holds its pool slot; the same command run again, with no daemon and nothing freed by hand, must
find the dead run, mark it failed, free its slots and leave the film database exactly as a
clean run does (movies and nominations, minus ids and clocks), every metric row written before
the kill kept unchanged; the same when the run dies while another run waits for its slot.
Stopped with SIGTERM or SIGINT instead, the run must end failed or canceled with its slots
freed and nothing half-written, and the next run completes it the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from cinegraph_pipeline.dead_runs import PID_TAG
from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.storage.engine import create_database_engine

from .support import (
    FilmState,
    cli_env,
    film_state,
    kill_group,
    metric_rows,
    prepare_home,
    reaped,
    start_cli_import,
    wait_for,
)

PARTITION = "cannes|2013"  # 55 films: a few seconds of TMDb calls with latency
POOLS = ("tmdb", "omdb", "imdb")


def _metric_sources(db_path: Path) -> dict[str, int]:
    """Metric rows per source so far (read without migrating: the run owns the schema)."""
    if not db_path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
            return dict(
                conn.execute("SELECT source, count(*) FROM api_lookup_metrics GROUP BY source")
            )
    except sqlite3.OperationalError:  # no table yet, or locked for a moment
        return {}


def _finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process)
        raise AssertionError(
            f"the run did not finish in {timeout:.0f} s:\n{log.read_text()[-4000:]}"
        ) from None
    assert code == 0, f"the run failed (exit {code}):\n{log.read_text()[-4000:]}"


def _slot_holders(home: Path) -> dict[str, set[str]]:
    """Pool -> the runs holding or waiting for one of its slots."""
    with DagsterInstance.from_config(str(home)) as instance:
        infos = instance.event_log_storage.get_concurrency_infos(list(POOLS))
    return {
        pool: {s.run_id for s in info.claimed_slots} | {s.run_id for s in info.pending_steps}
        for pool, info in infos.items()
    }


def _engine_messages(home: Path, run_id: str) -> list[str]:
    with DagsterInstance.from_config(str(home)) as instance:
        return [
            entry.dagster_event.message or ""
            for entry in instance.all_logs(run_id)
            if entry.dagster_event is not None
        ]


def _run_status(home: Path, run_id: str) -> DagsterRunStatus:
    with DagsterInstance.from_config(str(home)) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None
        return run.status


def _start_and_wait_for(
    env: dict[str, str], db: Path, log: Path, source: str
) -> subprocess.Popen[bytes]:
    run = start_cli_import(PARTITION, env, log)
    try:
        wait_for(
            lambda: source in _metric_sources(db) or run.poll() is not None,
            timeout=120,
            what=f"{source} metric rows",
        )
    except BaseException:
        kill_group(run)
        raise
    assert run.poll() is None, f"the run ended before the signal:\n{log.read_text()[-4000:]}"
    return run


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(faults=Faults(latency_median_ms=40.0))) as server:
        yield server


@pytest.fixture(scope="module")
def clean_state(sandbox: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> FilmState:
    """The edition imported once, undisturbed, on its own database and Dagster home."""
    root = tmp_path_factory.mktemp("clean")
    env = cli_env(sandbox.env(), prepare_home(root / "home"), f"sqlite:///{root / 'clean.db'}")
    run = start_cli_import(PARTITION, env, root / "clean.log")
    with reaped(run):
        _finish(run, root / "clean.log")
    return film_state(create_database_engine(f"sqlite:///{root / 'clean.db'}"))


def _assert_same_films(resumed: FilmState, expected: FilmState) -> None:
    assert resumed.movie_rows == len(resumed.movies) == len(expected.movies)
    assert resumed.nomination_rows == len(resumed.nominations) == len(expected.nominations)
    assert resumed.movies == expected.movies
    assert resumed.nominations == expected.nominations
    assert all(n["movie"] == key[4] for key, n in resumed.nominations.items() if key[4])
    assert not [m for m in resumed.movies.values() if m["import_type"] == "pending"]


@pytest.mark.slow
def test_a_killed_run_is_completed_by_the_next_run(
    tmp_path: Path, sandbox: SandboxServer, clean_state: FilmState
) -> None:
    db = tmp_path / "crashed.db"
    home = prepare_home(tmp_path / "home")
    env = cli_env(sandbox.env(), home, f"sqlite:///{db}")
    log = tmp_path / "runs.log"
    first = _start_and_wait_for(env, db, log, "tmdb")
    kill_group(first)
    assert first.returncode == -signal.SIGKILL

    engine = create_database_engine(f"sqlite:///{db}")
    before: dict[Any, dict[str, Any]] = {r["id"]: r for r in metric_rows(engine)}
    assert before and "tmdb" in {r["source"] for r in before.values()}
    (killed,) = {r["metadata"]["run_id"] for r in before.values()}
    assert any(killed in runs for runs in _slot_holders(home).values())
    assert _run_status(home, killed) == DagsterRunStatus.STARTED

    second = start_cli_import(PARTITION, env, log)  # no daemon, nothing freed by hand
    with reaped(second):
        _finish(second, log)

    assert _run_status(home, killed) == DagsterRunStatus.FAILURE
    assert any(
        "Marked failed by cinegraph" in m and "is gone" in m for m in _engine_messages(home, killed)
    )
    assert not any(_slot_holders(home).values())
    _assert_same_films(film_state(engine), clean_state)
    after = {r["id"]: r for r in metric_rows(engine)}
    assert {i: after.get(i) for i in before} == before  # kept, unchanged
    assert sum(1 for r in after.values() if r["metadata"]["run_id"] == killed) == len(before)
    resumed_runs = {r["metadata"]["run_id"] for r in after.values()} - {killed}
    assert len(resumed_runs) == 1
    (resumed,) = resumed_runs
    assert any(f"Freed the slots of run {killed}" in m for m in _engine_messages(home, resumed))


@pytest.mark.slow
@pytest.mark.parametrize("signo", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_ends_with_its_slots_freed_and_nothing_half_written(
    tmp_path: Path, sandbox: SandboxServer, clean_state: FilmState, signo: int
) -> None:
    db = tmp_path / "stopped.db"
    home = prepare_home(tmp_path / "home")
    env = cli_env(sandbox.env(), home, f"sqlite:///{db}")
    log = tmp_path / "runs.log"
    first = _start_and_wait_for(env, db, log, "tmdb")
    with reaped(first):
        os.killpg(first.pid, signo)
        code = first.wait(timeout=60)
    assert code != 0, log.read_text()[-4000:]

    engine = create_database_engine(f"sqlite:///{db}")
    (stopped,) = {r["metadata"]["run_id"] for r in metric_rows(engine)}
    status = _run_status(home, stopped)
    assert status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
    assert not any(_slot_holders(home).values())
    # Whatever the stopped run stored is exactly what a clean run stores for those films.
    partial = film_state(engine)
    assert all(clean_state.movies[i] == row for i, row in partial.movies.items())
    assert all(clean_state.nominations[k] == row for k, row in partial.nominations.items())

    second = start_cli_import(PARTITION, env, log)
    with reaped(second):
        _finish(second, log)
    _assert_same_films(film_state(engine), clean_state)


def _waiting_runs(home: Path, pool: str) -> set[str]:
    with DagsterInstance.from_config(str(home)) as instance:
        info = instance.event_log_storage.get_concurrency_info(pool)
    return {s.run_id for s in info.pending_steps if s.assigned_timestamp is None}


@contextmanager
def _latency_restored(sandbox: SandboxServer) -> Iterator[None]:
    try:
        yield
    finally:
        sandbox.set_faults(latency_median_ms=40.0)


@pytest.mark.slow
def test_a_run_blocked_behind_a_run_that_dies_goes_on(
    tmp_path: Path, sandbox: SandboxServer, clean_state: FilmState
) -> None:
    db = tmp_path / "films.db"
    home = prepare_home(tmp_path / "home")
    with DagsterInstance.from_config(str(home)):  # storage created before two processes use it
        pass
    env = cli_env(sandbox.env(), home, f"sqlite:///{db}")
    log = tmp_path / "runs.log"
    # Slower answers keep the first run's TMDb stage going for seconds, so that the second run
    # is seen waiting for its slot even on a loaded machine.
    sandbox.set_faults(latency_median_ms=300.0)
    runs = [start_cli_import(PARTITION, env, log) for _ in range(2)]
    with _latency_restored(sandbox), reaped(*runs):
        wait_for(
            lambda: bool(_waiting_runs(home, "tmdb")) or any(r.poll() is not None for r in runs),
            timeout=180,
            what="a run waiting for the tmdb pool",
        )
        assert all(r.poll() is None for r in runs), log.read_text()[-4000:]
        (blocked,) = _waiting_runs(home, "tmdb")
        (killed,) = _slot_holders(home)["tmdb"] - {blocked}
        with DagsterInstance.from_config(str(home)) as instance:
            killed_run = instance.get_run_by_id(killed)
            assert killed_run is not None
            pid = int(killed_run.tags[PID_TAG])  # the command's own process runs the steps
        (victim,) = [r for r in runs if r.pid == pid]
        kill_group(victim)
        (survivor,) = [r for r in runs if r is not victim]
        _finish(survivor, log)

    assert _run_status(home, killed) == DagsterRunStatus.FAILURE
    assert any(f"Freed the slots of run {killed}" in m for m in _engine_messages(home, blocked))
    assert not any(_slot_holders(home).values())
    _assert_same_films(film_state(create_database_engine(f"sqlite:///{db}")), clean_state)
