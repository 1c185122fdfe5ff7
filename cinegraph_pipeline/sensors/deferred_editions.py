"""Re-runs editions left with deferred (`pending`) films or whose last run failed, with
backoff and a cap.

A film is deferred when a source failed transiently (rate limit, timeout, block...): it is
stored as `pending` and its nominations are written. A run can also fail as a whole (the
event page unreachable after the step retries); unless it failed for a reason no retry can
fix (a missing key, an edition with no page), it is retried the same way. This sensor asks for
the edition again after 10, 20, 40... minutes, at most `max_attempts` times; the last attempt
runs with `give_up_pending` so that its write stage turns films still failing into stubs
flagged for review (and when that run ended without writing, a `give_up_pending_job` run does
it). While a source is still failing (most of its recent calls are transient errors) the
sensor waits instead of piling on. The sensor only reads and requests runs: every write
happens inside a run.
"""

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import dagster as dg
from sqlalchemy import Engine, and_, case, func, select

from cinegraph_pipeline.assets.festival_import.common import (
    FINAL_ATTEMPT_TAG,
    PERMANENT_FAILURE_TAG,
    RETRY_ATTEMPT_TAG,
    give_up_run_config,
)
from cinegraph_pipeline.jobs import festival_import_job, give_up_pending_job
from cinegraph_pipeline.partitions import FESTIVALS_BY_SLUG, edition_key, parse_edition
from cinegraph_pipeline.sources.errors import TRANSIENT_ERRORS, ErrorType
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource

MAX_ATTEMPTS_VAR = "CINEGRAPH_RETRY_MAX_ATTEMPTS"
BASE_DELAY_VAR = "CINEGRAPH_RETRY_BASE_MINUTES"
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BASE_MINUTES = 10.0
FAILING_WINDOW = timedelta(minutes=15)
FAILING_SAMPLE = 20
FAILING_SHARE = 0.5
# Sources whose spent daily quota defers films (no source of the same rank follows them).
QUOTA_HOLDS_RETRIES = ("imdb",)


@dataclass(frozen=True, slots=True)
class RetrySettings:
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: timedelta = timedelta(minutes=DEFAULT_BASE_MINUTES)

    @classmethod
    def from_env(cls) -> "RetrySettings":
        attempts = int(os.environ.get(MAX_ATTEMPTS_VAR) or DEFAULT_MAX_ATTEMPTS)
        minutes = float(os.environ.get(BASE_DELAY_VAR) or DEFAULT_BASE_MINUTES)
        return cls(max_attempts=max(1, attempts), base_delay=timedelta(minutes=minutes))

    def delay(self, attempts_made: int) -> timedelta:
        """The wait before the next attempt: one base delay, then doubling."""
        return self.base_delay * (2**attempts_made)


def editions_with_pending_films(engine: Engine) -> dict[str, int]:
    """`festival|year` -> number of pending films, for every edition that has any. A pending
    film flagged for review was stopped by an error in our code (internal_error): no retry
    fixes that, so it does not count."""
    query = (
        select(
            FestivalNomination.festival,
            FestivalNomination.year,
            func.count(func.distinct(Movie.id)),
        )
        .join(Movie, Movie.id == FestivalNomination.movie_id)
        .where(Movie.import_type == "pending", Movie.needs_review.is_(False))
        .group_by(FestivalNomination.festival, FestivalNomination.year)
    )
    with engine.connect() as conn:
        return {
            edition_key(festival, year): count
            for festival, year, count in conn.execute(query)
            if festival in FESTIVALS_BY_SLUG
        }


def failing_sources(engine: Engine, now: datetime) -> dict[str, float]:
    """Sources whose recent calls that reached the service are mostly transient errors
    (with that share), or whose daily budget is spent when that defers films. Cache hits,
    in-run replays and local refusals are not the service answering: they neither dilute nor
    make the share, as in `api_health`."""
    transient = [error.value for error in TRANSIENT_ERRORS]
    failing: dict[str, float] = {}
    with engine.connect() as conn:
        for source in ("tmdb", "omdb", "imdb"):
            recent = (
                select(ApiLookupMetric.error_type)
                .where(
                    and_(
                        ApiLookupMetric.source == source,
                        ApiLookupMetric.inserted_at >= now - FAILING_WINDOW,
                        ApiLookupMetric.origin == "service",
                    )
                )
                .order_by(ApiLookupMetric.inserted_at.desc())
                .limit(FAILING_SAMPLE)
                .subquery()
            )
            total, bad = conn.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(case((recent.c.error_type.in_(transient), 1), else_=0)), 0
                    ),
                )
            ).one()
            if total >= 5 and bad / total >= FAILING_SHARE:
                failing[source] = round(bad / total, 3)
        # A daily budget spent today (Zyte's, for IMDb pages) stays spent until midnight UTC:
        # retrying before then would only burn attempts. OMDb's spent quota is no reason to
        # wait: the films it cannot answer go on to the IMDb stage (the same `minimal`).
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for source in QUOTA_HOLDS_RETRIES:
            last = conn.scalar(
                select(ApiLookupMetric.error_type)
                .where(ApiLookupMetric.source == source, ApiLookupMetric.inserted_at >= midnight)
                .order_by(ApiLookupMetric.inserted_at.desc())
                .limit(1)
            )
            if last == ErrorType.QUOTA_EXHAUSTED.value:
                failing[source] = 1.0
    return failing


