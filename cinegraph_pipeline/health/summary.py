"""The metadata of `api_health`: tables first (what someone on call reads), then numbers
under stable keys (what the UI plots over time).

Tables are `MetadataValue.table`, so a title or name containing `|` cannot break them. The
first is the seeds' dashboard: Source | Status | Success rate | Avg response | p95 | Last 24h
(successes / calls) | attempts failing | cache hits | refused | cost. The others give every
window side by side, per-festival import health, cost per day and month, operations and TMDb
fallback levels.

Plotted keys are few and never change shape: per source and window
`{source}_{calls,success_rate,attempts,attempt_error_rate,cache_hit_rate,refused}_{window}`;
for the checked window only `{source}_avg_ms_`, `{source}_p95_ms_`, `{source}_match_rate_`
and the totals `calls_`, `films_`, `cost_usd_`, `cost_per_film_usd_`; and
`oldest_metric_age_days`. Calls, success rate and latency count the calls that reached the
service. A value that is undefined (a rate over zero calls) is an empty float, not a
misleading 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg

from cinegraph_pipeline.checks.api_health import source_status
from cinegraph_pipeline.health.aggregate import (
    FALLBACK_LEVELS,
    MATCH_SOURCES,
    SOURCES,
    EditionImport,
    HealthReport,
    WindowHealth,
)
from cinegraph_pipeline.health.thresholds import HealthThresholds

NONE = "n/a"
IMPORT_TYPES = ("full", "minimal", "stub", "pending")
SOURCE_NAMES = {
    "tmdb": "TMDb API",
    "omdb": "OMDb API",
    "imdb": "IMDb",
    "festival_scraper": "Festival scraper",
}


def _float(value: float | None, digits: int = 4) -> dg.FloatMetadataValue:
    return dg.FloatMetadataValue(None if value is None else round(float(value), digits))


def numeric_metadata(report: HealthReport, checked_window: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for label, health in report.windows.items():
        for source in SOURCES:
            stats = health.source(source)
            metadata[f"{source}_calls_{label}"] = dg.MetadataValue.int(stats.calls)
            metadata[f"{source}_success_rate_{label}"] = _float(stats.success_rate)
            metadata[f"{source}_attempts_{label}"] = dg.MetadataValue.int(stats.attempts)
            metadata[f"{source}_attempt_error_rate_{label}"] = _float(stats.attempt_error_rate)
            metadata[f"{source}_cache_hit_rate_{label}"] = _float(stats.cache_hit_rate)
            metadata[f"{source}_refused_{label}"] = dg.MetadataValue.int(stats.refused)
    checked = report.window(checked_window)
    w = checked_window
    for source in SOURCES:
        stats = checked.source(source)
        metadata[f"{source}_avg_ms_{w}"] = _float(stats.avg_ms, 1)
        metadata[f"{source}_p95_ms_{w}"] = _float(stats.p95_ms, 1)
        if source in MATCH_SOURCES:
            match = checked.matches.get(source)
            metadata[f"{source}_match_rate_{w}"] = _float(match.match_rate if match else None)
    totals = checked.totals
    metadata[f"calls_{w}"] = dg.MetadataValue.int(totals.calls)
    metadata[f"films_{w}"] = dg.MetadataValue.int(checked.films)
    metadata[f"cost_usd_{w}"] = _float(totals.cost_usd, 6)
    metadata[f"cost_per_film_usd_{w}"] = _float(checked.cost_per_film, 6)
    metadata["oldest_metric_age_days"] = _float(report.oldest_metric_age_days, 2)
    return metadata


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return NONE if value is None else f"{value:,.0f} ms"


def _money(value: float) -> str:
    return f"${value:,.4f}"


def table(
    columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]
) -> dg.TableMetadataValue:
    """A metadata table; `columns` are (name, type) with types as Dagster's TableColumn."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name=name, type=kind) for name, kind in columns]
    )
    records = [dg.TableRecord(dict(row)) for row in rows]
    return dg.MetadataValue.table(records=records, schema=schema)


