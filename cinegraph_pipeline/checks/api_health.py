"""The asset checks of `api_health`: evaluated from the same aggregation the asset shows.

Each result carries `measured` (the value the check judged), `threshold` (the limit it was
judged against) and `rule` (the rule in words), so the UI and the alert messages can say
what was seen and what was expected without knowing the check.

A check with too little data to judge (fewer calls than `min_calls`, no metrics at all)
gives `NotJudged` instead of a result: the asset then yields nothing for it, and Dagster
shows the check as skipped (planned, not executed) rather than as a green Passed. Rates are
over the calls that reached the service; cache hits and local refusals judge nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from cinegraph_pipeline.health.aggregate import (
    MATCH_SOURCES,
    SOURCES,
    HealthReport,
    MatchStats,
    WindowHealth,
)
from cinegraph_pipeline.health.thresholds import HealthThresholds

API_HEALTH_KEY = dg.AssetKey("api_health")

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR


@dataclass(frozen=True, slots=True)
class NotJudged:
    """A check left unevaluated this time, and why (shown in the asset's metadata)."""

    check_name: str
    reason: str


Outcome = dg.AssetCheckResult | NotJudged


@dataclass(frozen=True, slots=True)
class HealthCheck:
    name: str
    description: str
    evaluate: Callable[[HealthReport, WindowHealth, HealthThresholds], Outcome]

    @property
    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=API_HEALTH_KEY, description=self.description)


