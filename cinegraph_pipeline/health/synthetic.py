"""Synthetic but realistic `api_lookup_metrics` rows, for the benchmark and the screenshots.

Rows follow the resolution flow film by film: a TMDb `find` by IMDb id (level 1), then the
`search` levels 2 to 6 until one is accepted, a `details` call carrying the accepted level and
confidence; films TMDb misses go to OMDb (by id, then by title) and then to the IMDb title
page; each edition's event page is scraped once. Response times are log-normal per source,
errors follow each upstream's usual failures, IMDb pages sometimes go through the paid proxy.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cinegraph_pipeline.partitions import FESTIVALS

BASE_CONFIDENCE = {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.7, 5: 0.6, 6: 0.5}
# Chance that a film still unresolved is matched at each TMDb level.
LEVEL_MATCH = {1: 0.62, 2: 0.45, 3: 0.3, 4: 0.25, 5: 0.2, 6: 0.15}
TRANSIENT = {
    "tmdb": (("rate_limit", 0.006), ("timeout", 0.003), ("http_5xx", 0.003)),
    "omdb": (("quota_exhausted", 0.004), ("timeout", 0.003)),
    "imdb": (("blocked", 0.04), ("parse_error", 0.01), ("timeout", 0.01)),
    "festival_scraper": (("blocked", 0.02),),
}
MEDIAN_MS = {"tmdb": 150.0, "omdb": 240.0, "imdb": 380.0, "festival_scraper": 420.0}
ZYTE_COST_USD = 0.0012


@dataclass(slots=True)
class Mix:
    """Knobs for a scenario: e.g. a TMDb outage share for a demo of failing checks."""

    tmdb_outage: float = 0.0
    slow_factor: float = 1.0
    zyte_share: float = 0.3


class _Flow:
    def __init__(self, rng: random.Random, mix: Mix) -> None:
        self.rng = rng
        self.mix = mix

    def _error(self, source: str) -> str | None:
        if source == "tmdb" and self.rng.random() < self.mix.tmdb_outage:
            return self.rng.choice(("http_5xx", "timeout", "rate_limit"))
        draw = self.rng.random()
        for error, probability in TRANSIENT[source]:
            if draw < probability:
                return error
            draw -= probability
        return None

    def call(
        self,
        source: str,
        operation: str,
        target: str,
        *,
        found: bool,
        level: int | None = None,
        confidence: float | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """One row, and whether the film was found (False on any error)."""
        rng = self.rng
        error = self._error(source)
        if error is None and not found:
            error = "not_found"
        cached = error is None and rng.random() < 0.06
        via = source == "imdb" and not cached and rng.random() < self.mix.zyte_share
        median = MEDIAN_MS[source] * self.mix.slow_factor * (2.5 if via else 1.0)
        response = 2 if cached else int(rng.lognormvariate(math.log(median), 0.45))
        if error == "timeout":
            response = 10_000
        row = {
            "source": source,
            "operation": operation,
            "target_identifier": target,
            "success": error in (None, "not_found"),
            "confidence_score": confidence if error is None else None,
            "fallback_level": level,
            "response_time_ms": response,
            "error_type": error,
            "error_message": None if error is None else f"{source} {operation}: {error}",
            "cost_usd": ZYTE_COST_USD if via else 0.0,
            "cached": cached,
            "metadata": dict(metadata or {}) | ({"via": "zyte"} if via else {}),
        }
        return row, error is None

    def film(self, imdb_id: str, metadata: dict[str, Any]) -> Iterator[dict[str, Any]]:
        rng = self.rng
        for level in range(1, 7):
            operation = "find" if level == 1 else "search"
            matched = rng.random() < LEVEL_MATCH[level]
            row, ok = self.call(
                "tmdb", operation, imdb_id, found=matched, level=level, metadata=metadata
            )
            yield row
            if row["error_type"] not in (None, "not_found"):
                return  # transient: the film is deferred, retried later
            if ok:
                confidence = round(BASE_CONFIDENCE[level] * rng.uniform(0.75, 1.0), 4)
                row, _ = self.call(
                    "tmdb",
                    "details",
                    imdb_id,
                    found=True,
                    level=level,
                    confidence=confidence,
                    metadata=metadata,
                )
                yield row
                return
        for operation, chance in (("omdb_by_id", 0.55), ("omdb_by_title", 0.2)):
            row, ok = self.call(
                "omdb", operation, imdb_id, found=rng.random() < chance, metadata=metadata
            )
            yield row
            if ok or row["error_type"] != "not_found":
                return
        row, _ = self.call(
            "imdb", "title_page", imdb_id, found=rng.random() < 0.85, metadata=metadata
        )
        yield row


def synthetic_rows(
    count: int,
    *,
    now: datetime | None = None,
    days: float = 30.0,
    films: int = 60_000,
    seed: int = 7,
    mix: Mix | None = None,
) -> Iterator[dict[str, Any]]:
    """`count` rows keyed by column name, spread evenly over the last `days` days in the
    order a live system appends them (oldest first)."""
    rng = random.Random(seed)
    flow = _Flow(rng, mix or Mix())
    moment = now or datetime.now(UTC)
    span = days * 86_400
    produced = 0
    while produced < count:
        festival = rng.choice(FESTIVALS).slug
        year = rng.randint(2000, 2025)
        metadata = {"festival": festival, "partition": f"{festival}|{year}"}
        batch: list[dict[str, Any]] = []
        if rng.random() < 0.02:
            row, _ = flow.call(
                "festival_scraper",
                "event_page",
                f"{festival}|{year}",
                found=True,
                metadata=metadata,
            )
            batch.append(row)
        batch.extend(flow.film(f"tt{rng.randint(1, films):07d}", metadata))
        for row in batch[: count - produced]:
            row["inserted_at"] = moment - timedelta(seconds=span * (1 - produced / count))
            produced += 1
            yield row
