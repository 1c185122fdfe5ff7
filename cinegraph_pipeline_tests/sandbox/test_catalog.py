from __future__ import annotations

import re
from collections import Counter

import pytest

from cinegraph_pipeline.sandbox import Catalog, Difficulty
from cinegraph_pipeline.sandbox.catalog import DATA_DIR


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


def test_default_shares_match_a_real_festival_import(catalog: Catalog) -> None:
    truths = catalog.truths()
    total = len(truths)
    sources = Counter(t.expected_source for t in truths)
    difficulty = Difficulty()
    assert sources["stub"] == round(difficulty.nowhere_share * total)
    assert sources["imdb"] == round(difficulty.imdb_only_share * total)
    assert sources["omdb"] == round(difficulty.omdb_only_share * total)
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
        if truth.expected_source != "tmdb":
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