def _result(
    name: str,
    *,
    passed: bool,
    severity: dg.AssetCheckSeverity,
    measured: float | None,
    threshold: float,
    rule: str,
    description: str,
    **extra: Any,
) -> dg.AssetCheckResult:
    metadata: dict[str, Any] = {
        # Six significant digits: a cost per film of $0.0000024 must not round to 0.
        "measured": dg.FloatMetadataValue(None if measured is None else float(f"{measured:.6g}")),
        "threshold": dg.MetadataValue.float(float(threshold)),
        "rule": dg.MetadataValue.text(rule),
    }
    for key, value in extra.items():
        metadata[key] = dg.FloatMetadataValue(None) if value is None else value
    return dg.AssetCheckResult(
        check_name=name,
        asset_key=API_HEALTH_KEY,
        passed=passed,
        severity=severity,
        description=description,
        metadata=metadata,
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _tmdb_success_rate(
    report: HealthReport, health: WindowHealth, limits: HealthThresholds
) -> Outcome:
    stats = health.source("tmdb")
    rate = stats.success_rate
    rule = (
        f"TMDb success rate >= {limits.tmdb_success_warn:.0%} "
        f"(ERROR below {limits.tmdb_success_error:.0%}) over the calls that reached it, "
        f"over {health.window.label}"
    )
    if rate is None or stats.calls < limits.min_calls:
        return NotJudged(
            "tmdb_success_rate",
            f"{stats.calls} TMDb calls reached the service in {health.window.label} "
            f"(fewer than {limits.min_calls}): too few to judge.",
        )
    passed = rate >= limits.tmdb_success_warn
    severity = ERROR if rate < limits.tmdb_success_error else WARN
    text = (
        f"TMDb answered {_pct(rate)} of the {stats.calls} calls that reached it in "
        f"{health.window.label} ({stats.cache_hits} more answered from the cache, "
        f"{stats.refused} refused locally)."
    )
    return _result(
        "tmdb_success_rate",
        passed=passed,
        severity=severity,
        measured=rate,
        threshold=limits.tmdb_success_warn,
        rule=rule,
        description=text,
        error_threshold=dg.MetadataValue.float(limits.tmdb_success_error),
        calls=dg.MetadataValue.int(stats.calls),
        cache_hits=dg.MetadataValue.int(stats.cache_hits),
        refused=dg.MetadataValue.int(stats.refused),
    )


def _avg_response(source: str) -> HealthCheck:
    def evaluate(report: HealthReport, health: WindowHealth, limits: HealthThresholds) -> Outcome:
        stats = health.source(source)
        average = stats.avg_ms
        if average is None or stats.timed_calls < limits.min_calls:
            return NotJudged(
                f"{source}_avg_response_time",
                f"{stats.timed_calls} timed {source} calls in {health.window.label} "
                f"(fewer than {limits.min_calls}): too few to judge.",
            )
        passed = average <= limits.max_avg_response_ms
        text = (
            f"{source} answered in {average:.0f} ms on average "
            f"(p95 {stats.p95_ms or 0:.0f} ms) over {stats.timed_calls} calls."
        )
        return _result(
            f"{source}_avg_response_time",
            passed=passed,
            severity=WARN,
            measured=average,
            threshold=limits.max_avg_response_ms,
            rule=f"{source} average response <= {limits.max_avg_response_ms:.0f} ms "
            f"over {health.window.label}",
            description=text,
            p95_ms=stats.p95_ms,
            calls=dg.MetadataValue.int(stats.timed_calls),
        )

    return HealthCheck(
        f"{source}_avg_response_time",
        f"{source}: average response time under the limit (default 500 ms). Slow answers "
        "stretch every edition import and usually precede timeouts.",
        evaluate,
    )


def _match_rate(source: str) -> HealthCheck:
    def evaluate(report: HealthReport, health: WindowHealth, limits: HealthThresholds) -> Outcome:
        match = health.matches.get(source) or MatchStats()
        rate = match.match_rate
        minimum = limits.min_match_rate.get(source, 0.0)
        if rate is None or match.attempted < limits.min_calls:
            return NotJudged(
                f"{source}_match_rate",
                f"{source} was asked about {match.attempted} films in {health.window.label} "
                f"(fewer than {limits.min_calls}): too few to judge.",
            )
        passed = rate >= minimum
        text = (
            f"{source} resolved {match.resolved} of {match.attempted} films "
            f"({_pct(rate)}) in {health.window.label}."
        )
        return _result(
            f"{source}_match_rate",
            passed=passed,
            severity=WARN,
            measured=rate,
            threshold=minimum,
            rule=f"{source} resolves >= {minimum:.0%} of the films it is asked about",
            description=text,
            films_asked=dg.MetadataValue.int(match.attempted),
            films_resolved=dg.MetadataValue.int(match.resolved),
            success_rate=health.source(source).success_rate,
        )

    return HealthCheck(
        f"{source}_match_rate",
        f"{source}: share of the films it was asked about that it resolved. Reported beside "
        "the success rate, which counts 'not found' answers as successes: a source can answer "
        "every call and still find nothing.",
        evaluate,
    )


def _attempt_error_rate(source: str) -> HealthCheck:
    name = f"{source}_attempt_error_rate"

    def evaluate(report: HealthReport, health: WindowHealth, limits: HealthThresholds) -> Outcome:
        stats = health.source(source)
        rate = stats.attempt_error_rate
        if rate is None or stats.attempts < limits.min_calls:
            return NotJudged(
                name,
                f"{stats.attempts} {source} requests in {health.window.label} "
                f"(fewer than {limits.min_calls}): too few to judge.",
            )
        passed = rate <= limits.max_attempt_error_rate
        why = ", ".join(f"{e} {n}" for e, n in sorted(stats.attempt_errors.items())) or "none"
        return _result(
            name,
            passed=passed,
            severity=WARN,
            measured=rate,
            threshold=limits.max_attempt_error_rate,
            rule=f"at most {limits.max_attempt_error_rate:.0%} of {source}'s requests fail "
            f"(retries included), over {health.window.label}",
            description=f"{stats.failed_attempts} of {stats.attempts} {source} requests failed "
            f"({_pct(rate)}: {why}); {_pct(stats.success_rate)} of its calls still succeeded "
            f"after {stats.retries} retries.",
            attempts=dg.MetadataValue.int(stats.attempts),
            failed_attempts=dg.MetadataValue.int(stats.failed_attempts),
            attempt_errors=dg.MetadataValue.json(dict(sorted(stats.attempt_errors.items()))),
            success_rate=stats.success_rate,
            retries_per_call=stats.retries_per_call,
        )

    return HealthCheck(
        name,
        f"{source}: at most 20% of its HTTP requests fail, retries included (WARN). Retries "
        "that win hide an outage from the success rate; this is where it shows.",
        evaluate,
    )


def source_status(source: str, health: WindowHealth, limits: HealthThresholds) -> str:
    """healthy / degraded / failing (the seeds' green / yellow / red) by the checks' own
    thresholds: failing below the ERROR success rate, degraded when a WARN would fail
    (success rate, attempt error rate, average response); `not judged` with too few calls.
    The success-rate thresholds of TMDb apply to every source's status."""
    stats = health.source(source)
    if stats.calls < limits.min_calls:
        return "not judged"
    rate = stats.success_rate or 0.0
    if rate < limits.tmdb_success_error:
        return "failing"
    degraded = (
        rate < limits.tmdb_success_warn
        or (stats.attempt_error_rate or 0.0) > limits.max_attempt_error_rate
        or (stats.avg_ms or 0.0) > limits.max_avg_response_ms
    )
    return "degraded" if degraded else "healthy"


def _cost_per_film(report: HealthReport, health: WindowHealth, limits: HealthThresholds) -> Outcome:
    cost = health.totals.cost_usd
    per_film = health.cost_per_film
    if per_film is None:
        return NotJudged(
            "cost_per_film", f"no film looked up and nothing spent in {health.window.label}."
        )
    passed = per_film <= limits.max_cost_per_film_usd
    return _result(
        "cost_per_film",
        passed=passed,
        severity=ERROR,
        measured=per_film,
        threshold=limits.max_cost_per_film_usd,
        rule=f"calls cost <= ${limits.max_cost_per_film_usd} per film looked up "
        f"over {health.window.label}",
        description=f"${cost:.4f} for {health.films} films in {health.window.label}.",
        cost_usd=dg.MetadataValue.float(round(cost, 6)),
        films=dg.MetadataValue.int(health.films),
    )


def _no_expired_metrics(
    report: HealthReport, health: WindowHealth, limits: HealthThresholds
) -> Outcome:
    age = report.oldest_metric_age_days
    limit = limits.retention_days + limits.retention_grace_days
    if age is None:
        return NotJudged("no_expired_metrics", "no metrics stored yet.")
    passed = age <= limit
    text = (
        f"The oldest metric row is {age:.1f} days old (retention {limits.retention_days}"
        f" days); {'fine' if passed else 'run metrics_retention'}."
    )
    return _result(
        "no_expired_metrics",
        passed=passed,
        severity=WARN,
        measured=age,
        threshold=float(limit),
        rule=f"no metric older than {limits.retention_days} days "
        f"(+{limits.retention_grace_days:g} day grace for the daily prune)",
        description=text,
        retention_days=dg.MetadataValue.int(limits.retention_days),
    )


HEALTH_CHECKS: tuple[HealthCheck, ...] = (
    HealthCheck(
        "tmdb_success_rate",
        "TMDb answers (not-found included) at least 85% of the calls that reached it; WARN "
        "below, ERROR below 70%; cache hits and local refusals are not counted. TMDb is the "
        "first source of every film: when it fails, films pile up as deferred.",
        _tmdb_success_rate,
    ),
    *(_attempt_error_rate(source) for source in SOURCES),
    *(_avg_response(source) for source in SOURCES),
    *(_match_rate(source) for source in MATCH_SOURCES),
    HealthCheck(
        "cost_per_film",
        "Average cost of the external calls per film looked up stays under one cent (ERROR "
        "above): an edition of 100 films costing more than a dollar is a fault, e.g. a "
        "rendering proxy used for every page.",
        _cost_per_film,
    ),
    HealthCheck(
        "no_expired_metrics",
        "No metric row is older than the retention (default 90 days): if this fails, the "
        "daily metrics_retention prune is not running.",
        _no_expired_metrics,
    ),
)

API_HEALTH_CHECK_SPECS: tuple[dg.AssetCheckSpec, ...] = tuple(c.spec for c in HEALTH_CHECKS)
API_HEALTH_CHECK_KEYS: tuple[dg.AssetCheckKey, ...] = tuple(s.key for s in API_HEALTH_CHECK_SPECS)


def evaluate_api_health_checks(
    report: HealthReport,
    thresholds: HealthThresholds,
    window_label: str,
    names: Sequence[str] | None = None,
) -> list[Outcome]:
    """The results of the checks (all, or `names`) on the report's `window_label` window:
    an `AssetCheckResult` per judged check, a `NotJudged` per check with too little data."""
    health = report.window(window_label)
    selected = set(names) if names is not None else None
    return [
        check.evaluate(report, health, thresholds)
        for check in HEALTH_CHECKS
        if selected is None or check.name in selected
    ]
