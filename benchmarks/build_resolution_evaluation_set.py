"""Rebuilds the labeled evaluation set of the resolution engine from the real film data.

    python benchmarks/build_resolution_evaluation_set.py --data DATA_DIR [--out PATH]

Inputs (under DATA_DIR, the real film data set): `gt_cannes/films.csv` (Cannes competition
films with English
and original titles, MIT) and `wikidata_films/films_wikidata_cc0.csv` (17,470 films,
CC0). The output is deterministic (fixed seed, sorted inputs): running the script twice gives
the same bytes, and a test checks the shipped file against a fresh build.

What it builds:
- a universe of real films (merged by IMDb id) and, for each, the TMDb record a catalogue would
  hold: the Wikidata English title as TMDb's title when the film is in Wikidata, the Cannes
  original title as TMDb's original title, the Cannes English title sometimes as an
  alternative title, invented TMDb ids and popularity;
- festival films (items), each with the query a festival page gives (IMDb id, title, original
  title, year) and the expected TMDb id (or none), in the variants festival imports meet:
  records reachable by IMDb id; records without IMDb id, reached by title through accents,
  articles, punctuation, roman numerals, English vs original titles, alternative titles,
  years off by one, spelling variants, subtitles; same-title remakes and sequels as
  distractors; records carrying another film's IMDb id (suspect); films TMDb does not know
  (next to same-title films, sequels, another record with their id); same title and year
  twice (ambiguous, or told apart by the other record's IMDb id);
- the catalogue: every record an item names plus, for each query a film's titles make, the
  20 most popular records of the universe that the query matches, so that the in-memory
  search sees the distractors the whole universe would show on its first page.
The composition is printed; ids and draws come from the seed only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "cinegraph_pipeline_tests" / "resolution" / "data" / "evaluation_set.json"
SEED = 20250601
FIRST_TMDB_ID = 1001
MISSING_ID_SHARE = 0.05
RECORD_DEFAULTS = (
    "original_title: the title; release_years: the release date's year; "
    "alternative_titles: none"
)  # background records without an IMDb id, as on TMDb

# How many films of each variant; "direct" films make up the rest of a realistic mix in which
# most festival films are reachable by their IMDb id.
COMPOSITION: dict[str, int] = {
    "direct": 600,
    "title_exact": 40,
    "accents": 20,
    "article": 20,
    "punctuation": 20,
    "roman_numerals": 10,
    "english_vs_original": 25,
    "alternative_title": 15,
    "year_off_by_one": 25,
    "spelling_variant": 20,
    "subtitle": 16,
    "same_title_remake": 30,
    "sequel": 16,
    "same_title_same_year": 5,
    "suspect_wrong_id": 20,
    "suspect_remake_id": 10,
    "suspect_unknown": 10,
    "unknown": 20,
    "unknown_remake_present": 20,
    "unknown_sequel_present": 10,
    "unknown_same_title_near_year": 10,
}

_WORD = re.compile(r"[\W_]+")
_FILM_SUFFIX = re.compile(r"\s*\((?:\d{4} )?film\)$")
_LEADING_ARTICLE = re.compile(r"^(?:(?:the|la|le|les|il|el|los|las|der|das) |l')", re.I)
_SEQUEL = re.compile(r"^(?P<base>.+?)\s+(?:part\s+)?(?P<n>ii|iii|iv|2|3|4)(?::.*)?$", re.I)
_ROMAN_TO_ARABIC = {"ii": "2", "iii": "3", "iv": "4"}
_ARABIC_TO_ROMAN = {v: k.upper() for k, v in _ROMAN_TO_ARABIC.items()}


def words(text: str) -> list[str]:
    """Folded words, the way a search engine splits a title (independent of the resolver)."""
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.sub(" ", folded.replace("'", "").replace("\u2019", "")).split()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@dataclass
class Film:
    """A real film and the TMDb record the catalogue holds for it."""

    imdb_id: str
    title: str  # TMDb title (English)
    original_title: str
    year: int
    release_date: str
    festival_title: str
    festival_original: str | None
    festival_year: int
    in_cannes: bool
    alternative_titles: list[str] = field(default_factory=list)
    release_years: list[int] = field(default_factory=list)
    popularity: float = 0.0
    record_imdb_id: str | None = None  # the IMDb id the TMDb record carries

    @property
    def key(self) -> str:
        return " ".join(words(self.title))

    @property
    def titles(self) -> tuple[str, ...]:
        return (self.title, self.original_title, *self.alternative_titles)


def load_universe(data: Path) -> dict[str, Film]:
    films: dict[str, Film] = {}
    with (data / "wikidata_films" / "films_wikidata_cc0.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            imdb_id = row["imdb_id"].strip()
            if not imdb_id or imdb_id in films:
                continue
            title = _FILM_SUFFIX.sub("", row["title_en"].strip())
            year = int(float(row["year"]))
            released = row["released"].strip()
            if not released.startswith(str(year)):
                released = f"{year}-01-01"
            films[imdb_id] = Film(imdb_id, title, title, year, released, title, None, year, False)
    with (data / "gt_cannes" / "films.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            match = re.search(r"tt\d+", row["imdb_url"])
            if not match:
                continue
            imdb_id = match.group(0)
            title = row["title"].strip()
            original = row["original_title"].strip() or None
            year = int(row["year"])
            known = films.get(imdb_id)
            if known is not None and abs(known.year - year) <= 1:
                films[imdb_id] = replace(
                    known,
                    original_title=original or title,
                    festival_title=title,
                    festival_original=original,
                    festival_year=year,
                    in_cannes=True,
                )
            else:
                films[imdb_id] = Film(
                    imdb_id, title, original or title, year, f"{year}-05-15",
                    title, original, year, True,
                )  # fmt: skip
    for imdb_id in sorted(films):
        film = films[imdb_id]
        draw = random.Random(f"{SEED}:{imdb_id}")
        film.popularity = round(draw.lognormvariate(1.0, 1.3), 3)
        film.release_years = [film.year] + ([film.year + 1] if draw.random() < 0.3 else [])
        if film.festival_title not in (film.title, film.original_title) and draw.random() < 0.6:
            film.alternative_titles.append(film.festival_title)
        film.record_imdb_id = imdb_id if draw.random() >= MISSING_ID_SHARE else None
    return films


@dataclass
class Item:
    item_id: str
    tags: list[str]
    imdb_id: str
    title: str
    original_title: str | None
    year: int
    target: str | None  # imdb id of the film whose record is the answer
    related: list[str] = field(default_factory=list)  # imdb ids of records the item names
    expect_ambiguous: bool = False


class Builder:
    def __init__(self, films: dict[str, Film]) -> None:
        self.films = films
        self.rng = random.Random(SEED)
        self.used: set[str] = set()
        self.absent: set[str] = set()
        self.items: list[Item] = []
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for imdb_id in sorted(films):
            self.by_key[films[imdb_id].key].append(imdb_id)

    # selection helpers

    def pick(self, pool: Iterable[str], count: int) -> list[str]:
        free = sorted(set(pool) - self.used)
        chosen = self.rng.sample(free, min(count, len(free)))
        self.used.update(chosen)
        return chosen

    def claim(self, *imdb_ids: str) -> None:
        self.used.update(imdb_ids)

    def add(self, tag: str, film: Film, **changes: object) -> Item:
        item = Item(
            item_id=f"{tag}:{film.imdb_id}",
            tags=[tag],
            imdb_id=film.imdb_id,
            title=film.festival_title,
            original_title=film.festival_original,
            year=film.festival_year,
            target=film.imdb_id,
            related=[film.imdb_id],
        )
        for name, value in changes.items():
            setattr(item, name, value)
        self.items.append(item)
        return item

    def title_level(self, tag: str, film: Film, **changes: object) -> Item:
        """A film whose TMDb record lacks its IMDb id: only the title levels can find it."""
        film.record_imdb_id = None
        return self.add(tag, film, **changes)

    # variants

    def build(self) -> list[Item]:
        films = self.films
        cannes = [i for i in films if films[i].in_cannes]
        remakes = self.remake_groups()
        sequels = self.sequel_pairs()

        self.same_title_pairs(remakes)
        self.suspects(cannes, remakes)
        self.unknowns(cannes, remakes, sequels)
        for imdb_id in self.pick(
            (i for group in remakes for i in group), COMPOSITION["same_title_remake"]
        ):
            film = films[imdb_id]
            others = [o for o in self.by_key[film.key] if o != imdb_id]
            self.claim(*others)
            self.title_level("same_title_remake", film, related=[imdb_id, *others])
        for base, sequel in self.pick_pairs(sequels, COMPOSITION["sequel"]):
            target, other = (base, sequel) if self.rng.random() < 0.5 else (sequel, base)
            self.title_level("sequel", films[target], related=[target, other])
        self.title_variants(cannes)
        for imdb_id in self.pick(cannes, COMPOSITION["direct"]):
            film = films[imdb_id]
            film.record_imdb_id = imdb_id
            tags = ["direct"]
            if film.festival_title != film.title:
                tags.append("direct_title_differs")
            if film.festival_year != film.year:
                tags.append("direct_year_differs")
            self.add("direct", film, tags=tags)
        return self.items

    def remake_groups(self) -> list[list[str]]:
        """Titles shared by films at least two years apart."""
        groups = []
        for ids in self.by_key.values():
            years = sorted(self.films[i].year for i in ids)
            if len(ids) > 1 and all(b - a >= 2 for a, b in pairwise(years)):
                groups.append(ids)
        return groups

    def sequel_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for imdb_id in sorted(self.films):
            match = _SEQUEL.match(self.films[imdb_id].title)
            if match:
                for base in self.by_key.get(" ".join(words(match["base"])), []):
                    if self.films[base].year < self.films[imdb_id].year:
                        pairs.append((base, imdb_id))
        return pairs

    def pick_pairs(self, pairs: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
        free = [p for p in pairs if not (set(p) & self.used)]
        chosen: list[tuple[str, str]] = []
        for pair in self.rng.sample(free, len(free)):
            if len(chosen) == count:
                break
            if not set(pair) & self.used:
                chosen.append(pair)
                self.claim(*pair)
        return chosen

    def same_title_pairs(self, remakes: list[list[str]]) -> None:
        """Two films with the same title and year: told apart by the other record's IMDb id,
        or, when neither record has one, ambiguous."""
        pairs: list[tuple[str, str]] = []
        for ids in self.by_key.values():
            by_year: dict[int, list[str]] = defaultdict(list)
            for imdb_id in ids:
                by_year[self.films[imdb_id].year].append(imdb_id)
            pairs += [(group[0], group[1]) for group in by_year.values() if len(group) > 1]
        for n, (first, second) in enumerate(
            self.pick_pairs(pairs, COMPOSITION["same_title_same_year"])
        ):
            target = self.films[first]
            if n % 2:
                self.films[second].record_imdb_id = None
                self.title_level(
                    "same_title_same_year", target, related=[first, second],
                    expect_ambiguous=True, tags=["same_title_same_year", "ambiguous"],
                )  # fmt: skip
            else:
                self.films[second].record_imdb_id = second
                self.title_level("same_title_same_year", target, related=[first, second])

    def suspects(self, cannes: list[str], remakes: list[list[str]]) -> None:
        films = self.films
        for imdb_id in self.pick(cannes, COMPOSITION["suspect_wrong_id"]):
            carrier = self.pick(films, 1)[0]
            films[carrier].record_imdb_id = imdb_id
            self.title_level("suspect_wrong_id", films[imdb_id], related=[imdb_id, carrier])
        groups = [g for g in remakes if not set(g) & self.used]
        for group in self.rng.sample(groups, min(len(groups), COMPOSITION["suspect_remake_id"])):
            target, carrier = self.rng.sample(group, 2)
            self.claim(*group)
            films[carrier].record_imdb_id = target
            self.title_level("suspect_remake_id", films[target], related=[target, carrier])
        for imdb_id in self.pick(cannes, COMPOSITION["suspect_unknown"]):
            carrier = self.pick(films, 1)[0]
            films[carrier].record_imdb_id = imdb_id
            self.absent.add(imdb_id)
            self.add("suspect_unknown", films[imdb_id], target=None, related=[carrier])

    def unknowns(
        self, cannes: list[str], remakes: list[list[str]], sequels: list[tuple[str, str]]
    ) -> None:
        films = self.films
        for imdb_id in self.pick(cannes, COMPOSITION["unknown"]):
            self.absent.add(imdb_id)
            self.add("unknown", films[imdb_id], target=None, related=[])
        groups = [g for g in remakes if not set(g) & self.used]
        for group in self.rng.sample(
            groups, min(len(groups), COMPOSITION["unknown_remake_present"])
        ):
            absent = self.rng.choice(group)
            others = [o for o in group if o != absent]
            self.claim(*group)
            for other in others:
                films[other].record_imdb_id = other
            self.absent.add(absent)
            self.add("unknown_remake_present", films[absent], target=None, related=others)
        for base, sequel in self.pick_pairs(sequels, COMPOSITION["unknown_sequel_present"]):
            absent, present = (base, sequel) if self.rng.random() < 0.5 else (sequel, base)
            films[present].record_imdb_id = present
            self.absent.add(absent)
            self.add("unknown_sequel_present", films[absent], target=None, related=[present])
        near = []
        for ids in self.by_key.values():
            near += [
                (a, b)
                for a in ids
                for b in ids
                if a < b and abs(films[a].year - films[b].year) == 1
            ]
        for a, b in self.pick_pairs(near, COMPOSITION["unknown_same_title_near_year"]):
            absent, present = (a, b) if self.rng.random() < 0.5 else (b, a)
            films[present].record_imdb_id = present
            self.absent.add(absent)
            self.add("unknown_same_title_near_year", films[absent], target=None, related=[present])

    def title_variants(self, cannes: list[str]) -> None:
        films = self.films
        rng = self.rng

        def eligible(test: object) -> list[str]:
            return [i for i in cannes if i not in self.used and test(films[i])]  # type: ignore[operator]

        for imdb_id in self.pick(cannes, COMPOSITION["title_exact"]):
            film = films[imdb_id]
            self.title_level(
                "title_exact", film, title=film.title, original_title=film.festival_original
            )

        accented = eligible(
            lambda f: (
                f.title != strip_accents(f.title)
                or (f.festival_original or "") != strip_accents(f.festival_original or "")
            )
        )
        for imdb_id in self.pick(accented, COMPOSITION["accents"]):
            film = films[imdb_id]
            original = strip_accents(film.festival_original) if film.festival_original else None
            self.title_level(
                "accents", film, title=strip_accents(film.title), original_title=original
            )

        with_article = eligible(lambda f: _LEADING_ARTICLE.match(f.title) is not None)
        for imdb_id in self.pick(with_article, COMPOSITION["article"]):
            film = films[imdb_id]
            bare = _LEADING_ARTICLE.sub("", film.title, count=1).strip()
            self.title_level(
                "article", film, title=bare[:1].upper() + bare[1:], original_title=None
            )

        punctuated = eligible(lambda f: punctuation_variant(f.title) is not None)
        for imdb_id in self.pick(punctuated, COMPOSITION["punctuation"]):
            film = films[imdb_id]
            self.title_level(
                "punctuation", film, title=punctuation_variant(film.title), original_title=None
            )

        numbered = [i for i in films if i not in self.used and numeral_variant(films[i].title)]
        for imdb_id in self.pick(numbered, COMPOSITION["roman_numerals"]):
            film = films[imdb_id]
            self.title_level(
                "roman_numerals",
                film,
                title=numeral_variant(film.title),
                original_title=None,
                year=film.year,
            )

        with_original = eligible(
            lambda f: f.festival_original and words(f.festival_original) != words(f.festival_title)
        )
        for imdb_id in self.pick(with_original, COMPOSITION["english_vs_original"]):
            film = films[imdb_id]
            # TMDb keeps the original title as its title; the festival says it in English.
            film.title = film.original_title
            film.alternative_titles = []
            self.title_level("english_vs_original", film)

        for imdb_id in self.pick(with_original, COMPOSITION["alternative_title"]):
            film = films[imdb_id]
            film.title = film.original_title
            film.alternative_titles = [film.festival_title]
            self.title_level("alternative_title", film, original_title=None)

        for imdb_id in self.pick(cannes, COMPOSITION["year_off_by_one"]):
            film = films[imdb_id]
            year = film.year + rng.choice((-1, 1))
            tags = ["year_off_by_one"]
            if rng.random() < 0.5:
                film.release_years = sorted({*film.release_years, year})
                tags.append("other_release_year")
            self.title_level("year_off_by_one", film, title=film.title, year=year, tags=tags)

        spellable = eligible(
            lambda f: spelling_variant(f.title, random.Random(f.imdb_id)) is not None
        )
        for imdb_id in self.pick(spellable, COMPOSITION["spelling_variant"]):
            film = films[imdb_id]
            variant = spelling_variant(film.title, rng)
            self.title_level("spelling_variant", film, title=variant, original_title=None)

        subtitled = [i for i in films if i not in self.used and subtitle_split(films[i].title)]
        for n, imdb_id in enumerate(self.pick(subtitled, COMPOSITION["subtitle"])):
            film = films[imdb_id]
            main, _ = subtitle_split(film.title)  # type: ignore[misc]
            if n % 2:  # TMDb knows only the main title, the festival says the full one
                full = film.title
                film.title = film.original_title = main
                self.title_level(
                    "subtitle",
                    film,
                    title=full,
                    original_title=None,
                    year=film.year,
                    tags=["subtitle", "festival_longer"],
                )
            else:
                self.title_level(
                    "subtitle",
                    film,
                    title=main,
                    original_title=None,
                    year=film.year,
                    tags=["subtitle", "catalogue_longer"],
                )


def punctuation_variant(title: str) -> str | None:
    """The title as another catalogue punctuates it."""
    for pattern, replacement in (
        (" & ", " and "),
        (" and ", " & "),
        ("-", " "),
        (": ", " - "),
        ("'", "\u2019"),
        (". ", " "),
        (", ", " "),
    ):
        if pattern in title:
            return title.replace(pattern, replacement, 1)
    return None


def numeral_variant(title: str) -> str | None:
    """A sequel number written the other way: "Rocky II" <-> "Rocky 2"."""
    match = _SEQUEL.match(title)
    if not match:
        return None
    number = match["n"]
    swapped = _ROMAN_TO_ARABIC.get(number.lower()) or _ARABIC_TO_ROMAN.get(number)
    if swapped is None:
        return None
    start, end = match.span("n")
    return title[:start] + swapped + title[end:]


_SPELLINGS = (
    ("ph", "f"),
    ("y", "i"),
    ("ou", "u"),
    ("k", "c"),
    ("ae", "e"),
    ("ll", "l"),
    ("ss", "s"),
    ("tt", "t"),
    ("ck", "k"),
)


def spelling_variant(title: str, rng: random.Random) -> str | None:
    """The title with one spelling (transliteration) change in one word of five letters or
    more, as two catalogues romanize a name differently."""
    tokens = title.split(" ")
    choices = [
        (i, a, b)
        for i, token in enumerate(tokens)
        if len(token) >= 5
        for a, b in _SPELLINGS
        if a in token.lower()
    ]
    if not choices:
        return None
    index, a, b = choices[rng.randrange(len(choices))]
    token = tokens[index]
    at = token.lower().index(a)
    if token[at].isupper():
        b = b.capitalize()
    tokens[index] = token[:at] + b + token[at + len(a) :]
    variant = " ".join(tokens)
    return variant if variant != title else None


def subtitle_split(title: str) -> tuple[str, str] | None:
    if ": " not in title:
        return None
    main, rest = title.split(": ", 1)
    if len(words(main)) < 2 or not rest.strip():
        return None
    return main.strip(), rest.strip()


def catalogue_records(
    films: dict[str, Film], builder: Builder, items: list[Item]
) -> tuple[list[dict[str, object]], dict[str, int]]:
    present = {i: f for i, f in films.items() if i not in builder.absent}
    index: dict[str, set[str]] = defaultdict(set)
    for imdb_id, film in present.items():
        for title in film.titles:
            for word in words(title):
                index[word].add(imdb_id)

    def matches(query: str) -> list[str]:
        query_words = set(words(query))
        if not query_words:
            return []
        found = set.intersection(*(index.get(w, set()) for w in query_words))
        exact = [i for i in found if any(query_words <= set(words(t)) for t in present[i].titles)]
        return sorted(exact, key=lambda i: (-present[i].popularity, i))[:20]

    chosen: set[str] = set()
    for item in items:
        chosen.update(i for i in item.related if i in present)
        if item.target:
            chosen.add(item.target)
        for title in filter(None, (item.title, item.original_title)):
            queries = {title, _LEADING_ARTICLE.sub("", title)}
            if subtitle_split(title):
                queries.add(subtitle_split(title)[0])  # type: ignore[index]
            significant = sorted((w for w in words(title) if len(w) > 2), key=len, reverse=True)
            queries.update(significant[:1])
            queries.add(" ".join(significant[:2]))
            for query in queries:
                chosen.update(matches(query))
    order = sorted(chosen)
    builder.rng.shuffle(order)
    tmdb_ids = {imdb_id: FIRST_TMDB_ID + n for n, imdb_id in enumerate(order)}
    records = []
    for imdb_id in sorted(order, key=tmdb_ids.__getitem__):
        film = present[imdb_id]
        row: dict[str, object] = {"tmdb_id": tmdb_ids[imdb_id], "title": film.title}
        # Defaults are left out (see RECORD_DEFAULTS): the file stays small and readable.
        if film.original_title != film.title:
            row["original_title"] = film.original_title
        row["release_date"] = film.release_date
        if sorted(set(film.release_years)) != [film.year]:
            row["release_years"] = sorted(set(film.release_years))
        if film.alternative_titles:
            row["alternative_titles"] = film.alternative_titles
        row["imdb_id"] = film.record_imdb_id
        row["popularity"] = film.popularity
        records.append(row)
    return records, tmdb_ids


def build(data: Path) -> dict[str, Any]:
    films = load_universe(data)
    builder = Builder(films)
    items = builder.build()
    records, tmdb_ids = catalogue_records(films, builder, items)
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item.tags[0]] += 1
    return {
        "description": {
            "built_by": "benchmarks/build_resolution_evaluation_set.py",
            "sources": [
                "gt_cannes/films.csv (rstudio/gt, MIT)",
                "wikidata_films/films_wikidata_cc0.csv (Wikidata, CC0 1.0)",
            ],
            "seed": SEED,
            "record_defaults": RECORD_DEFAULTS,
            "composition": dict(sorted(counts.items())),
            "films": len(items),
            "catalogue_records": len(records),
        },
        "items": [
            {
                "id": item.item_id,
                "tags": item.tags,
                "query": {
                    "imdb_id": item.imdb_id,
                    "title": item.title,
                    "original_title": item.original_title,
                    "year": item.year,
                },
                "expected_tmdb_id": tmdb_ids.get(item.target) if item.target else None,
                "expect_ambiguous": item.expect_ambiguous,
                "records": sorted(tmdb_ids[i] for i in item.related if i in tmdb_ids),
            }
            for item in items
        ],
        "catalogue": records,
    }


def dump(evaluation_set: dict[str, Any]) -> str:
    """JSON with one item or record per line: small diffs, readable in review."""
    lines = ["{"]
    lines.append(f'"description": {json.dumps(evaluation_set["description"], ensure_ascii=False)},')
    for name in ("items", "catalogue"):
        rows = evaluation_set[name]
        lines.append(f'"{name}": [')
        lines += [
            json.dumps(row, ensure_ascii=False, separators=(",", ":"))
            + ("," if n < len(rows) - 1 else "")
            for n, row in enumerate(rows)
        ]
        lines.append("]," if name == "items" else "]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, required=True, help="the directory of the real film data set"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    evaluation_set = build(args.data)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(evaluation_set), encoding="utf-8")
    description = evaluation_set["description"]
    print(f"{args.out}: {description['films']} films, {description['catalogue_records']} records")
    for tag, count in description["composition"].items():
        print(f"  {tag:32} {count:4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
