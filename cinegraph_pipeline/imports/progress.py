"""The films of an edition as they pass through the source stages.

Each stage asset takes the previous `EditionProgress` and returns a new one, so the Dagster UI
shows where each film was resolved and a stage only ever sees what the stages before it left.
What a source's answer means (found, passed on, deferred) is the resolver's rule
(`resolution.cascade`); this module runs a stage concurrently and keeps the counts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace

from cinegraph_pipeline.resolution.cascade import (
    FilmProgress,
    FilmResolver,
    ImportType,
    Resolution,
)
from cinegraph_pipeline.sources.errors import ErrorType, Source
from cinegraph_pipeline.sources.records import FilmQuery, LookupStatus
from cinegraph_pipeline.sources.tracking import film_scope


@dataclass(frozen=True, slots=True)
class StageStats:
    source: str
    tried: int = 0
    resolved: int = 0
    passed_on: int = 0
    passed_on_quota: int = 0  # of passed_on: not asked, its quota spent (an equal source next)
    deferred: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    calls: int = 0
    cost_usd: float = 0.0
    metric_rows_lost: int = 0  # rows its metrics recorder could not write


@dataclass(frozen=True, slots=True)
class EditionProgress:
    festival: str
    year: int
    films: dict[str, FilmProgress]
    existing: frozenset[str] = frozenset()  # stored by an earlier run, not pending: skipped
    stages: tuple[StageStats, ...] = ()

    def to_look_up(self) -> list[FilmProgress]:
        return [p for imdb_id, p in self.films.items() if imdb_id not in self.existing]

    def waiting_for(self, source: Source) -> list[FilmProgress]:
        return [p for p in self.to_look_up() if p.next_source == source]

    def internal_errors(self) -> list[str]:
        """`imdb_id source: error` for every film a bug of ours stopped (`internal_error`)."""
        found: list[str] = []
        for film in self.to_look_up():
            last = film.attempts[-1] if film.attempts else None
            if last is not None and last.outcome.error_type == ErrorType.INTERNAL_ERROR:
                found.append(f"{film.query.imdb_id} {last.source}: {last.outcome.error_message}")
        return found


def start_progress(
    festival: str, year: int, films: Iterable[FilmQuery], stored: dict[str, str]
) -> EditionProgress:
    """Films already stored with an import type other than `pending` are not looked up
    again: a re-run resolves only films with no row or a pending one."""
    queries = {film.imdb_id: FilmProgress(film) for film in films}
    existing = frozenset(
        imdb_id
        for imdb_id in queries
        if stored.get(imdb_id) is not None and stored[imdb_id] != "pending"
    )
    return EditionProgress(festival=festival, year=year, films=queries, existing=existing)


def _advance(resolver: FilmResolver, film: FilmProgress) -> FilmProgress:
    with film_scope(film.query.imdb_id):
        return resolver.advance(film)


def run_stage(
    progress: EditionProgress,
    source: Source,
    resolver: FilmResolver,
    *,
    workers: int = 8,
    on_progress: Callable[[int, int], None] | None = None,
) -> EditionProgress:
    """Asks `source` about every film waiting for it, concurrently (the client's rate
    limiter sets the pace). A missing key raises and fails the stage."""
    started = time.monotonic()
    todo = progress.waiting_for(source)
    updated = dict(progress.films)
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    levels: Counter[int] = Counter()
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            futures = {pool.submit(_advance, resolver, film): film for film in todo}
            try:
                for done, future in enumerate(as_completed(futures), start=1):
                    after = future.result()
                    updated[after.query.imdb_id] = after
                    outcome = after.attempts[-1].outcome
                    if outcome.status is LookupStatus.FOUND:
                        outcomes["resolved"] += 1
                        if source is Source.TMDB and outcome.fallback_level:
                            levels[outcome.fallback_level] += 1
                    elif outcome.status is LookupStatus.FAILED:
                        outcomes["deferred"] += 1
                        errors[outcome.error_type or "unknown"] += 1
                    else:
                        outcomes["passed_on"] += 1
                        outcomes["passed_on_quota"] += int(outcome.status is LookupStatus.SKIPPED)
                    if on_progress is not None and (done % 25 == 0 or done == len(todo)):
                        on_progress(done, len(todo))
            except BaseException:
                # A missing key fails every film alike, and an interrupt (Ctrl-C, SIGTERM)
                # stops the stage: cancel what has not started instead of finishing it.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    stats = StageStats(
        source=source.value,
        tried=len(todo),
        resolved=outcomes["resolved"],
        passed_on=outcomes["passed_on"],
        passed_on_quota=outcomes["passed_on_quota"],
        deferred=outcomes["deferred"],
        by_level=dict(sorted(levels.items())),
        errors=dict(errors),
        seconds=round(time.monotonic() - started, 3),
    )
    return replace(progress, films=updated, stages=(*progress.stages, stats))


def with_call_counts(
    progress: EditionProgress, calls: int, cost_usd: float, rows_lost: int = 0
) -> EditionProgress:
    """Stamps the last stage with the external calls and cost its recorder flushed, and the
    metric rows it could not write."""
    if not progress.stages:
        return progress
    last = replace(
        progress.stages[-1],
        calls=calls,
        cost_usd=round(cost_usd, 6),
        metric_rows_lost=rows_lost,
    )
    return replace(progress, stages=(*progress.stages[:-1], last))


@dataclass(frozen=True, slots=True)
class ConcludedEdition:
    """The edition once every source has had its turn: each looked-up film's resolution
    (what the stub stage decided), with the progress that led there."""

    progress: EditionProgress
    resolutions: dict[str, Resolution]

    def count(self, import_type: ImportType) -> int:
        return sum(1 for r in self.resolutions.values() if r.import_type is import_type)


def conclude_edition(progress: EditionProgress) -> ConcludedEdition:
    """The resolution of every film looked up in this run: full, minimal, pending or stub."""
    resolver = FilmResolver()
    return ConcludedEdition(
        progress, {film.query.imdb_id: resolver.conclude(film) for film in progress.to_look_up()}
    )
