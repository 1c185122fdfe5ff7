"""Synthetic but realistic traffic: `api_lookup_metrics` rows and the `movies` rows the
resolutions wrote, for the tests, the benchmark and the screenshots.

Films go through the resolution flow as the pipeline runs it. A new film is asked of TMDb: a
`find` by IMDb id (level 1), then the `search` levels 2 to 6 until a candidate is accepted.
The accepted candidate's `details` are fetched first and carry its level and confidence, but
may still name another film's IMDb id and be rejected, and the search goes on; a `/find` hit
whose titles disagree is verified by a `details` call without a confidence and, once
confirmed, accepted without another call. So a `details` row does not say what was accepted:
the `movies` row does. Films TMDb misses go to OMDb (by id, then by title) and then to the
IMDb title page; a transient error defers the film (`pending`) and a later run asks every
source again. Films stored as `minimal` or `stub` are retried on TMDb alone by the enrichment
schedule, and rarely found there; films stored `full` are not looked up again. Each edition's
event page is scraped now and then. Response times are log-normal per source, errors follow
each upstream's usual failures, IMDb pages sometimes go through the paid proxy.

A film's `movies` row is what its last resolution wrote under the `upsert_movies` rule (never
replaced by a lower import type): its `data_source`, `fallback_level` and `lookup_confidence`
are what the health figures count as resolved.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from cinegraph_pipeline.partitions import FESTIVALS
from cinegraph_pipeline.storage.writes import IMPORT_TYPE_RANK, insert_metrics, upsert_movies

BASE_CONFIDENCE = {1: 1.0, 2: 0.9, 3: 0.8, 4: 0.7, 5: 0.6, 6: 0.5}
# Chance that a film still unresolved is matched at each TMDb level.
LEVEL_MATCH = {1: 0.62, 2: 0.45, 3: 0.3, 4: 0.25, 5: 0.2, 6: 0.15}
# The accepted candidate's details name another film's IMDb id: rejected, the search goes on.
DETAILS_REJECTED = 0.06
# A `/find` hit whose visible titles disagree is verified by a details call (no confidence)...
FIND_VERIFIED = 0.12
# ... which shows it is another film.
VERIFICATION_REJECTED = 0.25
# Lookups that retry a stored `pending`, `stub` or `minimal` film rather than a new one.
RETRY_SHARE = 0.05
# The enrichment retry of a placeholder: TMDb missed it before, so each level rarely matches.
ENRICHMENT_MATCH_SCALE = 0.15
TRANSIENT = {
    "tmdb": (
        ("rate_limit", 0.006),
        ("timeout", 0.003),
        ("http_5xx", 0.003),
        ("circuit_open", 0.002),
    ),
    "omdb": (("quota_exhausted", 0.004), ("timeout", 0.003)),
    "imdb": (("blocked", 0.04), ("parse_error", 0.01), ("timeout", 0.01)),
    "festival_scraper": (("blocked", 0.02),),
}
MEDIAN_MS = {"tmdb": 150.0, "omdb": 240.0, "imdb": 380.0, "festival_scraper": 420.0}
# Errors the client gives without asking the service (a spent quota, an open circuit).
LOCAL_REFUSALS = ("quota_exhausted", "circuit_open")
# Errors that are retried on the wire (3 retries); each failed attempt is counted.
WIRE_ERRORS = ("rate_limit", "timeout", "http_5xx", "network", "blocked")
MAX_RETRIES = 3
# A call that finally succeeded after failed attempts, per attempt (retries that win).
RETRY_WON = 0.03
CACHE_HIT = 0.06
REPLAY_SHARE = 0.4  # of the cache hits, the share answered by the run's memo
ZYTE_COST_USD = 0.0012
ENRICHMENT_METADATA = {"step": "placeholder_enrichment"}


@dataclass(slots=True)
class Mix:
    """Knobs for a scenario: e.g. a TMDb outage share for a demo of failing checks."""

    tmdb_outage: float = 0.0
    slow_factor: float = 1.0
    zyte_share: float = 0.3


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one resolution (or enrichment retry) concluded about a film."""

    import_type: str
    data_source: str
    fallback_level: int | None = None
    confidence: float | None = None


DEFERRED = _Outcome("pending", "festival")
UNRESOLVED = _Outcome("stub", "festival")


