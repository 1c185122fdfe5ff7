"""Runs whose worker died are marked failed within a minute, even when no other run needs
their pools: the default run launcher gives the daemon's run monitoring no way to tell, and
a run left `STARTED` is never retried by `run_retries`."""

from __future__ import annotations

import dagster as dg

from cinegraph_pipeline.dead_runs import fail_dead_runs


@dg.sensor(
    name="dead_runs_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose worker process is gone and frees their pool slots.",
)
def dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    freed = fail_dead_runs(context.instance)
    for dead in freed:
        context.log.warning(f"run {dead.run_id} marked failed: {dead.reason}")
    return dg.SkipReason(f"{len(freed)} dead run(s) marked failed" if freed else "no dead run")
