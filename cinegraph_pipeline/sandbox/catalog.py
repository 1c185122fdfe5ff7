"""The sandbox's films: real facts from the shipped data, the TMDb records the sandbox invents
for them, the editions of the events it serves (Cannes 2010-2019 and the other events of
`events.EVENTS`, see `served_editions`), and the ground truth of every film (which source knows
it, and under what title, id and year).

The Cannes data (`films.csv`, `nominations.csv`) and the other events' data
(`events_*.csv.gz`) are assigned their difficulties apart, so the Cannes films keep the traits,
ids and counts they had before the other events were added.

`Catalog.load(difficulty, seed)` is deterministic: the same settings give the same catalog.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import gzip
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ..sources.records import year_of
from .difficulty import Assignment, assign
from .events import CANNES, EVENTS_BY_ID, describe_editions
from .people import PeopleRegistry, Person
from .series import is_series, tmdb_tv_id, with_series
from .settings import Difficulty
from .text import normalized, stable_fraction, stable_int, stable_token, words

DATA_DIR = Path(__file__).resolve().parent / "data"
CANNES_EVENT_ID = CANNES.event_id
CANNES_NAME = CANNES.name


@dataclass(frozen=True, slots=True)
class Film:
    imdb_id: str
    role: str  # festival | distractor | background
    title: str  # English title
    original_title: str  # the title in the original language (== title when the same)
    year: int  # IMDb's release year
    released: str | None  # ISO date of a theatrical release, when the data has one
    runtime: int | None
    genres: tuple[str, ...]
    directors: tuple[Person, ...]
    cast: tuple[Person, ...]  # invented: lead actor, lead actress, one more
    languages: tuple[str, ...]  # language codes, see codes.py
    countries: tuple[str, ...]  # ISO 3166-1 codes
    wikidata_id: str | None
    title_type: str  # IMDb titleType.id: movie | tvMovie | tvSeries | tvMiniSeries
    festival_year: int | None
    festival_event: str | None = None  # the event id of `festival_year`'s edition

    @property
    def has_distinct_original(self) -> bool:
        return normalized(self.original_title) != normalized(self.title)


@dataclass(frozen=True, slots=True)
class ReleaseDate:
    country: str
    date: str  # ISO date
    type: int  # TMDb: 1 premiere, 2 limited, 3 theatrical, 4 digital, 5 physical, 6 TV
    note: str = ""
    certification: str = ""


@dataclass(frozen=True, slots=True)
class AltTitle:
    country: str
    title: str
    type: str = ""


@dataclass(frozen=True, slots=True)
class TmdbRecord:
    """A film's TMDb record. `listed` is False for films TMDb does not know (yet): the record
    is reserved so that releasing the film (admin route) gives it a stable id."""

    tmdb_id: int
    film: Film
    title: str
    original_title: str
    imdb_id: str | None  # as TMDb has it: missing, or another film's id for suspect hits
    release_date: str  # primary release date ("" when unknown)
    release_dates: tuple[ReleaseDate, ...]
    alternative_titles: tuple[AltTitle, ...]
    popularity: float
    vote_average: float
    vote_count: int
    listed: bool
    search_titles: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def primary_year(self) -> int | None:
        return year_of(self.release_date)

    @property
    def release_years(self) -> frozenset[int]:
        years = {int(item.date[:4]) for item in self.release_dates}
        if self.release_date:
            years.add(int(self.release_date[:4]))
        return frozenset(years)


@dataclass(frozen=True, slots=True)
class Nomination:
    edition: int
    award: str
    category: str | None  # None: IMDb shows `category: null`, the award's text stands
    film: Film
    winner: bool
    person_role: str | None  # director | actor | actress: a person-first nomination
    people: tuple[Person, ...] = ()
    event_id: str = CANNES_EVENT_ID


@dataclass(frozen=True, slots=True)
class FilmTruth:
    """What the sandbox knows about a film: the right answer for each source."""

    imdb_id: str
    title: str  # as the IMDb event page shows it
    original_title: str
    year: int
    festival: bool
    editions: tuple[int, ...]
    on_tmdb: bool
    tmdb_id: int | None  # the film's own TMDb record (None when TMDb does not know it)
    tmdb_title: str | None
    tmdb_original_title: str | None
    tmdb_year: int | None
    tmdb_imdb_id: str | None  # the IMDb id on the film's own TMDb record
    suspect_tmdb_id: int | None  # another film's record carrying this film's IMDb id
    on_omdb: bool
    on_imdb: bool
    traits: tuple[str, ...]
    # (event id, year) of every edition nominating the film; `editions` are the Cannes years
    event_editions: tuple[tuple[str, int], ...] = ()
    title_type: str = "movie"
    tmdb_tv_id: int | None = None  # a series: its id on TMDb's /tv (never a movie match)

    @property
    def expected_source(self) -> str:
        """The first source of the chain (TMDb, OMDb, IMDb page) that knows the film, or
        `stub` when none does."""
        if self.on_tmdb:
            return "tmdb"
        if self.on_omdb:
            return "omdb"
        if self.on_imdb:
            return "imdb"
        return "stub"

    def as_json(self) -> dict[str, object]:
        return {
            "imdb_id": self.imdb_id,
            "title": self.title,
            "original_title": self.original_title,
            "year": self.year,
            "festival": self.festival,
            "editions": list(self.editions),
            "on_tmdb": self.on_tmdb,
            "tmdb_id": self.tmdb_id,
            "tmdb_title": self.tmdb_title,
            "tmdb_original_title": self.tmdb_original_title,
            "tmdb_year": self.tmdb_year,
            "tmdb_imdb_id": self.tmdb_imdb_id,
            "suspect_tmdb_id": self.suspect_tmdb_id,
            "on_omdb": self.on_omdb,
            "on_imdb": self.on_imdb,
            "traits": list(self.traits),
            "event_editions": [list(item) for item in self.event_editions],
            "title_type": self.title_type,
            "tmdb_tv_id": self.tmdb_tv_id,
            "expected_source": self.expected_source,
        }


@dataclass(frozen=True, slots=True)
class Rating:
    value: float | None  # None: too few votes, IMDb shows no rating
    votes: int
    metascore: int | None


class Catalog:
    """Every film the sandbox serves, with its TMDb record, its editions and its truth."""

    def __init__(
        self,
        films: dict[str, Film],
        records: dict[int, TmdbRecord],
        nominations: list[Nomination],
        assignment: Assignment,
        seed: int,
    ) -> None:
        self.films = films
        self.seed = seed
        self.records = records
        self.record_of_film: dict[str, TmdbRecord] = {r.film.imdb_id: r for r in records.values()}
        self.assignment = assignment
        by_event: dict[str, dict[int, list[Nomination]]] = defaultdict(lambda: defaultdict(list))
        self._editions_of: dict[str, set[int]] = defaultdict(set)
        self._event_editions_of: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self._awards: dict[str, tuple[int, int]] = {}
        for nomination in nominations:
            imdb_id = nomination.film.imdb_id
            by_event[nomination.event_id][nomination.edition].append(nomination)
            if nomination.event_id == CANNES_EVENT_ID:
                self._editions_of[imdb_id].add(nomination.edition)
            self._event_editions_of[imdb_id].add((nomination.event_id, nomination.edition))
            wins, total = self._awards.get(imdb_id, (0, 0))
            self._awards[imdb_id] = (wins + nomination.winner, total + 1)
        # Every served edition by event id and year; `editions` keeps Cannes's alone.
        self.event_editions: dict[str, dict[int, tuple[Nomination, ...]]] = {
            event_id: {year: tuple(items) for year, items in sorted(years.items())}
            for event_id, years in by_event.items()
        }
        self.editions = self.event_editions.get(CANNES_EVENT_ID, {})
        self._by_title: dict[str, set[str]] = defaultdict(set)
        for film in films.values():
            for text in (film.title, film.original_title):
                self._by_title[normalized(text)].add(film.imdb_id)
        self._truths = {imdb_id: self._truth(film) for imdb_id, film in films.items()}

    @classmethod
    def load(
        cls, difficulty: Difficulty | None = None, seed: int = 2016, copies: int = 0
    ) -> Catalog:
        """The catalog for these settings (built once per process and settings), with
        `copies` renamed copies of every film beside the real ones (see `copy_film`)."""
        return _load_cached(difficulty or Difficulty(), seed, max(0, copies))

    # -- queries -------------------------------------------------------------------------

    def film(self, imdb_id: str) -> Film | None:
        return self.films.get(imdb_id)

    def truth(self, imdb_id: str) -> FilmTruth:
        """The ground truth of a film; KeyError for an id the sandbox does not know."""
        return self._truths[imdb_id]

    def truths(self, *, festival_only: bool = True) -> list[FilmTruth]:
        return [t for t in self._truths.values() if t.festival or not festival_only]

    def festival_films(self) -> list[Film]:
        return [film for film in self.films.values() if film.role == "festival"]

    def display_title(self, film: Film) -> str:
        """The title IMDb shows first (event pages, title pages, OMDb)."""
        if film.imdb_id in self.assignment.festival_original_title:
            return film.original_title
        return film.title

    def on_omdb(self, imdb_id: str) -> bool:
        return imdb_id in self.films and imdb_id not in self.assignment.not_on_omdb

    def on_imdb(self, imdb_id: str) -> bool:
        return imdb_id in self.films and imdb_id not in self.assignment.nowhere

    def rating(self, film: Film) -> Rating:
        if film.imdb_id in self.assignment.imdb_only:
            return Rating(None, 0, None)
        spread = stable_fraction(film.imdb_id, "rating")
        votes_spread = stable_fraction(film.imdb_id, "votes")
        votes = int(150 + 280_000 * votes_spread**3)
        value = round(5.1 + 3.4 * spread, 1)
        meta = None
        if film.role == "festival" and stable_fraction(film.imdb_id, "meta") < 0.7:
            meta = int(45 + 50 * spread)
        return Rating(value, votes, meta)

    def awards_of(self, imdb_id: str) -> tuple[int, int]:
        """(wins, nominations including wins) of a film in the sandbox's editions."""
        return self._awards.get(imdb_id, (0, 0))

    def release_date(self, film: Film) -> date:
        """The release date IMDb and OMDb show (a theatrical release in the film's year)."""
        return _theatrical_date(film)

    def edition_years(self) -> list[int]:
        """The Cannes editions (see `served_editions` for every event)."""
        return list(self.editions)

    def served_editions(self) -> dict[str, list[int]]:
        """The years served, by IMDb event id."""
        return {event_id: list(years) for event_id, years in self.event_editions.items()}

    def event_years(self, event_id: str) -> list[int]:
        return list(self.event_editions.get(event_id, {}))

    def event_nominations(self, event_id: str, year: int) -> tuple[Nomination, ...] | None:
        """The nominations of one edition of any served event; None when it is not served."""
        return self.event_editions.get(event_id, {}).get(year)

    def describe_editions(self) -> str:
        """ "cannes 2010-2019; venice 2000-2009; ...": what the sandbox serves, in one line."""
        return describe_editions(self.served_editions())

    def draw_festival_films(self, count: int, salt: str) -> list[Film]:
        """`count` distinct festival films (copies included), in a stable order for `salt`;
        ValueError when the catalog has fewer."""
        pool = self.festival_films()
        if count > len(pool):
            raise ValueError(
                f"the catalog has {len(pool)} festival films, not {count}: add catalog copies"
            )
        return sorted(pool, key=lambda film: stable_int(salt, film.imdb_id))[:count]

    # -- truth ---------------------------------------------------------------------------

    def _truth(self, film: Film) -> FilmTruth:
        record = self.record_of_film[film.imdb_id]
        carrier = self.assignment.suspect_carrier.get(film.imdb_id)
        # A series' same-title TMDb movie is not it: TMDb has no movie for the series.
        listed = record.listed and not is_series(film)
        return FilmTruth(
            imdb_id=film.imdb_id,
            title=self.display_title(film),
            original_title=film.original_title,
            year=film.year,
            festival=film.role == "festival",
            editions=tuple(sorted(self._editions_of.get(film.imdb_id, ()))),
            on_tmdb=listed,
            tmdb_id=record.tmdb_id if listed else None,
            tmdb_title=record.title if listed else None,
            tmdb_original_title=record.original_title if listed else None,
            tmdb_year=record.primary_year if listed else None,
            tmdb_imdb_id=record.imdb_id if listed else None,
            suspect_tmdb_id=self.record_of_film[carrier].tmdb_id if carrier else None,
            on_omdb=self.on_omdb(film.imdb_id),
            on_imdb=self.on_imdb(film.imdb_id),
            traits=self._traits(film),
            event_editions=tuple(sorted(self._event_editions_of.get(film.imdb_id, ()))),
            title_type=film.title_type,
            tmdb_tv_id=tmdb_tv_id(film.imdb_id) if is_series(film) else None,
        )

    def _traits(self, film: Film) -> tuple[str, ...]:
        traits = self.assignment.traits_of(film.imdb_id)
        namesakes = set().union(
            *(self._by_title[normalized(t)] for t in (film.title, film.original_title))
        )
        if namesakes - {film.imdb_id}:
            traits += ("same_title",)
        if is_series(film):
            traits += ("series",)
        return traits


