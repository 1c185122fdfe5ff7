"""Aggregates `api_lookup_metrics` in SQL, over several trailing windows at once.

The table grows by one row per external call (millions over the 90-day retention), so nothing
here loads rows into Python: every figure is a GROUP BY over the `inserted_at` range of the
largest window, with each row bucketed by the innermost window it falls in, and the 95th
percentile comes from `percentile_disc` on PostgreSQL or from one indexed ORDER BY/OFFSET
query per group on SQLite. Python only folds the few hundred grouped rows into the report.

Conventions the clients follow (and this module relies on):
- `success` means the service answered, `not_found` included; `not_found` is no error and is
  counted apart.
- `origin` says where a call's answer came from. Calls, success rate and latency count only
  calls that reached the service (`origin = 'service'`); cache hits (the HTTP cache and the
  run's memo) and local refusals (quota spent, circuit open) are their own figures. A row's
  `attempts` counts its network requests, retries included, and `attempt_errors` how the
  failed ones failed; `response_time_ms` is NULL on rows that did not reach the service.
- Per-film calls (`find`, `search`, `details`, `omdb_by_id`, `omdb_by_title`, `title_page`)
  carry the film's IMDb id in `target_identifier`, so distinct targets count films. A batch
  call (IMDb GraphQL `graphql_titles`, one row per request) carries its films' ids in its
  metadata (`ids`): they are expanded in SQL and count as that source's films.
- TMDb `find`/`search` rows carry the fallback level they tried (a level's attempts). A
  `details` row carries the level and confidence of a candidate about to be checked, which may
  still be rejected, and a verified `/find` hit is accepted without one: what the resolution
  accepted (a source's matches, a level's matches and confidence) is read from the films'
  `movies` rows (`data_source`, `fallback_level`, `lookup_confidence`), joined on the IMDb id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select, true, tuple_, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from cinegraph_pipeline.sources.errors import Source
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie

METRICS = ApiLookupMetric.__table__
COLUMNS = METRICS.c

SOURCES: tuple[str, ...] = tuple(source.value for source in Source)
# The per-film operations of each source that resolves films (festival_scraper does not).
LOOKUP_OPERATIONS: Mapping[str, tuple[str, ...]] = {
    "tmdb": ("find", "search", "details"),
    "omdb": ("omdb_by_id", "omdb_by_title"),
    "imdb": ("title_page",),
}
MATCH_SOURCES: tuple[str, ...] = tuple(LOOKUP_OPERATIONS)
# Batch calls whose films are the ids in the row's metadata (`{"ids": [...]}`): one row per
# IMDb GraphQL `titles(ids:)` request, asked about every film of its batch.
BATCH_OPERATIONS: Mapping[str, tuple[str, ...]] = {"imdb": ("graphql_titles",)}
FALLBACK_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
PERCENTILE = 0.95
# How an attempt fails on the wire (`attempt_errors` keys); anything else is shown as other.
ATTEMPT_ERROR_TYPES: tuple[str, ...] = ("rate_limit", "timeout", "http_5xx", "network", "blocked")
SERVICE = "service"
CACHE_ORIGINS: frozenset[str] = frozenset({"http_cache", "replay"})
REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Window:
    """A trailing time window, e.g. the last 24 hours, labelled for metadata keys."""

    label: str
    hours: float

    def start(self, now: datetime) -> datetime:
        return now - timedelta(hours=self.hours)


DEFAULT_WINDOWS: tuple[Window, ...] = (Window("1h", 1), Window("24h", 24), Window("7d", 24 * 7))


def windows_from_hours(hours_by_label: Mapping[str, float]) -> tuple[Window, ...]:
    """Windows from a `{label: hours}` mapping (Dagster config), smallest first."""
    windows = tuple(Window(label, float(hours)) for label, hours in hours_by_label.items())
    if not windows:
        raise ValueError("at least one health window is needed, e.g. {'24h': 24}")
    for window in windows:
        if window.hours <= 0:
            raise ValueError(f"window {window.label!r} must span a positive number of hours")
        if not window.label.replace("_", "").isalnum():
            raise ValueError(f"window label {window.label!r} must be letters, digits or '_'")
    return tuple(sorted(windows, key=lambda w: w.hours))


@dataclass(slots=True)
class CallStats:
    """Calls of one source (or one operation) in one window. `calls`, `successes`, the
    timings and `errors` are over the calls that reached the service; `cached` (HTTP cache),
    `replayed` (the run's memo) and `refused` (quota spent, circuit open) are counted apart;
    `attempts` are the network requests of those calls, retries included."""

    calls: int = 0
    successes: int = 0
    timed_calls: int = 0
    total_ms: float = 0.0
    cost_usd: float = 0.0
    cached: int = 0
    replayed: int = 0
    refused: int = 0
    unsent: int = 0
    attempts: int = 0
    p95_ms: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    attempt_errors: dict[str, int] = field(default_factory=dict)

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.calls if self.calls else None

    @property
    def cache_hits(self) -> int:
        return self.cached + self.replayed

    @property
    def lookups(self) -> int:
        """Every call asked of the client: reached the service, cached or refused."""
        return self.calls + self.cache_hits + self.refused + self.unsent

    @property
    def cache_hit_rate(self) -> float | None:
        """Share of the calls answered without asking the service (of those not refused)."""
        answered = self.calls + self.cache_hits
        return self.cache_hits / answered if answered else None

    @property
    def failed_attempts(self) -> int:
        return sum(self.attempt_errors.values())

    @property
    def attempt_error_rate(self) -> float | None:
        return self.failed_attempts / self.attempts if self.attempts else None

    @property
    def retries(self) -> int:
        return max(self.attempts - self.calls, 0)

    @property
    def retries_per_call(self) -> float | None:
        return self.retries / self.calls if self.calls else None

    @property
    def avg_ms(self) -> float | None:
        return self.total_ms / self.timed_calls if self.timed_calls else None

    @property
    def error_count(self) -> int:
        """Failed calls; a `not_found` answer is the service answering, not an error."""
        return sum(count for error, count in self.errors.items() if error != "not_found")

    @property
    def not_found_count(self) -> int:
        return self.errors.get("not_found", 0)

    def absorb(self, other: CallStats) -> None:
        self.calls += other.calls
        self.successes += other.successes
        self.timed_calls += other.timed_calls
        self.total_ms += other.total_ms
        self.cost_usd += other.cost_usd
        self.cached += other.cached
        self.replayed += other.replayed
        self.refused += other.refused
        self.unsent += other.unsent
        self.attempts += other.attempts
        for mine, theirs in (
            (self.errors, other.errors),
            (self.refusals, other.refusals),
            (self.attempt_errors, other.attempt_errors),
        ):
            for error, count in theirs.items():
                mine[error] = mine.get(error, 0) + count


@dataclass(slots=True)
class FallbackStats:
    """One TMDb fallback level: how often it was tried and how often it gave the match."""

    attempts: int = 0
    successes: int = 0
    confidence_sum: float = 0.0
    confidence_count: int = 0

    @property
    def avg_confidence(self) -> float | None:
        return self.confidence_sum / self.confidence_count if self.confidence_count else None


@dataclass(slots=True)
class MatchStats:
    """Films a source was asked about and films it resolved (distinct targets)."""

    attempted: int = 0
    resolved: int = 0

    @property
    def match_rate(self) -> float | None:
        return self.resolved / self.attempted if self.attempted else None


@dataclass(slots=True)
class WindowHealth:
    window: Window
    by_operation: dict[tuple[str, str], CallStats] = field(default_factory=dict)
    by_source: dict[str, CallStats] = field(default_factory=dict)
    fallback: dict[int, FallbackStats] = field(default_factory=dict)
    matches: dict[str, MatchStats] = field(default_factory=dict)
    films: int = 0

    @property
    def totals(self) -> CallStats:
        total = CallStats()
        for stats in self.by_source.values():
            total.absorb(stats)
        return total

    @property
    def cost_per_film(self) -> float | None:
        cost = self.totals.cost_usd
        if self.films:
            return cost / self.films
        return cost if cost > 0 else None

    def source(self, source: str) -> CallStats:
        return self.by_source.get(source) or CallStats()


@dataclass(frozen=True, slots=True)
class EditionImport:
    """Films of one edition created in a window (their `movies` rows), by import type now."""

    festival: str
    year: int
    by_type: Mapping[str, int]

    @property
    def films(self) -> int:
        return sum(self.by_type.values())


@dataclass(slots=True)
class HealthReport:
    """Everything `api_health` shows: per window, plus the age of the oldest metric row and
    the editions' films created per window."""

    computed_at: datetime
    windows: dict[str, WindowHealth]
    oldest_metric_at: datetime | None
    imports: dict[str, list[EditionImport]] = field(default_factory=dict)

    def window(self, label: str) -> WindowHealth:
        try:
            return self.windows[label]
        except KeyError:
            known = ", ".join(self.windows)
            raise KeyError(f"no health window {label!r}; configured windows: {known}") from None

    @property
    def oldest_metric_age_days(self) -> float | None:
        if self.oldest_metric_at is None:
            return None
        return (self.computed_at - self.oldest_metric_at).total_seconds() / 86_400


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; every timestamp of the database is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def compute_health(
    engine: Engine,
    windows: Sequence[Window] = DEFAULT_WINDOWS,
    now: datetime | None = None,
) -> HealthReport:
    """The health report: a handful of grouped queries, never a row scan into Python."""
    moment = as_utc(now or datetime.now(UTC))
    ordered = tuple(sorted(windows, key=lambda w: w.hours))
    healths = {window.label: WindowHealth(window) for window in ordered}
    with engine.connect() as conn:
        _fold_grouped_calls(conn, ordered, moment, healths)
        _fill_percentiles(conn, ordered, moment, healths)
        for label, (films, matches, levels) in _films_and_matches(conn, ordered, moment).items():
            health = healths[label]
            health.films = films
            health.matches = matches
            for level, (matched, confidence_sum) in levels.items():
                if matched:
                    stats = health.fallback.setdefault(level, FallbackStats())
                    stats.successes = matched
                    stats.confidence_sum = confidence_sum
                    stats.confidence_count = matched
        oldest = conn.scalar(select(func.min(COLUMNS.inserted_at)))
        imports = _edition_imports(conn, ordered, moment)
    return HealthReport(
        moment, healths, as_utc(oldest) if oldest is not None else None, imports=imports
    )


def _edition_imports(
    conn: Connection, windows: Sequence[Window], now: datetime
) -> dict[str, list[EditionImport]]:
    """Per window, per edition: the films whose `movies` row was created in it, by import
    type (a film nominated in two editions counts in both), in one GROUP BY."""
    movies = Movie.__table__
    nominations = FestivalNomination.__table__
    bucket = case(
        *(
            (movies.c.created_at >= window.start(now), index)
            for index, window in enumerate(windows[:-1])
        ),
        else_=len(windows) - 1,
    ).label("bucket")
    stmt = (
        select(
            nominations.c.festival,
            nominations.c.year,
            movies.c.import_type,
            bucket,
            func.count(func.distinct(movies.c.id)),
        )
        .select_from(movies.join(nominations, nominations.c.movie_id == movies.c.id))
        .where(_Selective(movies.c.created_at >= windows[-1].start(now)))
        .group_by(nominations.c.festival, nominations.c.year, movies.c.import_type, bucket)
    )
    counts: dict[str, dict[tuple[str, int], dict[str, int]]] = {w.label: {} for w in windows}
    for festival, year, import_type, ring, films in conn.execute(stmt):
        for window in windows[int(ring) :]:
            by_type = counts[window.label].setdefault((festival, int(year)), {})
            by_type[import_type] = by_type.get(import_type, 0) + int(films)
    return {
        label: [EditionImport(f, y, by_type) for (f, y), by_type in sorted(editions.items())]
        for label, editions in counts.items()
    }


class _Selective(FunctionElement[Any]):
    """A time-window condition, marked as selective for SQLite's planner.

    Without statistics SQLite guesses that `inserted_at >= ?` keeps a quarter of the table
    and prefers scanning the (source, operation) index for the GROUP BY order: the whole
    table. `likelihood(..., 0.0625)` states what is true here (a window is a small slice of
    90 days) so it seeks the `inserted_at` range instead. Other databases see the plain
    condition: PostgreSQL estimates ranges from its histograms.
    """

    # No Boolean type: SQLite has no native boolean and SQLAlchemy would append `= 1`,
    # which hides the hint from the planner.
    type = NullType()
    name = "selective"
    inherit_cache = True


@compiles(_Selective)
def _render_plain(element: _Selective, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_Selective, "sqlite")
def _render_likelihood(element: _Selective, compiler: Any, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clauses, **kw)}, 0.0625)"


