"""Regenerates the sandbox's shipped data from the real film data set (`--source`): editions
from the Kometa IMDb-awards export, titles and facts from rstudio/gt's Cannes table and
Wikidata.

    python -m cinegraph_pipeline.sandbox.build_data --source DATA_DIR [--first 2010]

- `data/films.csv`, `data/nominations.csv`: the Cannes editions `--first`..`--last`.
- `data/events_films.csv.gz`, `data/events_nominations.csv.gz`: the editions from 2000 on of
  the seven other events (Venice, Berlin, Sundance, TIFF, the Oscars, the Golden Globes,
  BAFTA) where enough nominated films have a known title: at least `MIN_KNOWN_FILMS` of them,
  making at least `MIN_KNOWN_SHARE` of the edition's nominated films. Films already in
  `films.csv` are not repeated.

Only what the sandbox uses is written: the nominees of the chosen editions that have a known
title, Wikidata films sharing a title with them (distractors), and a small fixed sample of
other Wikidata films (background noise for searches, in `films.csv` only).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .codes import country_code, language_code
from .events import EVENTS
from .text import award_title, normalized, stable_fraction

CANNES_EVENT_ID = "ev0000147"
DATA_DIR = Path(__file__).resolve().parent / "data"
FILM_COLUMNS = (
    "imdb_id",
    "wikidata_id",
    "role",
    "title",
    "original_title",
    "year",
    "released",
    "runtime",
    "genres",
    "directors",
    "languages",
    "countries",
)
NOMINATION_COLUMNS = ("edition", "award", "category", "imdb_id", "winner", "person_role")
EVENT_NOMINATION_COLUMNS = ("event_id", *NOMINATION_COLUMNS)
BACKGROUND_SHARE = 0.05
FIRST_EVENT_EDITION = 2000  # the pipeline's partitions start there
MIN_KNOWN_FILMS = 5
MIN_KNOWN_SHARE = 0.15

_IMDB_ID = re.compile(r"tt\d{7,8}")
_RUNTIME = re.compile(r"(?:(\d+)h)?\s*(?:(\d+)m)?")
_PERSON_ROLES = (
    (re.compile(r"\bactress\b"), "actress"),
    (re.compile(r"\bactor\b"), "actor"),
    (re.compile(r"\b(director|directing)\b"), "director"),
)


@dataclass
class FilmRow:
    imdb_id: str
    wikidata_id: str = ""
    role: str = "festival"
    title: str = ""
    original_title: str = ""
    year: int = 0
    released: str = ""
    runtime: str = ""
    genres: str = ""
    directors: str = ""
    languages: str = ""
    countries: str = ""

    def as_row(self) -> list[str]:
        return [str(getattr(self, column)) for column in FILM_COLUMNS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source", type=Path, required=True, help="the directory of the real film data set"
    )
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    parser.add_argument("--first", type=int, default=2010, help="first Cannes edition")
    parser.add_argument("--last", type=int, default=2019, help="last Cannes edition")
    args = parser.parse_args(argv)
    films, nominations = build(args.source, range(args.first, args.last + 1))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "films.csv", FILM_COLUMNS, (film.as_row() for film in films))
    write_csv(args.out / "nominations.csv", NOMINATION_COLUMNS, nominations)
    roles = {role: sum(1 for film in films if film.role == role) for role in _ROLE_ORDER}
    print(f"build_data: {roles} films, {len(nominations)} nominations -> {args.out}")
    event_films, event_nominations, served = build_events(args.source, films)
    write_csv_gz(
        args.out / "events_films.csv.gz", FILM_COLUMNS, (film.as_row() for film in event_films)
    )
    write_csv_gz(
        args.out / "events_nominations.csv.gz", EVENT_NOMINATION_COLUMNS, event_nominations
    )
    for event_id, years in served.items():
        print(f"build_data: {event_id} editions {years}")
    print(f"build_data: {len(event_films)} more films, {len(event_nominations)} nominations")
    return 0


def build(source: Path, editions: Iterable[int]) -> tuple[list[FilmRow], list[list[str]]]:
    gt = _read_gt(source / "gt_cannes" / "films.csv")
    wikidata = _read_wikidata(source / "wikidata_films" / "films_wikidata_cc0.csv")
    awards_by_year = _read_event(source, CANNES_EVENT_ID)

    def known(imdb_id: str) -> bool:
        return imdb_id in gt or imdb_id in wikidata

    nominations: list[list[str]] = []
    festival_ids: dict[str, int] = {}
    for year in editions:
        for row in _edition_rows(awards_by_year.get(str(year)) or {}, known):
            festival_ids.setdefault(row[2], year)
            nominations.append([str(year), *row])

    films = [
        _festival_film(i, year, gt.get(i), wikidata.get(i)) for i, year in festival_ids.items()
    ]
    films += _distractors(films, wikidata)
    films.sort(key=lambda film: (_ROLE_ORDER.index(film.role), film.imdb_id))
    return films, nominations


def build_events(
    source: Path, base: list[FilmRow]
) -> tuple[list[FilmRow], list[list[str]], dict[str, list[int]]]:
    """The other events' editions with enough known films: the films not in `base` (festival
    films and their distractors), the nominations (with the event id first), and the served
    years by event id."""
    gt = _read_gt(source / "gt_cannes" / "films.csv")
    wikidata = _read_wikidata(source / "wikidata_films" / "films_wikidata_cc0.csv")

    def known(imdb_id: str) -> bool:
        return imdb_id in gt or imdb_id in wikidata

    taken = {film.imdb_id for film in base}
    nominations: list[list[str]] = []
    festival_ids: dict[str, int] = {}
    served: dict[str, list[int]] = {}
    for event in EVENTS[1:]:
        awards_by_year = _read_event(source, event.event_id)
        for key in sorted(awards_by_year):
            if not key.isdigit() or int(key) < FIRST_EVENT_EDITION:
                continue
            edition = awards_by_year[key] or {}
            if not _enough_known(edition, known):
                continue
            served.setdefault(event.event_id, []).append(int(key))
            for row in _edition_rows(edition, known):
                if row[2] not in taken:
                    festival_ids.setdefault(row[2], int(key))
                nominations.append([event.event_id, key, *row])
    films = [
        _festival_film(i, year, gt.get(i), wikidata.get(i)) for i, year in festival_ids.items()
    ]
    related = _distractors(films, wikidata, taken=taken, background=False)
    films += related
    films.sort(key=lambda film: (_ROLE_ORDER.index(film.role), film.imdb_id))
    return films, nominations, served


def _read_event(source: Path, event_id: str) -> dict[str, Any]:
    with (source / "kometa_imdb_awards" / f"{event_id}.yml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _nominated_ids(edition: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for categories in edition.values():
        for entries in categories.values():
            ids.update(entries.get("nominee") or [])
            ids.update(entries.get("winner") or [])
    return ids


def _enough_known(edition: dict[str, Any], known: Callable[[str], bool]) -> bool:
    ids = _nominated_ids(edition)
    count = sum(1 for imdb_id in ids if known(imdb_id))
    return count >= MIN_KNOWN_FILMS and count >= MIN_KNOWN_SHARE * len(ids)


def _edition_rows(edition: dict[str, Any], known: Callable[[str], bool]) -> Iterator[list[str]]:
    """[award, category, imdb id, winner, person role] per known nominated film."""
    for award, categories in edition.items():
        for category, entries in categories.items():
            winners = [i for i in entries.get("winner") or [] if known(i)]
            nominees = [i for i in entries.get("nominee") or [] if known(i)]
            nominees += [i for i in winners if i not in nominees]
            category_text = "" if category == award else award_title(category)
            role = _person_role(category if category_text else award)
            for imdb_id in dict.fromkeys(nominees):
                winner = "1" if imdb_id in winners else "0"
                yield [award_title(award), category_text, imdb_id, winner, role]


_ROLE_ORDER = ("festival", "distractor", "background")


def _person_role(text: str) -> str:
    if "fortnight" in text:
        return ""
    for pattern, role in _PERSON_ROLES:
        if pattern.search(text):
            return role
    return ""


def _festival_film(
    imdb_id: str, festival_year: int, gt: dict[str, str] | None, wd: dict[str, str] | None
) -> FilmRow:
    film = _wikidata_film(wd, role="festival") if wd else FilmRow(imdb_id, year=festival_year)
    if gt:
        film.title = gt["title"].strip()
        original = gt["original_title"].strip()
        film.original_title = "" if original == film.title else original
        film.directors = _join(gt["director"].split(","))
        film.languages = _join(language_code(v) for v in gt["languages"].split(","))
        film.countries = _join(country_code(v) for v in gt["countries_of_origin"].split(","))
        film.runtime = _gt_runtime(gt["run_time"]) or film.runtime
    return film


def _wikidata_film(row: dict[str, str], role: str) -> FilmRow:
    runtime = row["runtime"].strip()
    return FilmRow(
        imdb_id=row["imdb_id"],
        wikidata_id=row["wikidata_qid"],
        role=role,
        title=row["title_en"].strip(),
        year=int(row["year"]),
        released=row["released"].strip(),
        runtime=str(round(float(runtime))) if runtime else "",
        genres=_join(row["genre"].split(",")),
        directors=_join(row["director"].split(",")),
        languages=_join(language_code(v) for v in row["language"].split(",")),
        countries=_join(country_code(v) for v in row["country"].split(",")),
    )


def _distractors(
    festival: list[FilmRow],
    wikidata: dict[str, dict[str, str]],
    taken: set[str] | None = None,
    background: bool = True,
) -> list[FilmRow]:
    """Wikidata films with the same title as a festival film, or a title that extends it or
    that it extends (sequels, remakes, "Paradise" / "Paradise: Love"), plus a fixed sample
    (`background`); none of the festival films nor of `taken`."""
    taken = {film.imdb_id for film in festival} | (taken or set())
    titles = {normalized(t) for f in festival for t in (f.title, f.original_title) if t}
    titles.discard("")
    prefixes = {t for t in titles if len(t) >= 4}
    out: list[FilmRow] = []
    for imdb_id, row in wikidata.items():
        if imdb_id in taken:
            continue
        title = normalized(row["title_en"])
        related = title in titles or any(title.startswith(p + " ") for p in prefixes)
        related = related or (len(title) >= 4 and any(t.startswith(title + " ") for t in titles))
        if related:
            out.append(_wikidata_film(row, role="distractor"))
        elif background and stable_fraction(imdb_id, "background") < BACKGROUND_SHARE:
            out.append(_wikidata_film(row, role="background"))
    return out


def _read_gt(path: Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            match = _IMDB_ID.search(row["imdb_url"])
            if match and row["title"].strip():
                out[match.group(0)] = row
    return out


def _read_wikidata(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["imdb_id"]: row
            for row in csv.DictReader(fh)
            if _IMDB_ID.fullmatch(row["imdb_id"]) and row["title_en"].strip()
        }


def _gt_runtime(text: str) -> str:
    match = _RUNTIME.fullmatch(text.strip())
    if not match or not any(match.groups()):
        return ""
    hours, minutes = (int(group or 0) for group in match.groups())
    return str(hours * 60 + minutes)


def _join(values: Iterable[str | None]) -> str:
    return "|".join(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def write_csv(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(header))
        writer.writerows(rows)


def write_csv_gz(path: Path, header: Iterable[str], rows: Iterable[list[str]]) -> None:
    """Like write_csv, gzip-compressed with no timestamp (the same data, the same bytes)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(list(header))
    writer.writerows(rows)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        fh.write(text.getvalue().encode("utf-8"))


if __name__ == "__main__":
    sys.exit(main())