def plan_retries(
    pending: dict[str, int],
    state: dict[str, dict[str, Any]],
    now: datetime,
    settings: RetrySettings,
    busy: frozenset[str] = frozenset(),
) -> tuple[list[dg.RunRequest], dict[str, dict[str, Any]]]:
    """Which editions to run again now, and the new cursor state.

    The state holds, per edition with pending films, the attempts made and when the next is
    due (one base delay after the deferral is first seen, then doubling). An edition with no
    pending film left drops out, so a later deferral starts a fresh series; an edition with
    a run in progress (`busy`) waits for it.
    """
    requests: list[dg.RunRequest] = []
    new_state: dict[str, dict[str, Any]] = {}
    for partition, films in sorted(pending.items()):
        entry = state.get(partition) or {
            "attempts": 0,
            "due": (now + settings.delay(0)).isoformat(),
            # A new series of attempts gets run keys of its own: Dagster never launches a
            # run key twice, and an edition may be deferred again after it recovered.
            "series": now.strftime("%Y%m%dT%H%M%S"),
        }
        attempts = int(entry["attempts"])
        new_state[partition] = {**entry, "films": films}
        if (
            attempts >= settings.max_attempts
            or partition in busy
            or now < datetime.fromisoformat(entry["due"])
        ):
            continue
        attempt = attempts + 1
        tags = {RETRY_ATTEMPT_TAG: str(attempt)}
        run_config: dict[str, Any] = {}
        if attempt == settings.max_attempts:
            tags[FINAL_ATTEMPT_TAG] = "true"
            run_config = give_up_run_config()
        requests.append(
            dg.RunRequest(
                run_key=f"{partition}:{entry['series']}:retry:{attempt}",
                partition_key=partition,
                tags=tags,
                run_config=run_config,
                job_name=festival_import_job.name,
            )
        )
        new_state[partition] = {
            **entry,
            "attempts": attempt,
            "due": (now + settings.delay(attempt)).isoformat(),
            "films": films,
        }
    return requests, new_state


FAILED_RUN_WINDOW = timedelta(days=2)
PARTITION_TAG = "dagster/partition"


def editions_whose_last_run_failed(instance: dg.DagsterInstance, now: datetime) -> set[str]:
    """Editions whose most recent festival-import run failed, not permanently."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(updated_after=now - FAILED_RUN_WINDOW),
        limit=500,  # newest first
    )
    latest: dict[str, dg.DagsterRun] = {}
    for record in records:
        run = record.dagster_run
        partition = run.tags.get(PARTITION_TAG)
        if partition is None or partition in latest or not _imports_an_edition(run):
            continue
        latest[partition] = run
    return {
        partition
        for partition, run in latest.items()
        if run.status == dg.DagsterRunStatus.FAILURE
        and run.tags.get(PERMANENT_FAILURE_TAG) != "true"
    }


def _imports_an_edition(run: dg.DagsterRun) -> bool:
    try:
        parse_edition(run.tags[PARTITION_TAG])
    except ValueError:
        return False
    if run.job_name == festival_import_job.name:
        return True
    selection = run.asset_selection or frozenset()
    return any(key.to_user_string() == "edition_write" for key in selection)


def editions_in_progress(instance: dg.DagsterInstance) -> frozenset[str]:
    """Editions with a run queued or going (the import job, or any run selecting the
    edition's assets), which the sensor waits for."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.NOT_STARTED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ],
        )
    )
    return frozenset(
        run.tags[PARTITION_TAG]
        for run in runs
        if PARTITION_TAG in run.tags and _imports_an_edition(run)
    )


def give_up_requests(
    state: dict[str, dict[str, Any]],
    now: datetime,
    settings: RetrySettings,
    busy: frozenset[str],
) -> list[dg.RunRequest]:
    """Editions whose last attempt has run (not one requested on this tick, in `busy` too)
    and that still have pending films (that run crashed or failed before writing): a
    `give_up_pending_job` run for each."""
    return [
        dg.RunRequest(
            run_key=f"{partition}:{entry['series']}:give_up",
            partition_key=partition,
            job_name=give_up_pending_job.name,
            tags={FINAL_ATTEMPT_TAG: "true"},
        )
        for partition, entry in sorted(state.items())
        if entry["attempts"] >= settings.max_attempts
        and entry.get("films", 0) > 0
        and partition not in busy
        and now >= datetime.fromisoformat(entry["due"])
    ]


@dg.sensor(
    jobs=[festival_import_job, give_up_pending_job],
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-runs festival editions left with deferred films or a failed run, with backoff.",
)
def deferred_editions_sensor(
    context: dg.SensorEvaluationContext, database: DatabaseResource
) -> dg.SensorResult | dg.SkipReason:
    engine = database.engine()
    now = datetime.now(UTC)
    pending = editions_with_pending_films(engine)
    for partition in editions_whose_last_run_failed(context.instance, now):
        pending.setdefault(partition, 0)
    state: dict[str, dict[str, Any]] = json.loads(context.cursor) if context.cursor else {}
    if not pending:
        return dg.SensorResult(
            skip_reason="no edition has deferred films or a failed run", cursor="{}"
        )
    failing = failing_sources(engine, now)
    if failing:
        names = ", ".join(f"{s} ({share:.0%} transient errors)" for s, share in failing.items())
        return dg.SkipReason(f"waiting: still failing: {names}")
    settings = RetrySettings.from_env()
    busy = editions_in_progress(context.instance)
    requests, new_state = plan_retries(pending, state, now, settings, busy)
    just_requested = frozenset(r.partition_key for r in requests if r.partition_key)
    give_ups = give_up_requests(new_state, now, settings, busy | just_requested)
    if not requests and not give_ups:
        reason = f"{len(pending)} editions with deferred films are waiting for their backoff"
        return dg.SensorResult(skip_reason=reason, cursor=json.dumps(new_state))
    return dg.SensorResult(run_requests=requests + give_ups, cursor=json.dumps(new_state))