@functools.lru_cache(maxsize=8)
def _load_cached(difficulty: Difficulty, seed: int, copies: int = 0) -> Catalog:
    difficulty.validate()
    people = PeopleRegistry()
    raw_nominations = _read_nominations(DATA_DIR / "nominations.csv")
    festival_years: dict[str, int] = {}
    for row in raw_nominations:
        festival_years.setdefault(row["imdb_id"], int(row["edition"]))
    base = _read_films(DATA_DIR / "films.csv", people, festival_years)
    event_rows = _read_nominations(DATA_DIR / "events_nominations.csv.gz")
    events = _read_event_films(people, event_rows, base)
    winners = {row["imdb_id"] for row in raw_nominations if row["winner"] == "1"}
    winners.update(
        r["imdb_id"] for r in event_rows if r["winner"] == "1" and r["imdb_id"] in events
    )
    films = {**base, **events}
    assignment = _assign_parts(list(base.values()), list(events.values()), difficulty, seed)
    series_share = difficulty.series_share
    # Real films take their TMDb ids first (the Cannes films as before the other events).
    order = sorted(base) + sorted(events)
    if copies:
        originals = [films[imdb_id] for imdb_id in sorted(films)]
        parts = [assignment]
        for number in range(1, copies + 1):
            copied = [copy_film(film, number, index) for index, film in enumerate(originals)]
            pairs = list(zip(originals, copied, strict=True))
            parts.append(
                _assign_parts(
                    [copy for original, copy in pairs if original.imdb_id in base],
                    [copy for original, copy in pairs if original.imdb_id in events],
                    difficulty,
                    seed,
                )
            )
            # Each copy types its own Cannes series, as many as the real films have.
            typed = with_series(
                {c.imdb_id: c for o, c in pairs if o.imdb_id in base},
                parts[-1],
                series_share,
                seed,
            )
            pairs = [(original, typed.get(copy.imdb_id, copy)) for original, copy in pairs]
            for original, copy in pairs:
                films[copy.imdb_id] = copy
                order.append(copy.imdb_id)
                if original.imdb_id in winners:
                    winners.add(copy.imdb_id)
        assignment = merge_assignments(parts)
    films.update(with_series(base, assignment, series_share, seed))
    tmdb_ids = _tmdb_ids(order)
    records: dict[int, TmdbRecord] = {}
    for film in films.values():
        record = _tmdb_record(film, tmdb_ids[film.imdb_id], assignment, film.imdb_id in winners)
        records[record.tmdb_id] = record
    nominations = [_nomination(row, films) for row in raw_nominations]
    nominations += [_nomination(row, films) for row in event_rows]
    return Catalog(films, records, nominations, assignment, seed)


