"""Pool slots held by runs whose process is gone, found and freed.

A run killed in the middle of a stage (SIGKILL, an out-of-memory kill, a lost container) keeps
the pool slot its step claimed, and nothing frees it unless the daemon's run monitoring watches
that run (it does not watch runs started from the command line). Every run our executor starts
therefore carries tags naming its worker (host, pid, the process's start time) and a heartbeat,
and before and while one of its steps waits on a pool, the runs holding that pool's slots are
checked: a run whose worker process is gone on this host, or, elsewhere, whose heartbeat is
older than `CINEGRAPH_DEAD_RUN_AFTER_SECONDS`, is marked failed with a message saying why and
its slots are freed. A run whose worker is alive is never touched.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from cinegraph_pipeline import config

log = logging.getLogger(__name__)

HOST_TAG = "cinegraph/worker_host"
PID_TAG = "cinegraph/worker_pid"
PROCESS_START_TAG = "cinegraph/worker_started"
HEARTBEAT_TAG = "cinegraph/heartbeat"

HEARTBEAT_SECONDS_VAR = "CINEGRAPH_RUN_HEARTBEAT_SECONDS"
DEAD_AFTER_SECONDS_VAR = "CINEGRAPH_DEAD_RUN_AFTER_SECONDS"
DEFAULT_HEARTBEAT_SECONDS = 15.0
DEFAULT_DEAD_AFTER_SECONDS = 120.0

_UNFINISHED = {
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
}


def _seconds(name: str, default: float) -> float:
    raw = config.env(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None


def heartbeat_seconds() -> float:
    return _seconds(HEARTBEAT_SECONDS_VAR, DEFAULT_HEARTBEAT_SECONDS)


def dead_after_seconds() -> float:
    return _seconds(DEAD_AFTER_SECONDS_VAR, DEFAULT_DEAD_AFTER_SECONDS)


def host_identity() -> str:
    """The host name plus the PID namespace: two containers sharing a host name (or a host's
    network) still see different process tables, so a pid means something only within one."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return socket.gethostname()
    return f"{socket.gethostname()}/{namespace}"


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid apart;
    None where /proc does not say."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat.rsplit(")", 1)[1].split()
    state, start_ticks = fields[0], fields[19]
    return None if state in ("Z", "X") else start_ticks


def worker_tags() -> dict[str, str]:
    """Tags naming this process as a run's worker, written when the run starts executing."""
    pid = os.getpid()
    return {
        HOST_TAG: host_identity(),
        PID_TAG: str(pid),
        PROCESS_START_TAG: _process_start(pid) or "",
        HEARTBEAT_TAG: str(int(time.time())),
    }


def heartbeat_tag() -> dict[str, str]:
    return {HEARTBEAT_TAG: str(int(time.time()))}


def _pid_alive(pid: int, started: str) -> bool:
    if not Path("/proc").is_dir():  # no /proc (macOS): a signal 0 says whether it exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    now_started = _process_start(pid)
    return now_started is not None and (not started or now_started == started)


@dataclass(frozen=True)
class Verdict:
    dead: bool
    reason: str


def judge(tags: Mapping[str, str], *, now: float, dead_after: float) -> Verdict | None:
    """Whether the run whose tags these are has lost its worker; None when the run carries no
    worker tags (not started by this executor: left to run monitoring)."""
    host, pid = tags.get(HOST_TAG), tags.get(PID_TAG)
    if not host or not pid:
        return None
    if host == host_identity():
        if _pid_alive(int(pid), tags.get(PROCESS_START_TAG, "")):
            return Verdict(False, f"its worker (pid {pid}) is alive on this host")
        return Verdict(True, f"its worker process (pid {pid} on host {host}) is gone")
    beat = float(tags.get(HEARTBEAT_TAG) or 0)
    silent = now - beat
    if silent > dead_after:
        return Verdict(
            True,
            f"its worker on host {host} (pid {pid}) has sent no heartbeat for {silent:.0f} s "
            f"(more than {DEAD_AFTER_SECONDS_VAR}={dead_after:.0f})",
        )
    return Verdict(False, f"its worker on host {host} sent a heartbeat {silent:.0f} s ago")


