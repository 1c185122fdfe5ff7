"""A few festival entries that are series (IMDb `tvSeries`, `tvMiniSeries`), as festivals
nominate them. Each keeps a TMDb *movie* record with the same title that does not carry its
IMDb id (the trap: a title search finds it), while TMDb's `/find` answers the series under
`tv_results`; OMDb and the IMDb title know it as a series."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from .text import stable_int

if TYPE_CHECKING:
    from .catalog import Film
    from .difficulty import Assignment

SERIES_TYPES = frozenset({"tvSeries", "tvMiniSeries"})


def is_series(film: Film) -> bool:
    return film.title_type in SERIES_TYPES


def tmdb_tv_id(imdb_id: str) -> int:
    """The series' id on TMDb's /tv (its own id space, apart from the movie ids)."""
    return 1_000 + stable_int(imdb_id, "tmdb-tv-id") % 200_000


def with_series(
    films: dict[str, Film], assignment: Assignment, share: float, seed: int
) -> dict[str, Film]:
    """The films with round(share x festival films) plain festival films (TMDb, OMDb and
    IMDb know them, no other trap) typed as series, alternately `tvMiniSeries`, `tvSeries`."""
    festival = sum(1 for film in films.values() if film.role == "festival")
    traps = (
        assignment.omdb_missing
        | assignment.no_imdb_id
        | frozenset(assignment.year_shift)
        | frozenset(assignment.suspect_carrier)
        | frozenset(assignment.carried_by)
        | assignment.tmdb_original_title
        | assignment.festival_original_title
    )
    eligible = sorted(
        (
            film
            for film in films.values()
            if film.role == "festival"
            and film.imdb_id in assignment.on_tmdb
            and film.imdb_id not in traps
        ),
        key=lambda film: stable_int(seed, "series", film.imdb_id),
    )
    chosen = {
        film.imdb_id: dataclasses.replace(
            film, title_type="tvMiniSeries" if index % 2 == 0 else "tvSeries"
        )
        for index, film in enumerate(eligible[: round(share * festival)])
    }
    return {**films, **chosen}