def _assign_parts(
    cannes: list[Film], others: list[Film], difficulty: Difficulty, seed: int
) -> Assignment:
    """The difficulty of the Cannes films, then apart that of the other events' films (so the
    Cannes films keep theirs); background films the first part leaves free may carry the
    second part's suspect ids."""
    first = assign(cannes, difficulty, seed)
    if not others:
        return first
    spare = [f for f in cannes if f.role == "background" and f.imdb_id not in first.carried_by]
    return merge_assignments([first, assign([*others, *spare], difficulty, seed)])


def _read_event_films(
    people: PeopleRegistry, rows: list[dict[str, str]], known: dict[str, Film]
) -> dict[str, Film]:
    """The other events' films (none of `known`), each with the first edition naming it."""
    first: dict[str, tuple[str, int]] = {}
    for row in rows:
        first.setdefault(row["imdb_id"], (row["event_id"], int(row["edition"])))
    path = DATA_DIR / "events_films.csv.gz"
    if not path.exists():
        return {}
    years = {imdb_id: year for imdb_id, (_, year) in first.items()}
    events = {imdb_id: event for imdb_id, (event, _) in first.items()}
    films = _read_films(path, people, years, events)
    return {imdb_id: film for imdb_id, film in films.items() if imdb_id not in known}