def _since(start: datetime) -> ColumnElement[bool]:
    return _Selective(COLUMNS.inserted_at >= start)  # type: ignore[return-value]


def _inside(window: Window, now: datetime) -> ColumnElement[bool]:
    return COLUMNS.inserted_at >= window.start(now)


def _bucket(windows: Sequence[Window], now: datetime) -> Any:
    """The index of the innermost window a row falls in (windows sorted smallest first)."""
    return case(
        *((_inside(window, now), index) for index, window in enumerate(windows[:-1])),
        else_=len(windows) - 1,
    ).label("bucket")


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _fold_grouped_calls(
    conn: Connection,
    windows: Sequence[Window],
    now: datetime,
    healths: dict[str, WindowHealth],
) -> None:
    """Calls, successes, timings, cost, errors and fallback levels in one GROUP BY.

    Rows are grouped by the innermost window they fall in (bucket 0 is the smallest window,
    bucket i the ring between window i-1 and window i); windows are nested, so window i is
    the sum of buckets 0..i, folded here in Python.
    """
    bucket = _bucket(windows, now)
    groups = (
        COLUMNS.source,
        COLUMNS.operation,
        COLUMNS.error_type,
        COLUMNS.fallback_level,
        COLUMNS.origin,
    )
    stmt = (
        select(
            *groups,
            bucket,
            func.count(),
            func.coalesce(func.sum(case((COLUMNS.success, 1), else_=0)), 0),
            func.count(COLUMNS.response_time_ms),
            func.sum(COLUMNS.response_time_ms),
            func.sum(COLUMNS.cost_usd),
            func.coalesce(func.sum(COLUMNS.attempts), 0),
        )
        .where(_since(windows[-1].start(now)))
        .group_by(*groups, bucket)
    )
    for row in conn.execute(stmt):
        source, operation, error_type, level, origin, ring = row[:6]
        calls, successes, timed, total_ms, cost, attempts = row[6:]
        stats = _origin_stats(
            origin, error_type, int(calls), int(successes), int(timed), float(total_ms or 0)
        )
        stats.cost_usd = float(cost or 0)
        stats.attempts = int(attempts)
        for window in windows[int(ring) :]:
            health = healths[window.label]
            health.by_operation.setdefault((source, operation), CallStats()).absorb(stats)
            health.by_source.setdefault(source, CallStats()).absorb(stats)
            if source == "tmdb" and level is not None:
                level_stats = health.fallback.setdefault(int(level), FallbackStats())
                if operation in ("find", "search"):
                    level_stats.attempts += int(calls)
    _fold_attempt_errors(conn, windows, now, healths)


