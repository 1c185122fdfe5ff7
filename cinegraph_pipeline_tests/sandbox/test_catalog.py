from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

from cinegraph_pipeline.sandbox import Catalog, Difficulty, build_data
from cinegraph_pipeline.sandbox.catalog import CANNES_EVENT_ID, DATA_DIR
from cinegraph_pipeline.sandbox.events import EVENTS


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_shipped_data_is_small_and_attributed() -> None:
    size = sum(path.stat().st_size for path in DATA_DIR.iterdir())
    assert size < 1_000_000
    attribution = (DATA_DIR / "ATTRIBUTION.md").read_text(encoding="utf-8")
    for notice in ("Posit Software, PBC", "meisnate12", "CC0"):
        assert notice in attribution


def test_cannes_editions_with_winners_and_person_first_nominations(catalog: Catalog) -> None:
    assert catalog.edition_years() == list(range(2010, 2020))
    for year, nominations in catalog.editions.items():
        awards = {n.award for n in nominations}
        assert "Palme d'Or" in awards, year
        assert sum(n.winner and n.award == "Palme d'Or" for n in nominations) == 1, year
        people = [n for n in nominations if n.person_role]
        assert {n.person_role for n in people} >= {"director", "actor", "actress"}, year
        assert all(n.people and n.people[0].imdb_id.startswith("nm") for n in people)
        assert len({n.film.imdb_id for n in nominations}) >= 19, year


def test_ids_are_well_formed_and_unique(catalog: Catalog) -> None:
    assert all(re.fullmatch(r"tt\d{7,8}", imdb_id) for imdb_id in catalog.films)
    tmdb_ids = [record.tmdb_id for record in catalog.records.values()]
    assert len(set(tmdb_ids)) == len(tmdb_ids) == len(catalog.films)
    people = {p.imdb_id: p.name for f in catalog.films.values() for p in (*f.cast, *f.directors)}
    assert all(re.fullmatch(r"nm9\d{7}", nm) for nm in people)
    names = Counter(people.values())
    assert max(names.values()) == 1  # one id per name


@pytest.mark.parametrize("part", ["cannes", "other events"])
def test_default_shares_match_a_real_festival_import(catalog: Catalog, part: str) -> None:
    # The Cannes films and the other events' films are assigned their shares apart.
    cannes = part == "cannes"
    truths = [
        t
        for t in catalog.truths()
        if (catalog.films[t.imdb_id].festival_event == CANNES_EVENT_ID) == cannes
    ]
    total = len(truths)
    sources = Counter(t.expected_source for t in truths)
    difficulty = Difficulty()
    assert sources["stub"] == round(difficulty.nowhere_share * total)
    assert sources["imdb"] == round(difficulty.imdb_only_share * total)
    series = [t for t in truths if "series" in t.traits]
    assert bool(series) == cannes  # the sandbox's series are Cannes entries
    assert all(t.expected_source == "omdb" and t.tmdb_tv_id for t in series)
    # The series are on OMDb, not TMDb's movies (their same-title movie is another record).
    assert sources["omdb"] == round(difficulty.omdb_only_share * total) + len(series)
    assert sources["stub"] / total < 0.05
    traits = Counter(trait for t in truths for trait in t.traits)
    assert traits["no_imdb_id"] == round(difficulty.no_imdb_id_share * total)
    assert traits["year_off"] == round(difficulty.year_off_share * total)
    assert traits["suspect"] == round(difficulty.suspect_share * total)
    assert traits["same_title"] > 10
    assert traits["tmdb_original_title"] > 0 and traits["festival_original_title"] > 0


