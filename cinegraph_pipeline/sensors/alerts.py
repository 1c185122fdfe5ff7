"""`api_health_alerts`: posts one message per failure episode of any asset check.

Reads the check executions the instance recorded since its last tick (every check of the
code location: `api_health`'s and the per-edition ones), feeds them in order to the episode
state kept in the cursor, and posts the resulting messages to `CINEGRAPH_ALERT_WEBHOOK_URL`
(a Slack incoming webhook or anything accepting the same JSON); unset, it logs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecord,
    AssetCheckExecutionRecordStatus,
)

from cinegraph_pipeline import config
from cinegraph_pipeline.checks.api_health import API_HEALTH_CHECK_KEYS
from cinegraph_pipeline.health.alerts import AlertState, CheckOutcome, deliver

HISTORY_LIMIT = 100
COMPLETED = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}


def watched_check_keys(context: dg.SensorEvaluationContext) -> Sequence[dg.AssetCheckKey]:
    """Every asset check of the code location; `api_health`'s when evaluated standalone."""
    repository = context.repository_def
    if repository is not None:
        keys = repository.asset_graph.asset_check_keys
        if keys:
            return sorted(keys, key=lambda k: (k.asset_key.to_user_string(), k.name))
    return list(API_HEALTH_CHECK_KEYS)


def _outcome(record: AssetCheckExecutionRecord) -> CheckOutcome | None:
    event = record.event
    if event is None or event.dagster_event is None:
        return None
    evaluation = event.dagster_event.event_specific_data
    passed = getattr(evaluation, "passed", None)
    if passed is None:
        return None
    metadata = {
        key: str(getattr(value, "value", value))
        for key, value in (getattr(evaluation, "metadata", None) or {}).items()
    }
    return CheckOutcome(
        record_id=record.id,
        asset_key=record.key.asset_key.to_user_string(),
        check_name=record.key.name,
        partition=record.partition,
        passed=bool(passed),
        severity=str(getattr(evaluation.severity, "value", evaluation.severity)),
        description=getattr(evaluation, "description", None),
        metadata=metadata,
        run_id=record.run_id,
        timestamp=record.create_timestamp if event.timestamp is None else event.timestamp,
    )


def _run_still_going(instance: dg.DagsterInstance, run_id: str) -> bool:
    run = instance.get_run_by_id(run_id)
    return run is not None and not run.is_finished


def read_new_outcomes(
    instance: dg.DagsterInstance,
    keys: Iterable[dg.AssetCheckKey],
    state: AlertState,
) -> list[CheckOutcome]:
    """Completed evaluations newer than the cursor, oldest first, per check key.

    A planned execution keeps its id when it completes, so reading stops at a planned one
    whose run is still going (it is read once done); one whose run ended without an
    evaluation is skipped. A check seen for the first time contributes only its latest
    evaluation per partition: history from before the sensor ran is not news.
    """
    storage = instance.event_log_storage
    keys = list(keys)
    latest = storage.get_latest_asset_check_execution_by_key(keys)
    outcomes: list[CheckOutcome] = []
    for key in keys:
        newest = latest.get(key)
        key_text = f"{key.asset_key.to_user_string()}:{key.name}"
        last_seen = state.seen.get(key_text)
        if newest is None or (last_seen is not None and newest.id <= last_seen):
            continue
        records = storage.get_asset_check_execution_history(key, limit=HISTORY_LIMIT)
        fresh = sorted(
            (r for r in records if last_seen is None or r.id > last_seen), key=lambda r: r.id
        )
        read: list[CheckOutcome] = []
        for record in fresh:
            if record.status not in COMPLETED:
                if _run_still_going(instance, record.run_id):
                    break
                state.seen[key_text] = record.id
                continue
            outcome = _outcome(record)
            if outcome is not None:
                read.append(outcome)
            state.seen[key_text] = record.id
        if last_seen is None:
            by_partition = {o.partition: o for o in read}  # the latest per partition
            read = list(by_partition.values())
        outcomes.extend(read)
    return outcomes


@dg.sensor(
    name="api_health_alerts",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Posts one Slack-compatible message to CINEGRAPH_ALERT_WEBHOOK_URL when an "
    "asset check starts failing, and one when it passes again (logged when the variable is "
    "unset). Episode state lives in the cursor.",
)
def api_health_alerts(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    state = AlertState.from_cursor(context.cursor)
    outcomes = read_new_outcomes(context.instance, watched_check_keys(context), state)
    messages = [*state.outbox, *state.advance(outcomes)]
    sent, pending = deliver(config.env(config.ALERT_WEBHOOK_VAR), messages, context.log)
    state.outbox = pending
    context.update_cursor(state.to_cursor())
    open_episodes = len(state.failing)
    return dg.SkipReason(
        f"read {len(outcomes)} check evaluations; sent {sent} alerts"
        f"{f', {len(pending)} to retry' if pending else ''}; {open_episodes} checks failing"
    )
