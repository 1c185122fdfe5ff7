"""Which runs holding a pool's slots are dead, on a real SQLite Dagster instance: a worker
process gone on this host or a stale heartbeat from another host frees the slots and fails the
run; a live worker, a fresh heartbeat or a run without worker tags is never touched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping

import dagster as dg
import pytest

from cinegraph_pipeline.dead_runs import (
    HEARTBEAT_TAG,
    HOST_TAG,
    PID_TAG,
    PROCESS_START_TAG,
    free_dead_holders,
    waiting_pools,
    worker_tags,
)
from cinegraph_pipeline.sensors.dead_runs import dead_runs_sensor


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as instance:  # the test's own SQLite DAGSTER_HOME
        instance.event_log_storage.set_concurrency_slots("tmdb", 10)
        yield instance


def _holding_run(
    instance: dg.DagsterInstance,
    tags: Mapping[str, str],
    status: dg.DagsterRunStatus = dg.DagsterRunStatus.STARTED,
) -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="edition", run_id=run_id, status=status, tags=tags))
    claim = instance.event_log_storage.claim_concurrency_slot("tmdb", run_id, "tmdb_step")
    assert claim.is_claimed
    return run_id


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _holders(instance: dg.DagsterInstance) -> set[str]:
    info = instance.event_log_storage.get_concurrency_info("tmdb")
    return {slot.run_id for slot in info.claimed_slots}


def _other_host(heartbeat_age: float) -> dict[str, str]:
    return {
        HOST_TAG: "another-host/pid:[1]",
        PID_TAG: "4242",
        PROCESS_START_TAG: "1",
        HEARTBEAT_TAG: str(int(time.time() - heartbeat_age)),
    }


def test_only_runs_whose_worker_is_gone_lose_their_slots(instance: dg.DagsterInstance) -> None:
    own = worker_tags()
    alive = _holding_run(instance, own)
    gone = _holding_run(instance, {**own, PID_TAG: str(_gone_pid())})
    reused_pid = _holding_run(instance, {**own, PROCESS_START_TAG: "1"})  # pid now another process
    fresh_elsewhere = _holding_run(instance, _other_host(heartbeat_age=10))
    stale_elsewhere = _holding_run(instance, _other_host(heartbeat_age=600))
    untagged = _holding_run(instance, {})
    ended_untagged = _holding_run(instance, {}, dg.DagsterRunStatus.FAILURE)
    me = _holding_run(instance, {**own, PID_TAG: str(_gone_pid())})

    freed = free_dead_holders(instance, ["tmdb"], own_run_id=me, dead_after=120)

    assert {f.run_id for f in freed} == {gone, reused_pid, stale_elsewhere, ended_untagged}
    assert _holders(instance) == {alive, fresh_elsewhere, untagged, me}
    for run_id in (gone, reused_pid, stale_elsewhere):
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
        messages = [e.dagster_event.message or "" for e in instance.all_logs(run_id)]
        assert any(m.startswith("Marked failed by cinegraph: its worker") for m in messages)
    assert "no heartbeat for" in next(f.reason for f in freed if f.run_id == stale_elsewhere)
    assert f"pid {os.getpid()}" in next(f.reason for f in freed if f.run_id == reused_pid)
    for run_id in (alive, fresh_elsewhere, untagged):
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.STARTED
    assert not free_dead_holders(instance, ["tmdb"], own_run_id=me, dead_after=120)


def test_a_waiting_step_of_a_dead_run_is_removed_too(instance: dg.DagsterInstance) -> None:
    instance.event_log_storage.set_concurrency_slots("tmdb", 1)
    holder = _holding_run(instance, {**worker_tags(), PID_TAG: str(_gone_pid())})
    waiter = str(uuid.uuid4())
    instance.add_run(dg.DagsterRun(job_name="edition", run_id=waiter, tags=worker_tags()))
    claim = instance.event_log_storage.claim_concurrency_slot("tmdb", waiter, "tmdb_step")
    assert not claim.is_claimed
    assert waiting_pools(instance, waiter) == ["tmdb"]

    (freed,) = free_dead_holders(instance, ["tmdb"], own_run_id=waiter)

    assert freed.run_id == holder and freed.marked_failed
    assert instance.event_log_storage.claim_concurrency_slot("tmdb", waiter, "tmdb_step").is_claimed
    assert _holders(instance) == {waiter}


def test_the_sensor_fails_dead_runs_that_hold_no_slot(instance: dg.DagsterInstance) -> None:
    own = worker_tags()
    dead, alive = str(uuid.uuid4()), str(uuid.uuid4())
    for run_id, tags in ((dead, {**own, PID_TAG: str(_gone_pid())}), (alive, own)):
        instance.add_run(
            dg.DagsterRun(
                job_name="edition", run_id=run_id, status=dg.DagsterRunStatus.STARTED, tags=tags
            )
        )

    result = dead_runs_sensor(dg.build_sensor_context(instance=instance))

    assert isinstance(result, dg.SkipReason) and "1 dead run" in (result.skip_message or "")
    statuses = {r: instance.get_run_by_id(r).status for r in (dead, alive)}  # type: ignore[union-attr]
    assert statuses == {dead: dg.DagsterRunStatus.FAILURE, alive: dg.DagsterRunStatus.STARTED}
    assert isinstance(dead_runs_sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
    assert instance.get_run_by_id(alive).status == dg.DagsterRunStatus.STARTED  # type: ignore[union-attr]