def test_truth_describes_each_kind_of_difficulty(catalog: Catalog) -> None:
    truths = catalog.truths()
    for truth in truths:
        record = catalog.record_of_film[truth.imdb_id]
        if "year_off" in truth.traits:
            assert abs((truth.tmdb_year or 0) - truth.year) == 1
        if "no_imdb_id" in truth.traits or "suspect" in truth.traits:
            assert truth.tmdb_imdb_id is None
        if "suspect" in truth.traits:
            carrier = catalog.records[truth.suspect_tmdb_id or 0]
            assert carrier.imdb_id == truth.imdb_id and carrier.film.imdb_id != truth.imdb_id
            assert abs(carrier.film.year - truth.year) >= 2
        if "tmdb_original_title" in truth.traits:
            assert truth.tmdb_title == truth.original_title != catalog.films[truth.imdb_id].title
        if "series" in truth.traits:  # a TMDb movie of the same title that is not it
            assert record.listed and record.title == truth.title and truth.tmdb_tv_id
        elif truth.expected_source != "tmdb":
            assert not record.listed and truth.tmdb_id is None
    with pytest.raises(KeyError):
        catalog.truth("tt0000001")


def test_assignment_is_deterministic_per_seed() -> None:
    first = Catalog.load(Difficulty(), seed=1)
    again = Catalog.load(Difficulty(), seed=1)
    other = Catalog.load(Difficulty(), seed=2)
    assert first.truths() == again.truths()
    assert [t.traits for t in first.truths()] != [t.traits for t in other.truths()]
    records = {r.tmdb_id for r in first.records.values()}
    assert records == {r.tmdb_id for r in other.records.values()}  # ids do not depend on seed


def test_shares_are_configurable() -> None:
    easy = Catalog.load(Difficulty(**{name: 0.0 for name in Difficulty.__dataclass_fields__}))
    assert {t.expected_source for t in easy.truths()} == {"tmdb"}
    assert all(t.tmdb_imdb_id == t.imdb_id for t in easy.truths())
    harsh = Catalog.load(Difficulty(nowhere_share=0.5, omdb_only_share=0.0, imdb_only_share=0.0))
    sources = Counter(t.expected_source for t in harsh.truths())
    assert sources["stub"] == round(0.5 * len(harsh.truths()))
    with pytest.raises(ValueError):
        Catalog.load(Difficulty(nowhere_share=1.5))
    with pytest.raises(ValueError):
        Catalog.load(Difficulty(nowhere_share=0.6, omdb_only_share=0.6))


# The builder's input (the project's real film data) is not in the repository: this check runs
# only when CINEGRAPH_SOURCE_DATA names that folder explicitly.
@pytest.mark.skipif(not os.environ.get("CINEGRAPH_SOURCE_DATA"), reason="needs source data")
def test_the_shipped_data_is_what_the_builder_builds(tmp_path: Path) -> None:
    source = os.environ["CINEGRAPH_SOURCE_DATA"]
    assert build_data.main(["--source", source, "--out", str(tmp_path)]) == 0
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (DATA_DIR / path.name).read_bytes(), path.name


def test_the_other_events_are_served_with_their_own_films(catalog: Catalog) -> None:
    served = catalog.served_editions()
    assert set(served) == {event.event_id for event in EVENTS}
    assert served[CANNES_EVENT_ID] == list(range(2010, 2020))
    for event in EVENTS[1:]:
        assert len(served[event.event_id]) >= 5, event.slug
        for year in served[event.event_id]:
            nominations = catalog.event_nominations(event.event_id, year) or ()
            assert len({n.film.imdb_id for n in nominations}) >= 5, (event.slug, year)
            assert all(n.event_id == event.event_id for n in nominations)
    assert catalog.event_nominations("ev0000681", 2020) is None
    # a Venice film premieres at Venice on TMDb; an Oscar nominee has no festival premiere
    venice = next(f for f in catalog.festival_films() if f.festival_event == "ev0000681")
    premieres = [d for d in catalog.record_of_film[venice.imdb_id].release_dates if d.type == 1]
    assert all(d.note == "Venice Film Festival" and d.country == "IT" for d in premieres)
    oscar = next(f for f in catalog.festival_films() if f.festival_event == "ev0000003")
    assert not [d for d in catalog.record_of_film[oscar.imdb_id].release_dates if d.type == 1]
    line = catalog.describe_editions()
    assert line.startswith("cannes 2010-2019; venice ") and "bafta " in line
