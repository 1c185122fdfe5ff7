"""Metric, movie and nomination rows made for the health tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from cinegraph_pipeline.storage.writes import upsert_movies

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def metric(
    source: str = "tmdb",
    operation: str = "find",
    *,
    hours_ago: float = 1.0,
    success: bool = True,
    ms: int | None = 100,
    error: str | None = None,
    target: str | None = "tt0000001",
    level: int | None = None,
    confidence: float | None = None,
    cost: float = 0.0,
    now: datetime = NOW,
    origin: str = "service",
    attempts: int | None = None,
    attempt_errors: dict[str, int] | None = None,
) -> dict[str, Any]:
    """One call's row; `origin` other than "service" (http_cache, replay, refused) is a call
    that did not reach the service: no attempt, no response time."""
    reached = origin == "service"
    return {
        "source": source,
        "operation": operation,
        "target_identifier": target,
        "success": success,
        "confidence_score": confidence,
        "fallback_level": level,
        "response_time_ms": ms if reached else None,
        "error_type": error,
        "error_message": None,
        "cost_usd": cost,
        "cached": origin in ("http_cache", "replay"),
        "metadata": {"festival": "cannes"},
        "inserted_at": now - timedelta(hours=hours_ago),
        "origin": origin,
        "attempts": attempts if attempts is not None else int(reached),
        "attempt_errors": attempt_errors,
    }


def tmdb_calls(
    answered: int, failed: int, *, hours_ago: float = 1.0, ms: int = 100
) -> list[dict[str, Any]]:
    """`answered` TMDb finds that got an answer (half of them `not_found`) and `failed`
    ones that timed out, each about its own film."""
    rows = [
        metric(
            "tmdb",
            "find",
            hours_ago=hours_ago,
            ms=ms,
            level=1,
            error="not_found" if index % 2 else None,
            target=f"tt{index:07d}",
        )
        for index in range(answered)
    ]
    rows += [
        metric(
            "tmdb",
            "find",
            hours_ago=hours_ago,
            ms=ms,
            level=1,
            success=False,
            error="timeout",
            target=f"tt{answered + index:07d}",
        )
        for index in range(failed)
    ]
    return rows


def movie(imdb_id: str, import_type: str = "full", **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "imdb_id": imdb_id,
        "title": f"Film {imdb_id}",
        "import_type": import_type,
        "data_source": {"full": "tmdb", "minimal": "omdb"}.get(import_type, "festival"),
        "lookup_confidence": None,
        "fallback_level": None,
        "needs_enrichment": import_type != "full",
        "needs_review": False,
        "genres": [],
        "directors": [],
        "countries": [],
        "languages": [],
        "review_candidates": [],
    }
    row.update(overrides)
    return row


def resolved(
    imdb_id: str, source: str, *, level: int | None = None, confidence: float | None = None
) -> dict[str, Any]:
    """The `movies` row of a film its resolution accepted from `source`: `full` from TMDb
    (with the level and confidence of the match), `minimal` from OMDb or the IMDb page;
    `pending` or `stub` (from the festival page alone) for `source="pending"`/`"stub"`."""
    if source == "tmdb":
        if level is None or confidence is None:
            raise ValueError("a TMDb match has a fallback level and a confidence")
        return movie(imdb_id, "full", fallback_level=level, lookup_confidence=confidence)
    if source in ("omdb", "imdb"):
        return movie(imdb_id, "minimal", data_source=source, lookup_confidence=confidence)
    return movie(imdb_id, source)


def store_movies(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        upsert_movies(connection, rows)


def nomination(
    film: str,
    *,
    festival: str = "cannes",
    year: int = 2016,
    category: str = "Palme d'Or",
    person: str = "",
    movie_id: int | None = None,
) -> dict[str, Any]:
    return {
        "festival": festival,
        "year": year,
        "award": "Official Selection",
        "category": category,
        "film_imdb_id": film,
        "film_title": f"Film {film}" if film else "",
        "person_imdb_id": person,
        "person_name": "",
        "winner": False,
        "notes": None,
        "movie_id": movie_id,
    }