# -- renamed copies (load tests) -----------------------------------------------------------

_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"


def copy_word(number: int) -> str:
    """The made-up word that marks copy `number`: three consonant-vowel syllables, distinct
    per copy and all of one length (so no word is the start of another in a search)."""
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    out = []
    # A bijection of 0..70**3-1 (7919 is prime to 70**3) spreads neighbours apart.
    value = number * 7919 % len(syllables) ** 3
    for _ in range(3):
        value, digit = divmod(value, len(syllables))
        out.append(syllables[digit])
    return "".join(out).capitalize()


def copy_id(number: int, index: int) -> str:
    """tt9 + the copy number (3 digits) + the film's index (4 digits): eight digits starting
    with 9, a range IMDb has not reached."""
    if not 1 <= number <= 999 or not 0 <= index <= 9999:
        raise ValueError("catalog copies are numbered 1-999 over at most 10,000 films")
    return f"tt9{number:03d}{index:04d}"


def copy_film(film: Film, number: int, index: int) -> Film:
    """Copy `number` of a film: a new IMDb id and both titles followed by the copy's word;
    everything else (year, people, countries, runtime, festival year) as the original."""
    word = copy_word(number)
    return dataclasses.replace(
        film,
        imdb_id=copy_id(number, index),
        title=f"{film.title} {word}",
        original_title=f"{film.original_title} {word}",
        wikidata_id=None,
    )