def _origin_stats(
    origin: str | None, error_type: str | None, calls: int, successes: int, timed: int, ms: float
) -> CallStats:
    """One grouped row as the figures it adds to: reached calls, cache hits or refusals."""
    if origin in (None, SERVICE):
        return CallStats(
            calls=calls,
            successes=successes,
            timed_calls=timed,
            total_ms=ms,
            errors={error_type: calls} if error_type else {},
        )
    if origin == "http_cache":
        return CallStats(cached=calls)
    if origin == "replay":
        return CallStats(replayed=calls)
    if origin == REFUSED:
        return CallStats(refused=calls, refusals={error_type or "unknown": calls})
    return CallStats(unsent=calls)


def _fold_attempt_errors(
    conn: Connection,
    windows: Sequence[Window],
    now: datetime,
    healths: dict[str, WindowHealth],
) -> None:
    """How failed attempts failed: one GROUP BY on the `{error_type: count}` combinations
    (a handful per source: retries are few), counted per window in Python."""
    bucket = _bucket(windows, now)
    stmt = (
        select(COLUMNS.source, COLUMNS.operation, COLUMNS.attempt_errors, bucket, func.count())
        .where(_since(windows[-1].start(now)), COLUMNS.attempt_errors.is_not(None))
        .group_by(COLUMNS.source, COLUMNS.operation, COLUMNS.attempt_errors, bucket)
    )
    for source, operation, combination, ring, calls in conn.execute(stmt):
        if not combination:
            continue
        failed = {str(error): int(count) * int(calls) for error, count in combination.items()}
        for window in windows[int(ring) :]:
            health = healths[window.label]
            for target in (
                health.by_operation.setdefault((source, operation), CallStats()),
                health.by_source.setdefault(source, CallStats()),
            ):
                for error, count in failed.items():
                    target.attempt_errors[error] = target.attempt_errors.get(error, 0) + count