def _failing_attempts(stats: Any) -> str:
    if not stats.attempts:
        return NONE
    return f"{_pct(stats.attempt_error_rate)} of {stats.attempts:,}"


def _attempt_errors(stats: Any) -> str:
    return ", ".join(f"{e} {n:,}" for e, n in sorted(stats.attempt_errors.items())) or "none"


def sources_table(health: WindowHealth, limits: HealthThresholds) -> dg.TableMetadataValue:
    """The seeds' dashboard for one window (the checked one: 24 hours by default)."""
    label = health.window.label
    rows = []
    for source in SOURCES:
        stats = health.source(source)
        rows.append(
            {
                "Source": SOURCE_NAMES.get(source, source),
                "Status": source_status(source, health, limits),
                "Success rate": _pct(stats.success_rate),
                "Avg response": _ms(stats.avg_ms),
                "p95": _ms(stats.p95_ms),
                f"Last {label} (successes / calls)": f"{stats.successes:,}/{stats.calls:,}",
                "attempts failing": _failing_attempts(stats),
                "failed attempts by type": _attempt_errors(stats),
                "retries per call": NONE
                if stats.retries_per_call is None
                else f"{stats.retries_per_call:.2f}",
                "cache hits": f"{stats.cache_hits:,} ({_pct(stats.cache_hit_rate)})",
                "refused": ", ".join(f"{e} {n:,}" for e, n in sorted(stats.refusals.items()))
                or "0",
                "cost": _money(stats.cost_usd),
            }
        )
    columns = [
        ("Source", "string"),
        ("Status", "string"),
        ("Success rate", "string"),
        ("Avg response", "string"),
        ("p95", "string"),
        (f"Last {label} (successes / calls)", "string"),
        ("attempts failing", "string"),
        ("failed attempts by type", "string"),
        ("retries per call", "string"),
        ("cache hits", "string"),
        ("refused", "string"),
        ("cost", "string"),
    ]
    return table(columns, rows)


def windows_table(report: HealthReport, limits: HealthThresholds) -> dg.TableMetadataValue:
    """Every window side by side (1 hour, 24 hours, 7 days by default), per source."""
    rows = []
    for source in SOURCES:
        for label, health in report.windows.items():
            stats = health.source(source)
            rows.append(
                {
                    "source": source,
                    "window": label,
                    "status": source_status(source, health, limits),
                    "calls": stats.calls,
                    "success rate": _pct(stats.success_rate),
                    "attempts": stats.attempts,
                    "attempt error rate": _pct(stats.attempt_error_rate),
                    "avg ms": _ms(stats.avg_ms),
                    "cache hits": stats.cache_hits,
                    "refused": stats.refused,
                    "not found": stats.not_found_count,
                    "errors": stats.error_count,
                }
            )
    columns = [
        ("source", "string"),
        ("window", "string"),
        ("status", "string"),
        ("calls", "int"),
        ("success rate", "string"),
        ("attempts", "int"),
        ("attempt error rate", "string"),
        ("avg ms", "string"),
        ("cache hits", "int"),
        ("refused", "int"),
        ("not found", "int"),
        ("errors", "int"),
    ]
    return table(columns, rows)


def _import_row(festival: str, edition: str, by_type: Mapping[str, int]) -> dict[str, Any]:
    films = sum(by_type.values())
    row: dict[str, Any] = {"festival": festival, "edition": edition, "films created": films}
    for kind in IMPORT_TYPES:
        row[kind] = by_type.get(kind, 0)
    row["full share"] = _pct(by_type.get("full", 0) / films if films else None)
    return row