def merge_assignments(parts: list[Assignment]) -> Assignment:
    """One assignment from those of disjoint sets of films."""
    return Assignment(
        **{
            item.name: _union([getattr(part, item.name) for part in parts])
            for item in dataclasses.fields(Assignment)
        }
    )


def _union(values: list[Any]) -> Any:
    if isinstance(values[0], dict):
        merged: dict[str, Any] = {}
        for value in values:
            merged.update(value)
        return merged
    return frozenset().union(*values)


# -- reading the shipped data ------------------------------------------------------------


def _read_films(
    path: Path,
    people: PeopleRegistry,
    festival_years: dict[str, int],
    festival_events: dict[str, str] | None = None,
) -> dict[str, Film]:
    films: dict[str, Film] = {}
    with _open_text(path) as fh:
        for row in csv.DictReader(fh):
            imdb_id = row["imdb_id"]
            languages = tuple(_split(row["languages"]))
            genres = tuple(_split(row["genres"])) or ("Drama",)
            festival_year = festival_years.get(imdb_id) if row["role"] == "festival" else None
            films[imdb_id] = Film(
                imdb_id=imdb_id,
                role=row["role"],
                title=row["title"],
                original_title=row["original_title"] or row["title"],
                year=int(row["year"]),
                released=row["released"] or None,
                runtime=int(row["runtime"]) if row["runtime"] else None,
                genres=genres,
                directors=tuple(people.person(name) for name in _split(row["directors"])),
                cast=people.invented_cast(imdb_id, languages[0] if languages else None),
                languages=languages,
                countries=tuple(_split(row["countries"])),
                wikidata_id=row["wikidata_id"] or None,
                title_type=_title_type(imdb_id, festival_year is not None),
                festival_year=festival_year,
                festival_event=(
                    (festival_events or {}).get(imdb_id, CANNES_EVENT_ID)
                    if festival_year is not None
                    else None
                ),
            )
    return films