def _transient(row: Mapping[str, Any]) -> bool:
    return row["error_type"] not in (None, "not_found")


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
        metadata: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """One row, and whether the film was found (False on any error)."""
        rng = self.rng
        error = self._error(source)
        if error is None and not found:
            error = "not_found"
        cached = error is None and rng.random() < CACHE_HIT
        origin, attempts, failed = self._wire(source, error, cached)
        via = source == "imdb" and not cached and rng.random() < self.mix.zyte_share
        median = MEDIAN_MS[source] * self.mix.slow_factor * (2.5 if via else 1.0)
        response: int | None = int(rng.lognormvariate(math.log(median), 0.45))
        if error == "timeout":
            response = 10_000
        if origin != "service":
            response = None
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
            "origin": origin,
            "attempts": attempts,
            "attempt_errors": dict(sorted(failed.items())) or None,
        }
        return row, error is None

    def _wire(
        self, source: str, error: str | None, cached: bool
    ) -> tuple[str, int, dict[str, int]]:
        """Where the answer came from, the requests sent and how the failed ones failed."""
        rng = self.rng
        if cached:
            return ("replay" if rng.random() < REPLAY_SHARE else "http_cache"), 0, {}
        if error in LOCAL_REFUSALS:
            return "refused", 0, {}
        failed: dict[str, int] = {}
        if error in WIRE_ERRORS:
            retries = 0 if error == "blocked" else MAX_RETRIES
            failed[error] = retries + 1
            return "service", retries + 1, failed
        attempts = 1
        while attempts <= MAX_RETRIES and rng.random() < RETRY_WON + self.mix.tmdb_outage * (
            source == "tmdb"
        ):
            kind = "rate_limit" if source == "tmdb" and rng.random() < 0.5 else "http_5xx"
            failed[kind] = failed.get(kind, 0) + 1
            attempts += 1
        return "service", attempts, failed

    def tmdb(
        self, imdb_id: str, metadata: Mapping[str, Any], rows: list[dict[str, Any]], scale: float
    ) -> _Outcome | None:
        """The TMDb stage: the accepted match, DEFERRED, or None when TMDb has no match."""
        rng = self.rng
        for level in range(1, 7):
            operation = "find" if level == 1 else "search"
            matched = rng.random() < LEVEL_MATCH[level] * scale
            row, ok = self.call(
                "tmdb", operation, imdb_id, found=matched, level=level, metadata=metadata
            )
            rows.append(row)
            if _transient(row):
                return DEFERRED
            if not ok:
                continue
            confidence = round(BASE_CONFIDENCE[level] * rng.uniform(0.75, 1.0), 4)
            verify = level == 1 and rng.random() < FIND_VERIFIED
            row, _ = self.call(
                "tmdb",
                "details",
                imdb_id,
                found=True,
                level=level,
                confidence=None if verify else confidence,
                metadata=metadata,
            )
            rows.append(row)
            if _transient(row):
                return DEFERRED
            rejected = VERIFICATION_REJECTED if verify else DETAILS_REJECTED
            if rng.random() < rejected:
                continue  # the record names another film: the next level is tried
            return _Outcome("full", "tmdb", level, confidence)
        return None

    def resolve(
        self, imdb_id: str, metadata: Mapping[str, Any], rows: list[dict[str, Any]]
    ) -> _Outcome:
        """A festival film through TMDb, OMDb and the IMDb page."""
        rng = self.rng
        outcome = self.tmdb(imdb_id, metadata, rows, 1.0)
        if outcome is not None:
            return outcome
        for operation, chance in (("omdb_by_id", 0.55), ("omdb_by_title", 0.2)):
            row, ok = self.call(
                "omdb", operation, imdb_id, found=rng.random() < chance, metadata=metadata
            )
            rows.append(row)
            if ok:
                return _Outcome("minimal", "omdb", None, round(rng.uniform(0.8, 1.0), 4))
            if _transient(row):
                return DEFERRED
        row, ok = self.call(
            "imdb", "title_page", imdb_id, found=rng.random() < 0.85, metadata=metadata
        )
        rows.append(row)
        if ok:
            return _Outcome("minimal", "imdb", None, 1.0)
        return DEFERRED if _transient(row) else UNRESOLVED


def _movie_row(imdb_id: str, film: _Film) -> dict[str, Any]:
    outcome = film.outcome
    full = outcome.import_type == "full"
    return {
        "imdb_id": imdb_id,
        "tmdb_id": film.tmdb_id if full else None,
        "title": f"Film {imdb_id}",
        "year": film.year,
        "import_type": outcome.import_type,
        "data_source": outcome.data_source,
        "lookup_confidence": outcome.confidence,
        "fallback_level": outcome.fallback_level,
        "needs_enrichment": not full,
        "needs_review": False,
        "genres": [],
        "directors": [],
        "countries": [],
        "languages": [],
        "review_candidates": [],
    }