def imports_table(editions: Sequence[EditionImport]) -> dg.TableMetadataValue:
    """Per festival (all its editions), then per edition: films created in the window."""
    per_festival: dict[str, dict[str, int]] = {}
    for edition in editions:
        totals = per_festival.setdefault(edition.festival, {})
        for kind, count in edition.by_type.items():
            totals[kind] = totals.get(kind, 0) + count
    rows = [_import_row(f, "all", by_type) for f, by_type in sorted(per_festival.items())]
    rows += [_import_row(e.festival, str(e.year), e.by_type) for e in editions]
    columns = [("festival", "string"), ("edition", "string"), ("films created", "int")]
    columns += [(kind, "int") for kind in IMPORT_TYPES]
    columns.append(("full share", "string"))
    return table(columns, rows)


MONTH_DAYS = 30


def cost_table(report: HealthReport) -> dg.TableMetadataValue:
    """Per source: the last 24 hours, the average day over the widest window, and a month
    (30 days) at that rate: the widest window is at most a few days of metric rows to read,
    where 30 real days would be a third of the 90-day table every hour."""
    widest = list(report.windows.values())[-1]
    days = max(widest.window.hours / 24, 1.0)
    day = report.windows.get("24h")
    per_day = f"per day (avg over {widest.window.label})"
    per_month = f"per month (at the {widest.window.label} rate)"
    rows = []
    for source in SOURCES:
        daily = widest.source(source).cost_usd / days
        rows.append(
            {
                "source": source,
                "last 24h": _money(day.source(source).cost_usd) if day else NONE,
                per_day: _money(daily),
                per_month: _money(daily * MONTH_DAYS),
            }
        )
    columns = [
        ("source", "string"),
        ("last 24h", "string"),
        (per_day, "string"),
        (per_month, "string"),
    ]
    return table(columns, rows)


def operations_table(health: WindowHealth) -> dg.TableMetadataValue:
    rows = [
        {
            "source": source,
            "operation": operation,
            "calls": stats.calls,
            "success rate": _pct(stats.success_rate),
            "avg ms": _ms(stats.avg_ms),
            "p95 ms": _ms(stats.p95_ms),
            "attempts failing": _failing_attempts(stats),
            "failed attempts by type": _attempt_errors(stats),
            "errors": ", ".join(
                f"{k} {v:,}" for k, v in sorted(stats.errors.items()) if k != "not_found"
            )
            or NONE,
            "not found": stats.not_found_count,
            "cache hits": stats.cache_hits,
            "refused": stats.refused,
        }
        for (source, operation), stats in sorted(health.by_operation.items())
    ]
    columns = [
        ("source", "string"),
        ("operation", "string"),
        ("calls", "int"),
        ("success rate", "string"),
        ("avg ms", "string"),
        ("p95 ms", "string"),
        ("attempts failing", "string"),
        ("failed attempts by type", "string"),
        ("errors", "string"),
        ("not found", "int"),
        ("cache hits", "int"),
        ("refused", "int"),
    ]
    return table(columns, rows)


def fallback_table(health: WindowHealth) -> dg.TableMetadataValue:
    rows = []
    for level in FALLBACK_LEVELS:
        stats = health.fallback.get(level)
        confidence = stats.avg_confidence if stats else None
        rows.append(
            {
                "level": level,
                "attempts": stats.attempts if stats else 0,
                "matches": stats.successes if stats else 0,
                "avg confidence": None if confidence is None else round(confidence, 3),
            }
        )
    columns = [("level", "int"), ("attempts", "int"), ("matches", "int")]
    columns.append(("avg confidence", "float"))
    return table(columns, rows)


def table_metadata(
    report: HealthReport, checked_window: str, limits: HealthThresholds
) -> dict[str, Any]:
    """The tables, in the order the UI lists them: the dashboard first."""
    checked = report.window(checked_window)
    return {
        "sources": sources_table(checked, limits),
        "sources_by_window": windows_table(report, limits),
        "festival_imports": imports_table(report.imports.get(checked_window, [])),
        "cost_by_source": cost_table(report),
        "operations": operations_table(checked),
        "tmdb_fallback_levels": fallback_table(checked),
    }
