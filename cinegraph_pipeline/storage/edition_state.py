"""The only reader and writer of `edition_stage_state`: what each stage of an edition hands
to the next, one row per film and one edition row, so that the next stage (on any host, in
any process, in a later run) resumes from the film database and nothing is pickled on disk.

A film's row carries the festival's facts for it (title, original title, year, title type)
and its last lookup's outcome (source, status, level, confidence, candidates, error) in
columns a preview or check can read; `state` holds the rest of the value exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import ConcludedEdition, EditionProgress, StageStats
from cinegraph_pipeline.resolution.cascade import FilmProgress, Resolution, SourceAttempt
from cinegraph_pipeline.sources.records import FilmQuery
from cinegraph_pipeline.storage.models import EditionStageState, utcnow
from cinegraph_pipeline.storage.typed_json import decode, encode

StageValue = EditionNominations | EditionProgress | ConcludedEdition

EDITION_ROW = ""  # the `imdb_id` of the row that holds what is the edition's, not a film's
_TABLE = EditionStageState.__table__
_ATTEMPTS = tuple[SourceAttempt, ...]
_STAGES = tuple[StageStats, ...]
_FILM_COLUMNS = ("title", "original_title", "film_year", "title_type", "source", "status")
_FILM_COLUMNS += ("level", "confidence", "candidates", "error")


def _film_row(position: int, query: FilmQuery, attempts: _ATTEMPTS) -> dict[str, Any]:
    last = attempts[-1] if attempts else None
    outcome = last.outcome if last else None
    error = None
    if outcome is not None and outcome.error_type:
        error = f"{outcome.error_type}: {outcome.error_message or ''}".rstrip(": ")
    return {
        "imdb_id": query.imdb_id,
        "position": position,
        "title": query.title,
        "original_title": query.original_title,
        "film_year": query.year,
        "title_type": query.title_type,
        "source": last.source.value if last else None,
        "status": outcome.status.value if outcome else None,
        "level": outcome.fallback_level if outcome else None,
        "confidence": outcome.confidence if outcome else None,
        "candidates": [c.as_json() for c in outcome.candidates] if outcome else None,
        "error": error,
        "state": {},
    }


def _progress_rows(
    progress: EditionProgress, resolutions: dict[str, Resolution] | None
) -> list[dict[str, Any]]:
    rows = []
    for position, (imdb_id, film) in enumerate(progress.films.items()):
        row = _film_row(position, film.query, film.attempts)
        row["state"] = {"attempts": encode(film.attempts, _ATTEMPTS)}
        if resolutions is not None:
            row["state"]["resolution"] = encode(resolutions.get(imdb_id), Resolution | None)
        rows.append(row)
    return rows


def _rows_of(value: StageValue) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The edition row's `state` and the film rows of a stage's value."""
    if isinstance(value, EditionNominations):
        films = [_film_row(i, film, ()) for i, film in enumerate(value.films)]
        return {"kind": "nominations", "rows": list(value.rows)}, films
    progress = value.progress if isinstance(value, ConcludedEdition) else value
    edition = {
        "kind": "concluded" if isinstance(value, ConcludedEdition) else "progress",
        "existing": encode(progress.existing, frozenset[str]),
        "stages": encode(progress.stages, _STAGES),
    }
    resolutions = value.resolutions if isinstance(value, ConcludedEdition) else None
    return edition, _progress_rows(progress, resolutions)


def save_stage(conn: Connection, festival: str, year: int, stage: str, value: StageValue) -> int:
    """Replaces what `stage` last stored for the edition with `value`; the film rows written."""
    edition, films = _rows_of(value)
    key = {"festival": festival, "year": year, "stage": stage}
    now = utcnow()
    conn.execute(
        delete(_TABLE).where(
            _TABLE.c.festival == festival, _TABLE.c.year == year, _TABLE.c.stage == stage
        )
    )
    # Every row names every column: an executemany takes its columns from the first row.
    edition_row = {
        **dict.fromkeys(_FILM_COLUMNS),
        "imdb_id": EDITION_ROW,
        "position": -1,
        "state": edition,
    }
    conn.execute(
        insert(_TABLE), [{**key, **row, "written_at": now} for row in [edition_row, *films]]
    )
    return len(films)


def stage_rows(conn: Connection, festival: str, year: int, stage: str) -> Sequence[Any]:
    """What `stage` stored for the edition, the edition row first, then films in order."""
    return conn.execute(
        select(_TABLE)
        .where(_TABLE.c.festival == festival, _TABLE.c.year == year, _TABLE.c.stage == stage)
        .order_by(_TABLE.c.position)
    ).all()


def _query(row: Any) -> FilmQuery:
    return FilmQuery(
        imdb_id=row.imdb_id,
        title=row.title,
        original_title=row.original_title,
        year=row.film_year,
        title_type=row.title_type,
    )


def load_stage(conn: Connection, festival: str, year: int, stage: str) -> StageValue | None:
    """The value `stage` last stored for the edition, as it returned it; None if none."""
    rows = stage_rows(conn, festival, year, stage)
    if not rows or rows[0].imdb_id != EDITION_ROW:
        return None
    edition, films = rows[0].state, rows[1:]
    if edition["kind"] == "nominations":
        return EditionNominations(
            festival=festival,
            year=year,
            rows=tuple(edition["rows"]),
            films=tuple(_query(row) for row in films),
        )
    progress = EditionProgress(
        festival=festival,
        year=year,
        films={
            row.imdb_id: FilmProgress(_query(row), decode(row.state["attempts"], _ATTEMPTS))
            for row in films
        },
        existing=decode(edition["existing"], frozenset[str]),
        stages=decode(edition["stages"], _STAGES),
    )
    if edition["kind"] == "progress":
        return progress
    resolutions = {
        row.imdb_id: decode(row.state["resolution"], Resolution)
        for row in films
        if row.state.get("resolution") is not None
    }
    return ConcludedEdition(progress, resolutions)
