"""`api_health_alerts`: posts one message per failure episode of any asset check.

Reads, through the instance's public run and event APIs, the check evaluations logged by the
runs updated since its last tick (every check of the code location: `api_health`'s and the
per-edition ones), feeds them in order to the episode state kept in the cursor, and posts
the resulting messages to `CINEGRAPH_ALERT_WEBHOOK_URL` (a Slack incoming webhook or anything
accepting the same JSON); unset, it logs them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

import dagster as dg

from cinegraph_pipeline import config
from cinegraph_pipeline.checks.api_health import API_HEALTH_CHECK_KEYS
from cinegraph_pipeline.health.alerts import AlertState, CheckOutcome, deliver

# Cursor entry: when the previous tick looked (seconds); the other entries are run ids with
# the last event storage id read from each.
SINCE = "__since__"
# Runs updated this long before the previous tick are read again (slow commits, clocks).
OVERLAP_SECONDS = 300
FIRST_LOOK_SECONDS = 7 * 86400
RUN_LIMIT = 500


def watched_check_keys(context: dg.SensorEvaluationContext) -> Sequence[dg.AssetCheckKey]:
    """Every asset check of the code location; `api_health`'s when evaluated standalone."""
    repository = context.repository_def
    if repository is not None:
        keys = repository.asset_graph.asset_check_keys
        if keys:
            return sorted(keys, key=lambda k: (k.asset_key.to_user_string(), k.name))
    return list(API_HEALTH_CHECK_KEYS)


def _outcome(record: dg.EventLogRecord, run_id: str) -> CheckOutcome | None:
    event = record.event_log_entry.dagster_event
    evaluation = event.event_specific_data if event is not None else None
    if not isinstance(evaluation, dg.AssetCheckEvaluation):
        return None
    return CheckOutcome(
        record_id=record.storage_id,
        asset_key=evaluation.asset_key.to_user_string(),
        check_name=evaluation.check_name,
        partition=evaluation.partition,
        passed=evaluation.passed,
        severity=str(evaluation.severity.value),
        description=evaluation.description,
        metadata={
            key: str(getattr(value, "value", value))
            for key, value in (evaluation.metadata or {}).items()
        },
        run_id=run_id,
        timestamp=record.timestamp,
    )


def read_new_outcomes(
    instance: dg.DagsterInstance,
    keys: Iterable[dg.AssetCheckKey],
    state: AlertState,
    now: float | None = None,
) -> list[CheckOutcome]:
    """Check evaluations not read before, oldest first, from the runs updated since the last
    tick. On the first tick only the latest evaluation per check and partition counts:
    history from before the sensor ran is not news."""
    now = time.time() if now is None else now
    first = SINCE not in state.seen
    since = now - FIRST_LOOK_SECONDS if first else state.seen[SINCE] - OVERLAP_SECONDS
    watched = {(k.asset_key.to_user_string(), k.name) for k in keys}
    runs = instance.get_run_records(
        filters=dg.RunsFilter(updated_after=_utc(since)), limit=RUN_LIMIT
    )
    seen: dict[str, int] = {SINCE: int(now)}
    outcomes: list[CheckOutcome] = []
    for run in runs:
        run_id = run.dagster_run.run_id
        last = state.seen.get(run_id, 0)
        seen[run_id] = last
        connection = instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        )
        for record in connection.records:
            if record.storage_id <= last:
                continue
            seen[run_id] = max(seen[run_id], record.storage_id)
            outcome = _outcome(record, run_id)
            if outcome is not None and (outcome.asset_key, outcome.check_name) in watched:
                outcomes.append(outcome)
    state.seen = seen
    # Storage ids order the events of one run (SQLite keeps one event log per run); the
    # timestamps order the runs.
    outcomes.sort(key=lambda o: (o.timestamp, o.record_id))
    if first:
        latest = {o.episode_key: o for o in outcomes}
        outcomes = sorted(latest.values(), key=lambda o: (o.timestamp, o.record_id))
    return outcomes


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


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