@dataclass(frozen=True)
class Freed:
    run_id: str
    pools: tuple[str, ...]
    reason: str
    marked_failed: bool


def _holders(instance: dg.DagsterInstance, pools: Iterable[str]) -> dict[str, set[str]]:
    """Run id -> the pools in which it holds a slot or waits for one."""
    holders: dict[str, set[str]] = {}
    pool_list = list(pools)
    if not pool_list:
        return holders
    for pool, info in instance.event_log_storage.get_concurrency_infos(pool_list).items():
        run_ids = {slot.run_id for slot in info.claimed_slots}
        run_ids |= {step.run_id for step in info.pending_steps}
        for run_id in run_ids:
            holders.setdefault(run_id, set()).add(pool)
    return holders


def pools_of(instance: dg.DagsterInstance) -> list[str]:
    if not instance.event_log_storage.supports_global_concurrency_limits:
        return []
    return sorted(instance.event_log_storage.get_concurrency_keys())


def waiting_pools(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The pools in which `run_id` has a step waiting for a slot."""
    pools = pools_of(instance)
    if not pools:
        return []
    infos = instance.event_log_storage.get_concurrency_infos(pools)
    return sorted(
        pool
        for pool, info in infos.items()
        if any(s.run_id == run_id and s.assigned_timestamp is None for s in info.pending_steps)
    )


def _mark_failed(instance: dg.DagsterInstance, run: dg.DagsterRun, verdict: Verdict) -> None:
    message = f"Marked failed by cinegraph: {verdict.reason}; its pool slots are freed."
    instance.report_run_failed(run, message=message)


def free_dead_holders(
    instance: dg.DagsterInstance,
    pools: Iterable[str],
    *,
    own_run_id: str | None = None,
    dead_after: float | None = None,
) -> list[Freed]:
    """Marks failed the runs holding slots in `pools` whose worker is gone, frees their slots
    (and those of finished runs that still hold some), and says what it freed."""
    limit = dead_after_seconds() if dead_after is None else dead_after
    freed: list[Freed] = []
    now = time.time()
    for run_id, held in sorted(_holders(instance, pools).items()):
        if run_id == own_run_id:
            continue
        run = instance.get_run_by_id(run_id)
        verdict = judge(run.tags, now=now, dead_after=limit) if run else None
        if run is not None and verdict is not None and not verdict.dead:
            continue
        if run is not None and run.status in _UNFINISHED:
            if verdict is None:  # unfinished and not ours to judge: run monitoring's
                continue
            _mark_failed(instance, run, verdict)
            reason, failed = verdict.reason, True
        else:
            status = run.status.value if run else "deleted"
            reason, failed = f"the run has ended ({status}) but still held slots", False
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        pools_text = ", ".join(sorted(held))
        log.warning("freed the slots of run %s in pool(s) %s: %s", run_id, pools_text, reason)
        if run is not None:
            instance.report_engine_event(
                f"Pool slots ({pools_text}) freed by cinegraph"
                + (f" from run {own_run_id}" if own_run_id else "")
                + f": {reason}.",
                dagster_run=run,
            )
        freed.append(Freed(run_id, tuple(sorted(held)), reason, failed))
    return freed


def fail_dead_runs(instance: dg.DagsterInstance, *, dead_after: float | None = None) -> list[Freed]:
    """Marks failed every unfinished run whose worker is gone (holding slots or not), and
    frees its slots: what run monitoring cannot do for the default run launcher."""
    limit = dead_after_seconds() if dead_after is None else dead_after
    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    runs = instance.get_runs(dg.RunsFilter(statuses=statuses), limit=500)
    held = _holders(instance, pools_of(instance))
    now = time.time()
    freed: list[Freed] = []
    for run in runs:
        verdict = judge(run.tags, now=now, dead_after=limit)
        if verdict is None or not verdict.dead:
            continue
        _mark_failed(instance, run, verdict)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        pools = tuple(sorted(held.get(run.run_id, ())))
        log.warning("run %s marked failed, pool(s) %s freed: %s", run.run_id, pools, verdict.reason)
        freed.append(Freed(run.run_id, pools, verdict.reason, True))
    return freed
