"""The metadata of `api_health`: numbers under stable keys, and a markdown preview.

The Dagster UI draws a plot for every numeric metadata key that recurs across
materializations, so the keys never change shape: `{source}_{measure}_{window}` (e.g.
`tmdb_success_rate_24h`, `omdb_avg_ms_24h`, `imdb_errors_24h` for failed calls and
`imdb_not_found_24h` for answers that found nothing), totals as `{measure}_{window}`
(`calls_24h`, `errors_24h`, `not_found_24h`, `cost_usd_24h`), and the TMDb fallback levels
of the checked window as `tmdb_level{n}_{measure}_{window}`. A value that is undefined (a rate
over zero calls) is stored as an empty float, not as a misleading 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dagster as dg

from cinegraph_pipeline.health.aggregate import (
    FALLBACK_LEVELS,
    MATCH_SOURCES,
    SOURCES,
    HealthReport,
    WindowHealth,
)

NONE = "n/a"


def _float(value: float | None, digits: int = 4) -> dg.FloatMetadataValue:
    return dg.FloatMetadataValue(None if value is None else round(float(value), digits))


def numeric_metadata(report: HealthReport, checked_window: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for label, health in report.windows.items():
        for source in SOURCES:
            stats = health.source(source)
            metadata[f"{source}_calls_{label}"] = dg.MetadataValue.int(stats.calls)
            metadata[f"{source}_success_rate_{label}"] = _float(stats.success_rate)
            if source in MATCH_SOURCES:
                match = health.matches.get(source)
                metadata[f"{source}_match_rate_{label}"] = _float(
                    match.match_rate if match else None
                )
            metadata[f"{source}_avg_ms_{label}"] = _float(stats.avg_ms, 1)
            metadata[f"{source}_p95_ms_{label}"] = _float(stats.p95_ms, 1)
            metadata[f"{source}_errors_{label}"] = dg.MetadataValue.int(stats.error_count)
            metadata[f"{source}_not_found_{label}"] = dg.MetadataValue.int(stats.not_found_count)
            metadata[f"{source}_cost_usd_{label}"] = _float(stats.cost_usd, 6)
        totals = health.totals
        metadata[f"calls_{label}"] = dg.MetadataValue.int(totals.calls)
        metadata[f"errors_{label}"] = dg.MetadataValue.int(totals.error_count)
        metadata[f"not_found_{label}"] = dg.MetadataValue.int(totals.not_found_count)
        metadata[f"films_{label}"] = dg.MetadataValue.int(health.films)
        metadata[f"cost_usd_{label}"] = _float(totals.cost_usd, 6)
        metadata[f"cost_per_film_usd_{label}"] = _float(health.cost_per_film, 6)
    checked = report.window(checked_window)
    for level in FALLBACK_LEVELS:
        stats = checked.fallback.get(level)
        prefix = f"tmdb_level{level}"
        metadata[f"{prefix}_attempts_{checked_window}"] = dg.MetadataValue.int(
            stats.attempts if stats else 0
        )
        metadata[f"{prefix}_matches_{checked_window}"] = dg.MetadataValue.int(
            stats.successes if stats else 0
        )
        metadata[f"{prefix}_avg_confidence_{checked_window}"] = _float(
            stats.avg_confidence if stats else None
        )
    metadata["oldest_metric_age_days"] = _float(report.oldest_metric_age_days, 2)
    return metadata


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return NONE if value is None else f"{value:,.0f}"


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _source_table(health: WindowHealth) -> str:
    rows = []
    for source in SOURCES:
        stats = health.source(source)
        match = health.matches.get(source)
        rows.append(
            (
                source,
                f"{stats.calls:,}",
                _pct(stats.success_rate),
                _pct(match.match_rate) if match else NONE,
                _ms(stats.avg_ms),
                _ms(stats.p95_ms),
                f"{stats.error_count:,}",
                f"{stats.not_found_count:,}",
                f"${stats.cost_usd:.4f}",
            )
        )
    return _table(
        ("source", "calls", "success", "match", "avg ms", "p95 ms", "errors", "not found", "cost"),
        rows,
    )


def _operation_table(health: WindowHealth) -> str:
    rows = [
        (
            source,
            operation,
            f"{stats.calls:,}",
            _pct(stats.success_rate),
            _ms(stats.avg_ms),
            _ms(stats.p95_ms),
            ", ".join(f"{k} {v:,}" for k, v in sorted(stats.errors.items()) if k != "not_found")
            or NONE,
            f"{stats.not_found_count:,}",
        )
        for (source, operation), stats in sorted(health.by_operation.items())
    ]
    return _table(
        ("source", "operation", "calls", "success", "avg ms", "p95 ms", "errors", "not found"),
        rows,
    )


def _fallback_table(health: WindowHealth) -> str:
    rows = []
    for level in FALLBACK_LEVELS:
        stats = health.fallback.get(level)
        if stats is None:
            rows.append((level, 0, 0, NONE))
        else:
            confidence = stats.avg_confidence
            rows.append(
                (
                    level,
                    f"{stats.attempts:,}",
                    f"{stats.successes:,}",
                    NONE if confidence is None else f"{confidence:.2f}",
                )
            )
    return _table(("level", "attempts", "matches", "avg confidence"), rows)


def markdown_summary(report: HealthReport, checked_window: str) -> str:
    """Per source for every window, then operations and fallback levels of the checked one."""
    parts = []
    for label, health in report.windows.items():
        parts += [
            f"### Sources, last {label}",
            f"{health.films:,} films looked up, ${health.totals.cost_usd:.4f} spent.",
            _source_table(health),
        ]
    checked = report.window(checked_window)
    parts += [
        f"### Operations, last {checked_window}",
        _operation_table(checked),
        f"### TMDb fallback levels, last {checked_window}",
        _fallback_table(checked),
        "Success counts every answer, `not_found` included, and errors count the calls that "
        "got none (`not_found` is counted apart); match counts the films a source was asked "
        "about that are stored from it (their `movies` row), and a level's matches and "
        "confidence are those of the films stored from TMDb at that level.",
    ]
    return "\n\n".join(parts)
