"""The enrichment's own success figures, from the `movies` rows (SQL aggregation).

A placeholder is a film stored `minimal` (OMDb or IMDb only) or `stub` that waits for TMDb.
When the enrichment finds it, it becomes `full` from TMDb with `placeholder_retry_count` >= 1
and `last_enrichment_attempt` set to the moment of the upgrade (`storage/film_records.py`); so
the days until TMDb knew a film are `last_enrichment_attempt - created_at` of those films.
The 30-day share is over the films that became placeholders at least 30 days ago (younger
ones have not had their 30 days yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from cinegraph_pipeline.storage.models import Movie

MOVIES = Movie.__table__
PLACEHOLDER_TYPES = ("minimal", "stub")
UPGRADE_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class EnrichmentFigures:
    waiting: int  # placeholders that still need TMDb
    due: int  # of which due for a retry now
    upgraded_ever: int  # films the enrichment upgraded to TMDb, all time
    cohort: int  # placeholders created at least 30 days ago (upgraded since, or not)
    cohort_upgraded_in_window: int  # of which upgraded within 30 days of their creation
    avg_days_until_tmdb: float | None

    @property
    def upgraded_within_window_share(self) -> float | None:
        return self.cohort_upgraded_in_window / self.cohort if self.cohort else None


def _days_between(conn: Connection, later: Any, earlier: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86_400.0
    return func.julianday(later) - func.julianday(earlier)


def enrichment_figures(conn: Connection, now: datetime) -> EnrichmentFigures:
    """All figures in one pass over the placeholders and the upgraded films."""
    upgraded = and_(
        MOVIES.c.import_type == "full",
        MOVIES.c.data_source == "tmdb",
        MOVIES.c.placeholder_retry_count > 0,
        MOVIES.c.last_enrichment_attempt.is_not(None),
    )
    waiting = and_(MOVIES.c.import_type.in_(PLACEHOLDER_TYPES), MOVIES.c.needs_enrichment)
    due = and_(
        waiting,
        or_(MOVIES.c.next_tmdb_retry_at.is_(None), MOVIES.c.next_tmdb_retry_at <= now),
    )
    days = _days_between(conn, MOVIES.c.last_enrichment_attempt, MOVIES.c.created_at)
    old_enough = MOVIES.c.created_at <= now - timedelta(days=UPGRADE_WINDOW_DAYS)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = conn.execute(
        select(
            count(waiting),
            count(due),
            count(upgraded),
            count(and_(old_enough, or_(waiting, upgraded))),
            count(and_(old_enough, upgraded, days <= UPGRADE_WINDOW_DAYS)),
            func.avg(case((upgraded, days), else_=None)),
        ).where(or_(waiting, upgraded))
    ).one()
    return EnrichmentFigures(
        waiting=int(row[0]),
        due=int(row[1]),
        upgraded_ever=int(row[2]),
        cohort=int(row[3]),
        cohort_upgraded_in_window=int(row[4]),
        avg_days_until_tmdb=None if row[5] is None else float(row[5]),
    )
