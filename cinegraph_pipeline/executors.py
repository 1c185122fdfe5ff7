"""The executor of every run of the code location, chosen by the deployment.

One machine: an edition's steps run in one process (`in_process`, the default), because
starting a process per step costs seconds each, more than the lookups of a small edition. A
deployment picks another executor without code changes, either for every run with
`CINEGRAPH_EXECUTOR` (`in_process`, `multiprocess`, `celery`, `k8s`) where the code location
loads, or for one run with run config (`execution: {config: {multiprocess: {}}}`). Whichever
runs the steps, the run is wrapped so that a run killed midway never blocks the next one (see
`dead_runs`): the worker tags the run with its host and pid, beats a heartbeat, and frees the
pool slots of dead runs before and while its own steps wait on a pool.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from types import FrameType
from typing import Any

import dagster as dg
from dagster_celery import celery_executor

from cinegraph_pipeline import config
from cinegraph_pipeline.dead_runs import (
    free_dead_holders,
    heartbeat_seconds,
    heartbeat_tag,
    pools_of,
    waiting_pools,
    worker_tags,
)

EXECUTOR_VAR = "CINEGRAPH_EXECUTOR"
DEFAULT_EXECUTOR = "in_process"


def _k8s_executor() -> dg.ExecutorDefinition:
    # Imported only when chosen: the Kubernetes client adds half a second to every load.
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor


def chosen_executor() -> str:
    choice = config.env(EXECUTOR_VAR, DEFAULT_EXECUTOR) or DEFAULT_EXECUTOR
    known = ("in_process", "multiprocess", "celery", "k8s")
    if choice not in known:
        raise ValueError(f"{EXECUTOR_VAR}={choice!r}: choose one of {', '.join(known)}")
    return choice


def inner_executors(choice: str) -> dict[str, dg.ExecutorDefinition]:
    """The executors a run may select; Kubernetes only when the deployment chose it."""
    executors = {
        "in_process": dg.in_process_executor,
        "multiprocess": dg.multiprocess_executor,
        "celery": celery_executor,
    }
    if choice == "k8s":
        executors["k8s"] = _k8s_executor()
    return executors


class _Watchdog:
    """Beats the run's heartbeat and, while one of its steps waits on a pool, frees the slots
    of that pool's dead holders (the executor's own loop sleeps while a step is blocked)."""

    def __init__(self, instance: dg.DagsterInstance, run: dg.DagsterRun, interval: float):
        self._instance, self._run, self._interval = instance, run, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cinegraph-watchdog", daemon=True)
        self.blocked = False

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        # Checks for blocked steps more often than it beats: a freed slot should not wait.
        check_every = min(self._interval, 2.0)
        since_beat = 0.0
        while not self._stop.wait(check_every):
            since_beat += check_every
            try:
                if since_beat >= self._interval:
                    self._instance.add_run_tags(self._run.run_id, heartbeat_tag())
                    since_beat = 0.0
                blocked = waiting_pools(self._instance, self._run.run_id)
                self.blocked = bool(blocked)
                if blocked:
                    reclaim(self._instance, self._run, blocked)
            except Exception:  # storage hiccup: the next tick tries again
                continue


def reclaim(instance: dg.DagsterInstance, run: dg.DagsterRun, pools: list[str]) -> None:
    for freed in free_dead_holders(instance, pools, own_run_id=run.run_id):
        instance.report_engine_event(
            f"Freed the slots of run {freed.run_id} in pool(s) {', '.join(freed.pools)}: "
            f"{freed.reason}" + ("; that run is marked failed." if freed.marked_failed else "."),
            dagster_run=run,
        )


def _caused_by_interrupt(event: Any) -> bool:
    """A step put up for retry because this process was interrupted (Dagster honours a retry
    policy on SIGINT/SIGTERM, which suits a preempted step pod, not a Ctrl-C)."""
    if event.event_type_value != dg.DagsterEventType.STEP_UP_FOR_RETRY.value:
        return False
    error = getattr(event.event_specific_data, "error", None)
    while error is not None:
        if error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt"):
            return True
        error = error.cause
    return False


@contextmanager
def _interrupts_while_blocked(watchdog: _Watchdog) -> Iterator[None]:
    """While a step waits on a pool, SIGINT/SIGTERM stop the run at once; otherwise they go
    to Dagster's own handler (which raises inside a step, or at its start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    delegate = previous[signal.SIGINT]

    def handler(signo: int, frame: FrameType | None) -> None:
        if watchdog.blocked:
            raise dg.DagsterExecutionInterruptedError()
        if callable(delegate):
            delegate(signo, frame)
        elif delegate == signal.SIG_DFL:
            raise KeyboardInterrupt

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


