"""A run killed with SIGKILL midway, then run again, ends exactly like a run never killed.

The edition is imported by `dagster asset materialize` in its own process against the
sandbox with some latency, and killed (the whole process group) once the TMDb stage has
flushed metric rows, or later, once the OMDb stage has (the IMDb page stage is then
running). A new run of the edition must leave the film database exactly as a clean run on a
separate database and Dagster home does (movies and nominations, minus ids and clocks: no
duplicate, nothing missing), and every metric row written before the kill must still be
there, unchanged.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance

from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.storage.engine import create_database_engine

from .support import (
    cli_env,
    film_state,
    kill_group,
    metric_rows,
    prepare_home,
    reaped,
    start_cli_import,
    wait_for,
)

PARTITION = "cannes|2013"  # 55 films: a few seconds of TMDb calls at 40/s with latency


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
            f"the run did not finish in {timeout:.0f} s:\n{log.read_text()}"
        ) from None
    assert code == 0, f"the run failed (exit {code}):\n{log.read_text()[-4000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", ["tmdb", "omdb"])
def test_a_killed_run_is_completed_by_the_next_run(tmp_path: Path, kill_after: str) -> None:
    crashed_db = tmp_path / "crashed.db"
    clean_db = tmp_path / "clean.db"
    config = SandboxConfig(faults=Faults(latency_median_ms=40.0))
    with SandboxServer(config) as sandbox:
        home = prepare_home(tmp_path / "home")
        crashed_env = cli_env(sandbox.env(), home, f"sqlite:///{crashed_db}")
        clean_env = cli_env(
            sandbox.env(), prepare_home(tmp_path / "clean_home"), f"sqlite:///{clean_db}"
        )
        log = tmp_path / "runs.log"
        first = start_cli_import(PARTITION, crashed_env, log)
        with reaped(first):
            wait_for(
                lambda: kill_after in _metric_sources(crashed_db) or first.poll() is not None,
                timeout=120,
                what=f"{kill_after} metric rows",
            )
            assert first.poll() is None, f"the run ended before the kill:\n{log.read_text()}"
            kill_group(first)
        assert first.returncode == -9

        engine = create_database_engine(f"sqlite:///{crashed_db}")
        before: dict[Any, dict[str, Any]] = {r["id"]: r for r in metric_rows(engine)}
        assert before and kill_after in {r["source"] for r in before.values()}
        killed_run = {r["metadata"]["run_id"] for r in before.values()}
        assert len(killed_run) == 1
        # What the daemon's run monitoring does when a run worker dies: the run is marked
        # failed and the pool slots it held are freed for the next run.
        with DagsterInstance.from_config(str(home)) as instance:
            (run_id,) = killed_run
            instance.report_run_failed(instance.get_run_by_id(run_id))
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)

        # The next run of the edition, and a clean run elsewhere, side by side.
        second = start_cli_import(PARTITION, crashed_env, log)
        clean = start_cli_import(PARTITION, clean_env, tmp_path / "clean.log")
        with reaped(second, clean):
            _finish(second, log)
            _finish(clean, tmp_path / "clean.log")

    resumed = film_state(engine)
    expected = film_state(create_database_engine(f"sqlite:///{clean_db}"))
    assert resumed.movie_rows == len(resumed.movies) == len(expected.movies)
    assert resumed.nomination_rows == len(resumed.nominations) == len(expected.nominations)
    assert resumed.movies == expected.movies
    assert resumed.nominations == expected.nominations
    assert all(n["movie"] == key[4] for key, n in resumed.nominations.items() if key[4])
    assert not [m for m in resumed.movies.values() if m["import_type"] == "pending"]

    after = {r["id"]: r for r in metric_rows(engine)}
    assert {i: after.get(i) for i in before} == before  # kept, unchanged
    assert sum(1 for r in after.values() if r["metadata"]["run_id"] in killed_run) == len(before)
    assert len(after) > len(before)
