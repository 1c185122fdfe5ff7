"""The thresholds of the health checks, as Dagster config with the project's defaults.

Defaults come from the targets the project was started with: TMDb answers at least 85% of
calls (below 70% is an outage, not a blip), every source answers in under 500 ms on average,
an imported film costs under one cent (an edition of 100 films costing more than a dollar is
a fault), metrics are kept 90 days, and under a tenth of an edition's films end up as stubs.
Every value can be overridden in the launchpad without a code change.
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

DEFAULT_RETENTION_DAYS = 90


class HealthThresholds(dg.Config):
    """What the `api_health` checks call healthy."""

    tmdb_success_warn: float = Field(
        default=0.85, description="TMDb success rate below this is a WARN (answers / calls)."
    )
    tmdb_success_error: float = Field(
        default=0.70, description="TMDb success rate below this is an ERROR."
    )
    max_attempt_error_rate: float = Field(
        default=0.20,
        description="Share of a source's HTTP requests (retries included) that failed; above "
        "is a WARN: the source is degraded even when retries still win.",
    )
    max_avg_response_ms: float = Field(
        default=500.0, description="Average response time per source above this is a WARN."
    )
    min_match_rate: dict[str, float] = Field(
        default={"tmdb": 0.80, "omdb": 0.50, "imdb": 0.50},
        description="Per source, the share of the films it was asked about that it resolved; "
        "below it is a WARN. OMDb and IMDb only see the films TMDb missed.",
    )
    max_cost_per_film_usd: float = Field(
        default=0.01, description="Average cost of the calls per film looked up; above is ERROR."
    )
    min_calls: int = Field(
        default=20,
        description="Rates over fewer calls (or films) than this are shown but not judged: a "
        "handful of calls says nothing about a service.",
    )
    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS, description="Metrics older than this should be pruned."
    )
    retention_grace_days: float = Field(
        default=1.0,
        description="Slack for the daily prune: rows are flagged only once they are older than "
        "retention_days + retention_grace_days.",
    )


class EditionThresholds(dg.Config):
    """What the per-edition checks call healthy."""

    max_stub_share: float = Field(
        default=0.10, description="Share of an edition's films that are stubs; above is a WARN."
    )
    max_pending_share: float = Field(
        default=0.05,
        description="Share of an edition's films still deferred (pending) after its run; "
        "above is a WARN: a source failed for them and the retry sensor has work to do.",
    )
    sample_size: int = Field(
        default=10, description="How many offending films to list in the check's metadata."
    )