def _open_text(path: Path) -> Any:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def _read_nominations(path: Path) -> list[dict[str, str]]:
    """The rows of a nominations file (none when an optional file is absent)."""
    if not path.exists():
        return []
    with _open_text(path) as fh:
        return list(csv.DictReader(fh))


def _nomination(row: dict[str, str], films: dict[str, Film]) -> Nomination:
    film = films[row["imdb_id"]]
    role = row["person_role"] or None
    people: tuple[Person, ...] = ()
    if role == "director":
        people = film.directors
    elif role == "actor":
        people = film.cast[:1]
    elif role == "actress":
        people = film.cast[1:2]
    return Nomination(
        edition=int(row["edition"]),
        award=row["award"],
        category=row["category"] or None,
        film=film,
        winner=row["winner"] == "1",
        person_role=role if people else None,
        people=people,
        event_id=row.get("event_id") or CANNES_EVENT_ID,
    )


def _split(value: str) -> list[str]:
    return [item for item in value.split("|") if item]


def _title_type(imdb_id: str, festival: bool) -> str:
    # Festival films are features; a few background films are TV movies, typed so on IMDb's
    # `titleType` while JSON-LD still says Movie.
    if festival:
        return "movie"
    return "tvMovie" if stable_fraction(imdb_id, "tv") < 0.05 else "movie"


# -- TMDb records --------------------------------------------------------------------------


def _tmdb_ids(imdb_ids: list[str]) -> dict[str, int]:
    taken: set[int] = set()
    out: dict[str, int] = {}
    for imdb_id in imdb_ids:
        candidate = 11_000 + stable_int(imdb_id, "tmdb-id") % 980_000
        while candidate in taken:
            candidate += 1
        taken.add(candidate)
        out[imdb_id] = candidate
    return out


def _tmdb_record(film: Film, tmdb_id: int, assignment: Assignment, winner: bool) -> TmdbRecord:
    imdb_id = film.imdb_id
    title, original = film.title, film.original_title
    alternatives: list[AltTitle] = []
    country = film.countries[0] if film.countries else "US"
    if imdb_id in assignment.tmdb_original_title:
        title = original
        if imdb_id in assignment.alt_title:
            alternatives.append(AltTitle("US", film.title, ""))
    elif film.has_distinct_original and imdb_id in assignment.alt_title:
        alternatives.append(AltTitle(country, original, "original title"))

    release_date, release_dates = _release_dates(film, assignment)
    spread = stable_fraction(imdb_id, "popularity")
    if film.role == "festival":
        popularity = 1.5 + 30 * spread**2 + (8.0 if winner else 0.0)
    else:
        popularity = 0.6 + 60 * spread**3
    tmdb_imdb_id: str | None = imdb_id
    if imdb_id in assignment.no_imdb_id or imdb_id in assignment.suspect_carrier:
        tmdb_imdb_id = None
    carried = assignment.carried_by.get(imdb_id)
    if carried:
        tmdb_imdb_id = carried
    listed = imdb_id in assignment.on_tmdb
    searchable = sorted({title, original, *(alt.title for alt in alternatives)})
    return TmdbRecord(
        tmdb_id=tmdb_id,
        film=film,
        title=title,
        original_title=original,
        imdb_id=tmdb_imdb_id,
        release_date=release_date,
        release_dates=release_dates,
        alternative_titles=tuple(alternatives),
        popularity=round(popularity, 3),
        vote_average=round(5.2 + 3.0 * stable_fraction(imdb_id, "vote"), 1) if listed else 0.0,
        vote_count=int(12 + 4000 * stable_fraction(imdb_id, "votes") ** 2) if listed else 0,
        listed=listed,
        search_titles=tuple(words(text) for text in searchable),
    )