def _fill_percentiles(
    conn: Connection,
    windows: Sequence[Window],
    now: datetime,
    healths: dict[str, WindowHealth],
) -> None:
    if conn.dialect.name == "postgresql":
        _percentiles_postgres(conn, windows, now, healths)
    else:
        _percentiles_by_offset(conn, windows, now, healths)


def _percentiles_postgres(
    conn: Connection,
    windows: Sequence[Window],
    now: datetime,
    healths: dict[str, WindowHealth],
) -> None:
    """`percentile_disc` per operation and per source in one pass (GROUPING SETS)."""
    measures = [
        func.percentile_disc(PERCENTILE)
        .within_group(COLUMNS.response_time_ms)
        .filter(_inside(window, now))
        for window in windows
    ]
    stmt = (
        select(COLUMNS.source, COLUMNS.operation, *measures)
        .where(
            _since(windows[-1].start(now)),
            COLUMNS.response_time_ms.is_not(None),
        )
        .group_by(
            func.grouping_sets(tuple_(COLUMNS.source, COLUMNS.operation), tuple_(COLUMNS.source))
        )
    )
    for source, operation, *values in conn.execute(stmt):
        for window, value in zip(windows, values, strict=True):
            health = healths[window.label]
            target = (
                health.by_source.get(source)
                if operation is None
                else health.by_operation.get((source, operation))
            )
            if target is not None and value is not None:
                target.p95_ms = float(value)


