"""PNG charts of a health window, embedded in markdown metadata as data URIs.

The Dagster UI plots numeric metadata over time, but a snapshot of one run (which source
fails, which operation is slow, which error dominates, which fallback level carries the
matches) reads better as a chart. matplotlib's object API with the Agg canvas: no pyplot
global state, no display, safe in any run worker.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cinegraph_pipeline.health.aggregate import FALLBACK_LEVELS, SOURCES, WindowHealth
from cinegraph_pipeline.health.thresholds import HealthThresholds

SIZE = (7.0, 3.2)
DPI = 80
PALETTE = (
    "#4c78a8",
    "#f58518",
    "#54a24b",
    "#e45756",
    "#72b7b2",
    "#b279a2",
    "#ff9da6",
    "#9d755d",
    "#bab0ac",
    "#eeca3b",
    "#000000",
)


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def markdown_image(title: str, png: bytes) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return f"**{title}**\n\n![{title}](data:image/png;base64,{encoded})"


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE)
    # Fixed margins with the legend on the right: cheaper than a tight bounding box.
    figure.subplots_adjust(left=0.1, right=0.74, top=0.88, bottom=0.2)
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])


def _legend(axes: Axes) -> None:
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def success_rate_chart(health: WindowHealth, thresholds: HealthThresholds) -> bytes:
    """Success rate and match rate per source, with the TMDb thresholds drawn in."""
    figure, axes = _figure(f"Success and match rate per source ({health.window.label})")
    sources = [s for s in SOURCES if health.source(s).calls]
    if not sources:
        _empty(axes, "no calls in this window")
        return png_bytes(figure)
    positions = range(len(sources))
    success = [(health.source(s).success_rate or 0) * 100 for s in sources]
    match = [(m.match_rate or 0) * 100 if (m := health.matches.get(s)) else 0 for s in sources]
    axes.bar(
        [p - 0.2 for p in positions], success, 0.4, label="success (answered)", color=PALETTE[0]
    )
    axes.bar([p + 0.2 for p in positions], match, 0.4, label="match (resolved)", color=PALETTE[2])
    axes.axhline(
        thresholds.tmdb_success_warn * 100, color=PALETTE[1], ls="--", lw=1, label="TMDb WARN"
    )
    axes.axhline(
        thresholds.tmdb_success_error * 100, color=PALETTE[3], ls=":", lw=1, label="TMDb ERROR"
    )
    axes.set_xticks(list(positions), [f"{s}\n{health.source(s).calls} calls" for s in sources])
    axes.set_ylim(0, 105)
    axes.set_ylabel("%")
    _legend(axes)
    return png_bytes(figure)


def response_time_chart(health: WindowHealth, thresholds: HealthThresholds) -> bytes:
    """Average and p95 response time per operation, with the average's limit drawn in."""
    figure, axes = _figure(f"Response time per operation ({health.window.label})")
    groups = sorted(k for k, v in health.by_operation.items() if v.timed_calls)
    if not groups:
        _empty(axes, "no timed calls in this window")
        return png_bytes(figure)
    positions = range(len(groups))
    averages = [health.by_operation[g].avg_ms or 0 for g in groups]
    p95 = [health.by_operation[g].p95_ms or 0 for g in groups]
    axes.bar([p - 0.2 for p in positions], averages, 0.4, label="average", color=PALETTE[0])
    axes.bar([p + 0.2 for p in positions], p95, 0.4, label="p95", color=PALETTE[4])
    axes.axhline(
        thresholds.max_avg_response_ms, color=PALETTE[3], ls="--", lw=1, label="average limit"
    )
    axes.set_xticks(list(positions), [op for _, op in groups], fontsize=8, rotation=25)
    axes.set_ylabel("ms")
    _legend(axes)
    return png_bytes(figure)


def error_types_chart(health: WindowHealth) -> bytes:
    """Errors per source as a share of its calls, stacked by type, and `not_found` beside them:
    not an error (the service answered, and it is not in the error counts) but shown so that a
    source that answers and finds nothing stands out."""
    figure, axes = _figure(
        f"Errors and not_found answers per source, % of calls ({health.window.label})"
    )
    figure.subplots_adjust(left=0.2)
    sources = [s for s in SOURCES if health.source(s).errors]
    if not sources:
        _empty(axes, "no errors in this window")
        return png_bytes(figure)
    kinds = sorted({e for s in sources for e in health.source(s).errors})
    left = [0.0] * len(sources)
    for index, kind in enumerate(kinds):
        shares = [
            health.source(s).errors.get(kind, 0) * 100 / health.source(s).calls for s in sources
        ]
        axes.barh(sources, shares, left=left, label=kind, color=PALETTE[index % len(PALETTE)])
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_xlabel("% of calls")
    _legend(axes)
    return png_bytes(figure)


def fallback_chart(health: WindowHealth) -> bytes:
    """TMDb fallback levels: attempts, accepted matches and their average confidence."""
    figure, axes = _figure(f"TMDb fallback levels ({health.window.label})")
    figure.subplots_adjust(right=0.88)
    if not health.fallback:
        _empty(axes, "no TMDb lookups in this window")
        return png_bytes(figure)
    levels = list(FALLBACK_LEVELS)
    stats = [health.fallback.get(level) for level in levels]
    attempts = [s.attempts if s else 0 for s in stats]
    successes = [s.successes if s else 0 for s in stats]
    axes.bar([lv - 0.2 for lv in levels], attempts, 0.4, label="attempts", color=PALETTE[0])
    axes.bar([lv + 0.2 for lv in levels], successes, 0.4, label="matches", color=PALETTE[2])
    axes.set_xticks(levels)
    axes.set_xlabel("fallback level")
    axes.set_ylabel("calls")
    confidence = axes.twinx()
    points = [
        (lv, s.avg_confidence)
        for lv, s in zip(levels, stats, strict=True)
        if s and s.avg_confidence is not None
    ]
    if points:
        confidence.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            "o-",
            color=PALETTE[1],
            label="avg confidence",
        )
    confidence.set_ylim(0, 1.05)
    confidence.set_ylabel("confidence")
    handles = axes.get_legend_handles_labels()
    extra = confidence.get_legend_handles_labels()
    axes.legend(
        handles[0] + extra[0],
        handles[1] + extra[1],
        fontsize=8,
        loc="upper right",
        frameon=False,
    )
    return png_bytes(figure)


def render_charts(health: WindowHealth, thresholds: HealthThresholds) -> Mapping[str, str]:
    """The four charts as markdown, keyed by their metadata name."""
    return {
        "chart_success_rate": markdown_image(
            "Success rate per source", success_rate_chart(health, thresholds)
        ),
        "chart_response_time": markdown_image(
            "Response time", response_time_chart(health, thresholds)
        ),
        "chart_error_types": markdown_image("Error types", error_types_chart(health)),
        "chart_fallback_levels": markdown_image("TMDb fallback levels", fallback_chart(health)),
    }