def _release_dates(film: Film, assignment: Assignment) -> tuple[str, tuple[ReleaseDate, ...]]:
    """The primary release date and the per-country release dates of a TMDb record."""
    imdb_id = film.imdb_id
    if film.role == "background" and stable_fraction(imdb_id, "undated") < 0.03:
        return "", ()  # TMDb has records with no date at all
    country = film.countries[0] if film.countries else "US"
    theatrical = _theatrical_date(film)
    dates: list[ReleaseDate] = []
    premiere: date | None = None
    event = EVENTS_BY_ID.get(film.festival_event or "")
    if film.festival_year and event is not None and event.festival:
        day = 11 + stable_int(imdb_id, "premiere") % 12
        premiere = date(film.festival_year, event.month, day)
        dates.append(ReleaseDate(event.country, premiere.isoformat(), 1, event.name))
    primary = min(d for d in (premiere, theatrical) if d is not None)
    shift = assignment.year_shift.get(imdb_id, 0)
    if shift:
        primary = _shift_year(primary, shift)
        theatrical = _shift_year(theatrical, shift)
        if not assignment.keeps_premiere(imdb_id):
            dates = []
    dates.append(ReleaseDate(country, theatrical.isoformat(), 3))
    if country != "US" and stable_fraction(imdb_id, "us-release") < 0.4:
        later = theatrical + timedelta(days=60 + stable_int(imdb_id, "us-days") % 200)
        dates.append(ReleaseDate("US", later.isoformat(), 3, "", "R"))
    return primary.isoformat(), tuple(dates)


def _theatrical_date(film: Film) -> date:
    if film.released and not film.released.endswith("-01-01"):
        try:
            parsed = date.fromisoformat(film.released)
            if parsed.year == film.year:
                return parsed
        except ValueError:
            pass
    if film.festival_year and film.festival_year == film.year:
        start = date(film.year, 5, 25)
        return start + timedelta(days=stable_int(film.imdb_id, "theatrical") % 200)
    return date(film.year, 1, 1) + timedelta(days=stable_int(film.imdb_id, "theatrical") % 360)


def _shift_year(day: date, shift: int) -> date:
    try:
        return day.replace(year=day.year + shift)
    except ValueError:  # 29 February
        return day.replace(year=day.year + shift, day=28)


def synopsis(film: Film) -> str:
    """The sandbox's plot line for a film (the shipped data has no plots)."""
    genre = film.genres[0].lower() if film.genres else "film"
    kind = "documentary" if genre == "documentary" else f"{genre} film"
    names = [person.name for person in film.directors]
    by = f" directed by {' and '.join(names)}" if names else ""
    return f"A {film.year} {kind}{by}."


def image_url(film: Film, variant: str = "") -> str:
    """The poster URL IMDb (and OMDb, with `variant` "SX300") shows for a film."""
    token = stable_token(40, film.imdb_id, "poster")
    return f"https://m.media-amazon.com/images/M/{token}@._V1_{variant}.jpg"