@dataclass(slots=True)
class _Film:
    """What the generator remembers of a film: where it was nominated and its stored row."""

    metadata: dict[str, Any]
    year: int
    tmdb_id: int
    outcome: _Outcome


class SyntheticTraffic:
    """`count` metric rows spread evenly over the last `days` days, in the order a live system
    appends them (oldest first), and the `movies` rows of the films they looked up.

    Iterate once for the metric rows (streamed: a million rows need not sit in memory); then
    `movies()` gives one row per film whose lookup finished, as its resolutions left it. New
    films are numbered from `first_film` (`tt0000001` by default): traffic meant to be stored
    next to other synthetic traffic needs its own range.
    """

    def __init__(
        self,
        count: int,
        *,
        now: datetime | None = None,
        days: float = 30.0,
        seed: int = 7,
        mix: Mix | None = None,
        first_film: int = 1,
    ) -> None:
        self.count = count
        self.first_film = first_film
        self.now = now or datetime.now(UTC)
        self.days = days
        self._rng = random.Random(seed)
        self._flow = _Flow(self._rng, mix or Mix())
        self._films: dict[str, _Film] = {}
        self._state = "new"

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._state != "new":
            raise RuntimeError("synthetic traffic is generated once; make a new one")
        self._state = "running"
        rng, flow, films = self._rng, self._flow, self._films
        span = self.days * 86_400
        retryable: list[str] = []  # films stored pending, stub or minimal
        position: dict[str, int] = {}
        produced = new_films = 0
        while produced < self.count:
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
            film = None
            if retryable and rng.random() < RETRY_SHARE:
                imdb_id = retryable[rng.randrange(len(retryable))]
                film = films[imdb_id]
            else:
                imdb_id = f"tt{self.first_film + new_films:07d}"
                new_films += 1
            if film is not None and film.outcome.import_type != "pending":
                # The enrichment schedule: TMDb alone; only a match changes the row.
                outcome = flow.tmdb(imdb_id, ENRICHMENT_METADATA, batch, ENRICHMENT_MATCH_SCALE)
                if outcome is not None and outcome.data_source != "tmdb":
                    outcome = None
            else:
                # A new film, or a deferred one that its edition's retry asks everyone again.
                lookup = film.metadata if film is not None else metadata
                outcome = flow.resolve(imdb_id, lookup, batch)
            complete = len(batch) <= self.count - produced
            for row in batch[: self.count - produced]:
                row["inserted_at"] = self.now - timedelta(
                    seconds=span * (1 - produced / self.count)
                )
                produced += 1
                yield row
            if not complete or outcome is None:
                continue  # a lookup still under way has written nothing yet
            if film is None:
                film = _Film(metadata, year, rng.randint(1, 1_500_000), outcome)
                films[imdb_id] = film
            elif (
                IMPORT_TYPE_RANK[outcome.import_type] >= IMPORT_TYPE_RANK[film.outcome.import_type]
            ):
                film.outcome = outcome  # upsert_movies never downgrades a film
            if film.outcome.import_type == "full" and imdb_id in position:
                index = position.pop(imdb_id)
                last = retryable.pop()
                if last != imdb_id:
                    retryable[index] = last
                    position[last] = index
            elif film.outcome.import_type != "full" and imdb_id not in position:
                position[imdb_id] = len(retryable)
                retryable.append(imdb_id)
        self._state = "done"

    def movies(self) -> list[dict[str, Any]]:
        """The `movies` rows (keys are `movies` columns, the same for every row)."""
        if self._state != "done":
            raise RuntimeError("iterate the metric rows first: they decide the movies rows")
        return [_movie_row(imdb_id, film) for imdb_id, film in self._films.items()]


def synthetic_traffic(
    count: int,
    *,
    now: datetime | None = None,
    days: float = 30.0,
    seed: int = 7,
    mix: Mix | None = None,
    first_film: int = 1,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The metric rows and the movies rows of `SyntheticTraffic`, as lists."""
    traffic = SyntheticTraffic(count, now=now, days=days, seed=seed, mix=mix, first_film=first_film)
    metrics = list(traffic)
    return metrics, traffic.movies()


def store_traffic(
    engine: Engine,
    metrics: Sequence[Mapping[str, Any]],
    movies: Sequence[Mapping[str, Any]],
) -> None:
    """The movies rows (`upsert_movies`, one transaction), then the metric rows."""
    with engine.begin() as connection:
        upsert_movies(connection, movies)
    insert_metrics(engine, metrics)
