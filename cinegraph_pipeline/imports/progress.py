"""The state of every film of an edition as it passes through the source stages.

Each stage asset takes the previous `EditionProgress` and returns a new one, so the Dagster UI
shows where each film was resolved, and a stage only ever sees what the stages before it left.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from cinegraph_pipeline.imports.backoff import next_retry_at
from cinegraph_pipeline.sources.errors import TRANSIENT_ERRORS, ErrorType, SourceError
from cinegraph_pipeline.sources.records import (
    Candidate,
    FilmData,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
)

log = logging.getLogger(__name__)


class FilmStatus(StrEnum):
    UNRESOLVED = "unresolved"  # no source has found it yet: the next stage tries
    RESOLVED = "resolved"
    DEFERRED = "deferred"  # a source failed transiently: retried by the sensor, not passed on
    STUB = "stub"
    EXISTING = "existing"  # already stored by an earlier run (and not pending): not looked up


IMPORT_TYPE_BY_SOURCE = {"tmdb": "full", "omdb": "minimal", "imdb": "minimal"}


@dataclass(frozen=True, slots=True)
class FilmState:
    query: FilmQuery
    status: FilmStatus = FilmStatus.UNRESOLVED
    source: str | None = None
    film: FilmData | None = None
    confidence: float | None = None
    fallback_level: int | None = None
    needs_review: bool = False
    candidates: tuple[Candidate, ...] = ()
    error_type: str | None = None
    trail: tuple[tuple[str, str], ...] = ()  # (source, what it said), for the previews

    def said(self, source: str, what: str) -> tuple[tuple[str, str], ...]:
        return (*self.trail, (source, what))


@dataclass(frozen=True, slots=True)
class StageStats:
    source: str
    tried: int = 0
    resolved: int = 0
    passed_on: int = 0
    deferred: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class EditionProgress:
    festival: str
    year: int
    films: dict[str, FilmState]
    stages: tuple[StageStats, ...] = ()

    def with_status(self, status: FilmStatus) -> list[FilmState]:
        return [state for state in self.films.values() if state.status is status]

    def counts(self) -> Counter[str]:
        return Counter(state.status.value for state in self.films.values())


def start_progress(
    festival: str, year: int, films: Iterable[FilmQuery], stored: dict[str, str]
) -> EditionProgress:
    """Films already stored with an import type other than `pending` are not looked up
    again: a re-run resolves only films with no row or a pending one."""
    states: dict[str, FilmState] = {}
    for query in films:
        import_type = stored.get(query.imdb_id)
        status = (
            FilmStatus.EXISTING
            if import_type is not None and import_type != "pending"
            else FilmStatus.UNRESOLVED
        )
        states[query.imdb_id] = FilmState(query=query, status=status)
    return EditionProgress(festival=festival, year=year, films=states)


Lookup = Callable[[FilmQuery], LookupOutcome]


def _apply(state: FilmState, source: str, outcome: LookupOutcome) -> FilmState:
    candidates = (*state.candidates, *outcome.candidates)
    if outcome.status is LookupStatus.FOUND and outcome.film is not None:
        return replace(
            state,
            status=FilmStatus.RESOLVED,
            source=source,
            film=outcome.film,
            confidence=outcome.confidence,
            fallback_level=outcome.fallback_level,
            candidates=candidates,
            error_type=None,
            trail=state.said(source, "found"),
        )
    if outcome.status is LookupStatus.FAILED:
        error = outcome.error_type or ErrorType.NETWORK.value
        if error == ErrorType.NOT_FOUND.value:
            return replace(state, trail=state.said(source, "not_found"))
        return replace(
            state,
            status=FilmStatus.DEFERRED,
            source=source,
            error_type=error,
            candidates=candidates,
            trail=state.said(source, error),
        )
    review = state.needs_review or outcome.status in (
        LookupStatus.AMBIGUOUS,
        LookupStatus.SUSPECT,
    )
    return replace(
        state,
        needs_review=review,
        candidates=candidates,
        trail=state.said(source, outcome.status.value),
    )


def _safe_lookup(lookup: Lookup, query: FilmQuery) -> LookupOutcome:
    """A source error becomes a FAILED outcome; `auth` and programming errors propagate."""
    try:
        return lookup(query)
    except SourceError as exc:
        if exc.error_type is ErrorType.AUTH:
            raise
        if exc.error_type is ErrorType.NOT_FOUND:
            return LookupOutcome(status=LookupStatus.NOT_FOUND)
        if exc.error_type not in TRANSIENT_ERRORS:
            log.warning("%s for %s: %s", exc.error_type, query.imdb_id, exc.message)
        return LookupOutcome(
            status=LookupStatus.FAILED,
            error_type=exc.error_type.value,
            error_message=exc.message,
        )


def run_stage(
    progress: EditionProgress,
    source: str,
    lookup: Lookup,
    *,
    workers: int = 8,
    on_progress: Callable[[int, int], None] | None = None,
) -> EditionProgress:
    """Looks up every still-unresolved film concurrently (the client's rate limiter sets the
    pace) and records what the source said. Only not-found, ambiguous or suspect answers pass
    a film on; any error defers it, so no film is downgraded because a source failed."""
    started = time.monotonic()
    todo = progress.with_status(FilmStatus.UNRESOLVED)
    updated = dict(progress.films)
    errors: Counter[str] = Counter()
    levels: Counter[int] = Counter()
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            futures = {pool.submit(_safe_lookup, lookup, s.query): s for s in todo}
            for done, future in enumerate(as_completed(futures), start=1):
                state = futures[future]
                outcome = future.result()
                if outcome.status is LookupStatus.FAILED and outcome.error_type:
                    errors[outcome.error_type] += 1
                new_state = _apply(state, source, outcome)
                if new_state.status is FilmStatus.RESOLVED and new_state.fallback_level:
                    levels[new_state.fallback_level] += 1
                updated[state.query.imdb_id] = new_state
                if on_progress is not None and (done % 25 == 0 or done == len(todo)):
                    on_progress(done, len(todo))
    after = EditionProgress(progress.festival, progress.year, updated, progress.stages)
    stats = StageStats(
        source=source,
        tried=len(todo),
        resolved=sum(1 for s in todo if updated[s.query.imdb_id].status is FilmStatus.RESOLVED),
        passed_on=sum(1 for s in todo if updated[s.query.imdb_id].status is FilmStatus.UNRESOLVED),
        deferred=sum(1 for s in todo if updated[s.query.imdb_id].status is FilmStatus.DEFERRED),
        by_level=dict(sorted(levels.items())),
        errors=dict(errors),
        seconds=round(time.monotonic() - started, 3),
    )
    return replace(after, stages=(*progress.stages, stats))


def finish_with_stubs(progress: EditionProgress) -> EditionProgress:
    """Every film no source knows becomes a stub from the festival page's own title and year."""
    films = {
        imdb_id: (
            replace(
                state,
                status=FilmStatus.STUB,
                source="festival",
                trail=state.said("festival", "stub"),
            )
            if state.status is FilmStatus.UNRESOLVED
            else state
        )
        for imdb_id, state in progress.films.items()
    }
    return replace(progress, films=films)


