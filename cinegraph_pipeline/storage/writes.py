"""Idempotent writes keyed on the natural keys.

Writing the same edition twice changes nothing: an upsert only touches a row when a value
differs (so `updated_at` moves only on real changes), and a movie is never downgraded to a
lesser import type (a `full` TMDb record is not replaced by OMDb data or a stub).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, insert, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from cinegraph_pipeline.storage.models import (
    ApiLookupMetric,
    FestivalNomination,
    Movie,
    utcnow,
)

CHUNK = 500
IMPORT_TYPE_RANK = {"pending": 0, "stub": 1, "minimal": 2, "full": 3}

MOVIE_KEY = "imdb_id"
NOMINATION_KEY = ("festival", "year", "award", "category", "film_imdb_id", "person_imdb_id")
_NEVER_UPDATED = {"id", "created_at", "updated_at", MOVIE_KEY}
# Written with the rest of a changed row, but no change by itself: the same resolution
# written again later carries a later retry date and must leave the row alone.
_NOT_A_CHANGE = {"next_tmdb_retry_at"}


@dataclass(frozen=True, slots=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteCounts) -> WriteCounts:
        return WriteCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )


def _chunks(rows: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def dialect_insert(connection: Connection, table: Any) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    if connection.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"upserts are written for SQLite and PostgreSQL, not {connection}")


def _rank(column: Any) -> Any:
    return case(IMPORT_TYPE_RANK, value=column, else_=literal(-1))


def _same_keys(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    keys = list(rows[0].keys())
    for row in rows:
        if list(row.keys()) != keys:
            raise ValueError("every row of one upsert must carry the same columns")
    return keys


def upsert_movies(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> WriteCounts:
    """Inserts new films and updates existing ones, keyed on `imdb_id`, when a value changed
    and the incoming import type is not lower than the stored one."""
    if not rows:
        return WriteCounts()
    keys = _same_keys(rows)
    table = Movie.__table__
    counts = WriteCounts()
    for chunk in _chunks(_dedupe(rows, (MOVIE_KEY,))):
        ids = [row[MOVIE_KEY] for row in chunk]
        existing = set(
            connection.scalars(select(table.c.imdb_id).where(table.c.imdb_id.in_(ids))).all()
        )
        now = utcnow()
        values = [{**row, "created_at": now, "updated_at": now} for row in chunk]
        stmt = dialect_insert(connection, table).values(values)
        updatable = [k for k in keys if k not in _NEVER_UPDATED]
        compared = [k for k in updatable if k not in _NOT_A_CHANGE]
        changed = or_(*(table.c[k].is_distinct_from(stmt.excluded[k]) for k in compared))
        guard = _rank(stmt.excluded.import_type) >= _rank(table.c.import_type)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.imdb_id],
            set_={**{k: stmt.excluded[k] for k in updatable}, "updated_at": now},
            where=and_(changed, guard) if "import_type" in keys else changed,
        )
        affected = connection.execute(stmt).rowcount
        inserted = len(set(ids) - existing)
        updated = max(affected - inserted, 0)
        counts += WriteCounts(inserted, updated, len(chunk) - inserted - updated)
    return counts


def upsert_nominations(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> WriteCounts:
    """One row per nomination x film x person; a missing film or person is `''`."""
    if not rows:
        return WriteCounts()
    keys = _same_keys(rows)
    table = FestivalNomination.__table__
    counts = WriteCounts()
    for chunk in _chunks(_dedupe(rows, NOMINATION_KEY)):
        before = _count_existing(connection, chunk)
        stmt = dialect_insert(connection, table).values(list(chunk))
        updatable = [k for k in keys if k not in NOMINATION_KEY and k != "id"]
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c[k] for k in NOMINATION_KEY],
            set_={k: stmt.excluded[k] for k in updatable},
            where=or_(*(table.c[k].is_distinct_from(stmt.excluded[k]) for k in updatable)),
        )
        affected = connection.execute(stmt).rowcount
        inserted = len(chunk) - before
        updated = max(affected - inserted, 0)
        counts += WriteCounts(inserted, updated, len(chunk) - inserted - updated)
    return counts


def _count_existing(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    table = FestivalNomination.__table__
    condition = or_(*(and_(*(table.c[k] == row[k] for k in NOMINATION_KEY)) for row in rows))
    return len(connection.execute(select(table.c.id).where(condition)).all())


def _dedupe(rows: Sequence[Mapping[str, Any]], key: tuple[str, ...]) -> list[Mapping[str, Any]]:
    """The last row per key: one statement may not touch the same row twice."""
    by_key: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        by_key[tuple(row[k] for k in key)] = row
    return list(by_key.values())


def movie_ids(connection: Connection, imdb_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(imdb_ids))
    table = Movie.__table__
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        for imdb_id, movie_id in connection.execute(
            select(table.c.imdb_id, table.c.id).where(table.c.imdb_id.in_(chunk))
        ):
            found[imdb_id] = movie_id
    return found


def _wire_defaults(row: Mapping[str, Any]) -> dict[str, Any]:
    """`origin`, `attempts`, `attempt_errors` for rows built without them (one attempt that
    reached the service), so one batch always carries the same columns."""
    origin = row.get("origin") or "service"
    attempts = row.get("attempts")
    return {
        "origin": origin,
        "attempts": int(origin == "service") if attempts is None else int(attempts),
        "attempt_errors": row.get("attempt_errors") or None,
        # The service's time: none when the service was not asked (see sources/tracking.py).
        "response_time_ms": row.get("response_time_ms") if origin == "service" else None,
    }


def insert_metrics(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> int:
    """Appends metric rows (keys are the `api_lookup_metrics` column names)."""
    if not rows:
        return 0
    table = ApiLookupMetric.__table__
    now = utcnow()
    prepared = [
        {
            **row,
            "metadata": row.get("metadata") or {},
            "cost_usd": row.get("cost_usd") or 0.0,
            "cached": bool(row.get("cached")),
            "inserted_at": row.get("inserted_at") or now,
            **_wire_defaults(row),
        }
        for row in rows
    ]
    with engine.begin() as connection:
        for chunk in _chunks(prepared):
            connection.execute(insert(table), list(chunk))
    return len(prepared)