class ReclaimingExecutor(dg.Executor):
    """Runs the chosen executor after tagging the run with its worker and freeing the slots of
    dead runs, with a watchdog beating the heartbeat while the steps run."""

    def __init__(self, inner: dg.Executor, *, in_process: bool):
        self._inner = inner
        self._in_process = in_process

    def __getattr__(self, name: str) -> Any:
        # Executors' loops read their own settings off the run's executor (the Celery loop
        # calls `app_args()`): they are the chosen executor's.
        if name == "_inner":
            raise AttributeError(name)
        return getattr(self._inner, name)

    @property
    def retries(self) -> Any:
        return self._inner.retries

    @property
    def step_dependency_config(self) -> Any:
        return self._inner.step_dependency_config

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[Any]:
        instance: dg.DagsterInstance = plan_context.instance
        run: dg.DagsterRun = plan_context.dagster_run
        instance.add_run_tags(run.run_id, worker_tags())
        reclaim(instance, run, pools_of(instance))
        with (
            _Watchdog(instance, run, heartbeat_seconds()) as watchdog,
            _interrupts_while_blocked(watchdog),
            closing(iter(self._inner.execute(plan_context, execution_plan))) as events,
        ):
            for event in events:
                yield event
                if self._in_process and _caused_by_interrupt(event):
                    self._stop(instance, run, event.step_key)

    @staticmethod
    def _stop(instance: dg.DagsterInstance, run: dg.DagsterRun, step_key: str | None) -> None:
        # The step is not retried: the run ends, its slots freed (nothing of it runs any more).
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        instance.report_engine_event(
            f"Interrupted (SIGINT or SIGTERM) during step {step_key}: the run stops without "
            "retrying it; its pool slots are freed.",
            dagster_run=run,
        )
        raise dg.DagsterExecutionInterruptedError()


def _selected(executor_config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    ((name, inner_config),) = executor_config.items()
    return name, inner_config or {}


def build_executor() -> dg.ExecutorDefinition:
    """The code location's executor: a selector over the executors, defaulting to the one
    `CINEGRAPH_EXECUTOR` names (read when the code location loads)."""
    choice = chosen_executor()
    executors = inner_executors(choice)
    schema = dg.Field(
        dg.Selector({name: d.config_schema.as_field() for name, d in executors.items()}),
        default_value={choice: {}},
        description=f"The executor of the run's steps; default from {EXECUTOR_VAR}.",
    )

    def requirements(executor_config: Mapping[str, Any]) -> Any:
        name, inner_config = _selected(executor_config)
        return executors[name].get_requirements(inner_config)

    @dg.executor(name="cinegraph", config_schema=schema, requirements=requirements)
    def cinegraph_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
        """Steps run by the selected executor, dead runs' pool slots freed before they wait."""
        name, inner_config = _selected(init_context.executor_config)
        inner_def = executors[name]
        inner = inner_def.executor_creation_fn(  # type: ignore[misc]
            dg.InitExecutorContext(
                job=init_context.job,
                executor_def=inner_def,
                executor_config=inner_config,
                instance=init_context.instance,
            )
        )
        return ReclaimingExecutor(inner, in_process=name == "in_process")

    return cinegraph_executor