def movie_row(state: FilmState, now: datetime, *, final_attempt: bool = False) -> dict[str, Any]:
    """The `movies` row for a film in its final state (not for EXISTING films)."""
    query = state.query
    film = state.film
    if state.status is FilmStatus.RESOLVED and film is not None and state.source:
        import_type = IMPORT_TYPE_BY_SOURCE[state.source]
        data_source = state.source
    elif state.status is FilmStatus.DEFERRED and not final_attempt:
        import_type, data_source, film = "pending", "festival", None
    else:  # a stub, or a film still failing after the sensor's last attempt
        import_type, data_source, film = "stub", "festival", None
    needs_review = state.needs_review or (state.status is FilmStatus.DEFERRED and final_attempt)
    base = film or FilmData(
        imdb_id=query.imdb_id,
        title=query.title,
        original_title=query.original_title,
        year=query.year,
    )
    placeholder = import_type in ("minimal", "stub")
    return {
        "imdb_id": query.imdb_id,
        "tmdb_id": base.tmdb_id,
        "title": base.title or query.title,
        "original_title": base.original_title,
        "year": base.year if base.year is not None else query.year,
        "release_date": base.release_date,
        "runtime": base.runtime,
        "overview": base.overview,
        "genres": list(base.genres),
        "directors": list(base.directors),
        "countries": list(base.countries),
        "languages": list(base.languages),
        "poster_url": base.poster_url,
        "imdb_rating": base.imdb_rating,
        "imdb_votes": base.imdb_votes,
        "import_type": import_type,
        "data_source": data_source,
        "lookup_confidence": state.confidence if film is not None else None,
        "fallback_level": state.fallback_level if film is not None else None,
        "needs_enrichment": import_type != "full",
        "needs_review": needs_review,
        "review_candidates": [c.as_json() for c in state.candidates],
        "next_tmdb_retry_at": next_retry_at(now, 0) if placeholder else None,
    }