def _percentiles_by_offset(
    conn: Connection,
    windows: Sequence[Window],
    now: datetime,
    healths: dict[str, WindowHealth],
) -> None:
    """Nearest-rank p95 (the same definition as `percentile_disc`): per group, the value at
    position ceil(0.95 n) in response-time order, read through the (source, operation,
    inserted_at, response_time_ms) index so each query touches only that group's window.
    `n` is the group's timed-call count from the grouped pass, so no extra count query."""
    for window in windows:
        health = healths[window.label]
        for (source, operation), stats in health.by_operation.items():
            stats.p95_ms = _nth_response_time(conn, source, (operation,), window, now, stats)
        for source, stats in health.by_source.items():
            operations = tuple(op for (src, op) in health.by_operation if src == source)
            if len(operations) == 1:
                stats.p95_ms = health.by_operation[(source, operations[0])].p95_ms
            else:
                stats.p95_ms = _nth_response_time(conn, source, operations, window, now, stats)


def _nth_response_time(
    conn: Connection,
    source: str,
    operations: Iterable[str],
    window: Window,
    now: datetime,
    stats: CallStats,
) -> float | None:
    if not stats.timed_calls:
        return None
    rank = max(math.ceil(PERCENTILE * stats.timed_calls) - 1, 0)
    # Counted from the top: the sorter then keeps only the slowest ~5% (LIMIT + OFFSET rows)
    # instead of ordering the whole window.
    from_top = stats.timed_calls - 1 - rank
    stmt = (
        select(COLUMNS.response_time_ms)
        .where(
            COLUMNS.source == source,
            COLUMNS.operation.in_(list(operations)),
            _inside(window, now),
            COLUMNS.response_time_ms.is_not(None),
        )
        .order_by(COLUMNS.response_time_ms.desc())
        .limit(1)
        .offset(from_top)
    )
    value = conn.scalar(stmt)
    return float(value) if value is not None else None


