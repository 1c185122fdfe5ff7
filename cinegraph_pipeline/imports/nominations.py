"""From a scraped event page to nomination rows and the distinct films to resolve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cinegraph_pipeline.sources.records import AwardedFilm, EventEdition, FilmQuery


@dataclass(frozen=True, slots=True)
class EditionNominations:
    """Everything an edition's page named: one row per nomination x film x person."""

    festival: str
    year: int
    rows: tuple[dict[str, Any], ...]
    films: tuple[FilmQuery, ...]

    @property
    def nomination_count(self) -> int:
        return len(self.rows)


def _film_query(film: AwardedFilm) -> FilmQuery:
    original = film.original_title if film.original_title != film.title else None
    return FilmQuery(
        imdb_id=film.imdb_id,
        title=film.title,
        original_title=original,
        year=film.year,
        title_type=film.title_type,
    )


def _merge(known: FilmQuery, other: FilmQuery) -> FilmQuery:
    """The same film named twice on a page: keep whatever either mention knew."""
    return FilmQuery(
        imdb_id=known.imdb_id,
        title=known.title or other.title,
        original_title=known.original_title or other.original_title,
        year=known.year or other.year,
        title_type=known.title_type or other.title_type,
    )


def edition_nominations(festival: str, edition: EventEdition) -> EditionNominations:
    """Keeps every nomination: two people for one film in one category are two rows; a
    nomination naming no film or no person stores `''` there, so the natural key holds."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    films: dict[str, FilmQuery] = {}
    for nomination in edition.nominations:
        film_entries = nomination.films or (None,)
        people = nomination.people or (None,)
        for film in film_entries:
            if film is not None:
                query = _film_query(film)
                films[film.imdb_id] = (
                    _merge(films[film.imdb_id], query) if film.imdb_id in films else query
                )
            for person in people:
                row = {
                    "festival": festival,
                    "year": edition.year,
                    "award": nomination.award[:255],
                    "category": nomination.category[:255],
                    "film_imdb_id": film.imdb_id if film else "",
                    "film_title": film.title if film else "",
                    "person_imdb_id": person.imdb_id if person else "",
                    "person_name": person.name if person else "",
                    "winner": nomination.winner,
                    "notes": nomination.notes,
                }
                key = (
                    row["award"],
                    row["category"],
                    row["film_imdb_id"],
                    row["person_imdb_id"],
                )
                if key in rows:
                    # The page repeats a nomination: a win anywhere is a win.
                    row["winner"] = row["winner"] or rows[key]["winner"]
                    row["notes"] = row["notes"] or rows[key]["notes"]
                rows[key] = row
    return EditionNominations(
        festival=festival,
        year=edition.year,
        rows=tuple(rows.values()),
        films=tuple(sorted(films.values(), key=lambda f: f.imdb_id)),
    )
