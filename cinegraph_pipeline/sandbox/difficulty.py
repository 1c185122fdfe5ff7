"""Which festival films are hard to resolve, and how: a deterministic assignment of the
`Difficulty` shares for a seed. Each share picks exactly round(share x eligible films), the
films ordered by a hash of the seed, the trait and the IMDb id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .settings import Difficulty
from .text import normalized, stable_fraction, stable_int

if TYPE_CHECKING:
    from .catalog import Film


@dataclass(frozen=True)
class Assignment:
    on_tmdb: frozenset[str]  # every film TMDb lists (all non-festival films included)
    omdb_only: frozenset[str]
    imdb_only: frozenset[str]
    nowhere: frozenset[str]
    omdb_missing: frozenset[str]  # on TMDb, not on OMDb
    no_imdb_id: frozenset[str]
    year_shift: dict[str, int]  # film -> +1 / -1 on TMDb's release dates
    premiere_kept: frozenset[str]  # year-shifted films whose festival premiere TMDb still lists
    suspect_carrier: dict[str, str]  # festival film -> film whose TMDb record carries its id
    carried_by: dict[str, str]  # the reverse: carrier film -> festival film id it carries
    tmdb_original_title: frozenset[str]
    festival_original_title: frozenset[str]
    alt_title: frozenset[str]

    @property
    def not_on_omdb(self) -> frozenset[str]:
        return self.imdb_only | self.nowhere | self.omdb_missing

    def keeps_premiere(self, imdb_id: str) -> bool:
        return imdb_id in self.premiere_kept

    def traits_of(self, imdb_id: str) -> tuple[str, ...]:
        checks = (
            ("omdb_only", imdb_id in self.omdb_only),
            ("imdb_only", imdb_id in self.imdb_only),
            ("nowhere", imdb_id in self.nowhere),
            ("omdb_missing", imdb_id in self.omdb_missing),
            ("no_imdb_id", imdb_id in self.no_imdb_id),
            ("year_off", imdb_id in self.year_shift),
            ("suspect", imdb_id in self.suspect_carrier),
            ("suspect_carrier", imdb_id in self.carried_by),
            ("tmdb_original_title", imdb_id in self.tmdb_original_title),
            ("festival_original_title", imdb_id in self.festival_original_title),
            ("alt_title", imdb_id in self.alt_title),
        )
        return tuple(name for name, present in checks if present)


def assign(films: Sequence[Film], difficulty: Difficulty, seed: int) -> Assignment:
    festival = [film for film in films if film.role == "festival"]
    total = len(festival)

    def count(share: float, eligible: int | None = None) -> int:
        return min(round(share * (total if eligible is None else eligible)), eligible or total)

    absent_order = _ordered(festival, seed, "presence")
    cut_nowhere = count(difficulty.nowhere_share)
    cut_imdb = cut_nowhere + count(difficulty.imdb_only_share)
    cut_omdb = min(cut_imdb + count(difficulty.omdb_only_share), total)
    nowhere = frozenset(f.imdb_id for f in absent_order[:cut_nowhere])
    imdb_only = frozenset(f.imdb_id for f in absent_order[cut_nowhere:cut_imdb])
    omdb_only = frozenset(f.imdb_id for f in absent_order[cut_imdb:cut_omdb])
    absent = nowhere | imdb_only | omdb_only
    on_tmdb_festival = [f for f in festival if f.imdb_id not in absent]

    carriers = _carriers(
        _pick(on_tmdb_festival, seed, "suspect", count(difficulty.suspect_share)), films, seed
    )
    no_id_pool = [f for f in on_tmdb_festival if f.imdb_id not in carriers]
    no_imdb_id = _pick(no_id_pool, seed, "no-imdb-id", count(difficulty.no_imdb_id_share))
    year_off = _pick(on_tmdb_festival, seed, "year-off", count(difficulty.year_off_share))
    year_shift = {i: (1 if stable_fraction(seed, "shift", i) < 0.7 else -1) for i in year_off}
    premiere_kept = frozenset(i for i in year_off if stable_fraction(seed, "keep", i) < 0.5)
    omdb_missing = _pick(
        on_tmdb_festival, seed, "omdb-missing", count(difficulty.omdb_missing_share)
    )

    distinct = [f for f in festival if f.has_distinct_original]
    distinct_on_tmdb = [f for f in distinct if f.imdb_id not in absent]
    tmdb_original = _pick(
        distinct_on_tmdb,
        seed,
        "tmdb-original",
        count(difficulty.tmdb_original_title_share, len(distinct_on_tmdb)),
    )
    festival_original = _pick(
        [f for f in distinct if f.imdb_id not in tmdb_original],
        seed,
        "festival-original",
        count(difficulty.festival_original_title_share, len(distinct)),
    )
    alt_title = _pick(distinct, seed, "alt-title", count(difficulty.alt_title_share, len(distinct)))

    on_tmdb = frozenset(f.imdb_id for f in films if f.imdb_id not in absent)
    return Assignment(
        on_tmdb=on_tmdb,
        omdb_only=omdb_only,
        imdb_only=imdb_only,
        nowhere=nowhere,
        omdb_missing=omdb_missing,
        no_imdb_id=no_imdb_id,
        year_shift=year_shift,
        premiere_kept=premiere_kept,
        suspect_carrier=carriers,
        carried_by={carrier: victim for victim, carrier in carriers.items()},
        tmdb_original_title=tmdb_original,
        festival_original_title=festival_original,
        alt_title=alt_title,
    )


def _ordered(films: Iterable[Film], seed: int, salt: str) -> list[Film]:
    return sorted(films, key=lambda film: stable_int(seed, salt, film.imdb_id))


def _pick(films: Iterable[Film], seed: int, salt: str, how_many: int) -> frozenset[str]:
    return frozenset(film.imdb_id for film in _ordered(films, seed, salt)[: max(how_many, 0)])


def _carriers(victims: frozenset[str], films: Sequence[Film], seed: int) -> dict[str, str]:
    """For each suspect film, a background film (different title, years apart) whose TMDb
    record carries the suspect film's IMDb id."""
    by_id = {film.imdb_id: film for film in films}
    background = [film for film in films if film.role == "background"]
    used: set[str] = set()
    out: dict[str, str] = {}
    for victim_id in sorted(victims):
        victim = by_id[victim_id]
        titles = {normalized(victim.title), normalized(victim.original_title)}
        for candidate in _ordered(background, seed, "carrier:" + victim_id):
            if candidate.imdb_id in used or abs(candidate.year - victim.year) < 2:
                continue
            if normalized(candidate.title) in titles:
                continue
            used.add(candidate.imdb_id)
            out[victim_id] = candidate.imdb_id
            break
    return out