def _films_and_matches(
    conn: Connection, windows: Sequence[Window], now: datetime
) -> dict[str, tuple[int, dict[str, MatchStats], dict[int, tuple[int, float]]]]:
    """Distinct films looked up (the denominator of the cost per film); per source, the films
    it was asked about and the films it resolved (its match rate); per TMDb level, the films
    it matched and the sum of their confidences.

    A call made while resolving a film carries the film's IMDb id as target. Each film is
    reduced once to the time of its last call per source; the films are then joined to their
    `movies` row, whose `data_source`, `fallback_level` and `lookup_confidence` say what the
    resolution accepted (a call row cannot: a record fetched to verify a match may still be
    rejected). A window counts the films whose times fall inside it.
    """
    calls = _film_calls(conn, windows[-1].start(now))
    per_film_columns: list[Any] = [
        calls.c.film,
        func.max(calls.c.inserted_at).label("last_at"),
    ]
    for source in MATCH_SOURCES:
        is_source = calls.c.source == source
        per_film_columns.append(
            func.max(case((is_source, calls.c.inserted_at), else_=None)).label(f"{source}_at")
        )
    per_film = select(*per_film_columns).group_by(calls.c.film).subquery()
    # One row per (data_source, fallback_level) of the films' movies rows (None when a film
    # has none): a source's films and its matches are then sums over a few groups.
    movies = Movie.__table__
    measures: list[Any] = []
    for window in windows:
        start = window.start(now)
        measures.append(_count_if(per_film.c.last_at >= start))
        measures += [_count_if(per_film.c[f"{s}_at"] >= start) for s in MATCH_SOURCES]
        measures.append(
            func.coalesce(
                func.sum(case((per_film.c.tmdb_at >= start, movies.c.lookup_confidence))), 0.0
            )
        )
    joined = per_film.outerjoin(movies, movies.c.imdb_id == per_film.c.film)
    stmt = (
        select(movies.c.data_source, movies.c.fallback_level, *measures)
        .select_from(joined)
        .group_by(movies.c.data_source, movies.c.fallback_level)
    )
    films = {window.label: 0 for window in windows}
    asked = {window.label: dict.fromkeys(MATCH_SOURCES, 0) for window in windows}
    resolved = {window.label: dict.fromkeys(MATCH_SOURCES, 0) for window in windows}
    levels = {window.label: {level: (0, 0.0) for level in FALLBACK_LEVELS} for window in windows}
    for data_source, level, *values in conn.execute(stmt):
        numbers = iter(values)
        for window in windows:
            label = window.label
            films[label] += int(next(numbers) or 0)
            counts = {source: int(next(numbers) or 0) for source in MATCH_SOURCES}
            confidence_sum = float(next(numbers) or 0.0)
            for source, count in counts.items():
                asked[label][source] += count
                if data_source == source:
                    resolved[label][source] += count
            if data_source == "tmdb" and level in levels[label]:
                matched, total = levels[label][level]
                levels[label][level] = (matched + counts["tmdb"], total + confidence_sum)
    return {
        window.label: (
            films[window.label],
            {
                source: MatchStats(asked[window.label][source], resolved[window.label][source])
                for source in MATCH_SOURCES
                if asked[window.label][source]
            },
            levels[window.label],
        )
        for window in windows
    }


def _film_calls(conn: Connection, start: datetime) -> Any:
    """(film, source, inserted_at) of every call about a film since `start`: a per-film
    call's target, and each id of a batch call's metadata (expanded in SQL: `json_each` on
    SQLite, `jsonb_array_elements_text` on PostgreSQL)."""
    per_film_ops = [op for ops in LOOKUP_OPERATIONS.values() for op in ops]
    single = select(
        COLUMNS.target_identifier.label("film"),
        COLUMNS.source.label("source"),
        COLUMNS.inserted_at.label("inserted_at"),
    ).where(
        _since(start),
        COLUMNS.operation.in_(per_film_ops),
        COLUMNS.target_identifier.is_not(None),
    )
    metadata = COLUMNS["metadata"]
    if conn.dialect.name == "postgresql":
        ids = func.jsonb_array_elements_text(
            case((func.jsonb_typeof(metadata["ids"]) == "array", metadata["ids"]))
        ).table_valued("value")
    else:
        ids = func.json_each(metadata, "$.ids").table_valued("value")
    batch_ops = [op for ops in BATCH_OPERATIONS.values() for op in ops]
    batched = (
        select(ids.c.value.label("film"), COLUMNS.source, COLUMNS.inserted_at)
        .select_from(METRICS)
        .join(ids, true())
        .where(_since(start), COLUMNS.operation.in_(batch_ops))
    )
    return union_all(single, batched).subquery()
