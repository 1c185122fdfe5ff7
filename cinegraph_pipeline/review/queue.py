"""Films flagged `needs_review` (ambiguous candidates, stubs after the last retry, internal
errors), read for the `review_queue` asset and `cinegraph-review list`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from cinegraph_pipeline.storage.models import FestivalNomination, Movie

MOVIES = Movie.__table__
NOMINATIONS = FestivalNomination.__table__


@dataclass(frozen=True, slots=True)
class ReviewItem:
    imdb_id: str
    title: str
    year: int | None
    import_type: str
    data_source: str
    candidates: tuple[Mapping[str, Any], ...]
    editions: tuple[str, ...]

    @property
    def reason(self) -> str:
        if self.candidates:
            return "ambiguous candidates"
        if self.import_type == "stub":
            return "unknown after every retry"
        if self.import_type == "pending":
            return "lookup failed in our code"
        return "enrichment gave up"

    def candidates_text(self) -> str:
        return "; ".join(
            f"{c.get('source', '?')} {c.get('id', '?')} {c.get('title', '')!s} "
            f"({c.get('year') or '?'}) score {c.get('score', '?')}"
            for c in self.candidates
        )


def review_count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).where(MOVIES.c.needs_review)) or 0)


def review_items(conn: Connection, limit: int = 100) -> list[ReviewItem]:
    """The oldest flagged films first, with the editions that nominated them."""
    rows = conn.execute(
        select(
            MOVIES.c.id,
            MOVIES.c.imdb_id,
            MOVIES.c.title,
            MOVIES.c.year,
            MOVIES.c.import_type,
            MOVIES.c.data_source,
            MOVIES.c.review_candidates,
        )
        .where(MOVIES.c.needs_review)
        .order_by(MOVIES.c.updated_at, MOVIES.c.imdb_id)
        .limit(limit)
    ).all()
    editions = _editions(conn, [row.id for row in rows])
    return [
        ReviewItem(
            imdb_id=row.imdb_id,
            title=row.title,
            year=row.year,
            import_type=row.import_type,
            data_source=row.data_source,
            candidates=tuple(row.review_candidates or ()),
            editions=tuple(editions.get(row.id, ())),
        )
        for row in rows
    ]


def _editions(conn: Connection, movie_ids: Sequence[int]) -> dict[int, list[str]]:
    if not movie_ids:
        return {}
    found: dict[int, list[str]] = {}
    for movie_id, festival, year in conn.execute(
        select(NOMINATIONS.c.movie_id, NOMINATIONS.c.festival, NOMINATIONS.c.year)
        .where(NOMINATIONS.c.movie_id.in_(list(movie_ids)))
        .distinct()
        .order_by(NOMINATIONS.c.festival, NOMINATIONS.c.year)
    ):
        found.setdefault(movie_id, []).append(f"{festival}|{year}")
    return found
