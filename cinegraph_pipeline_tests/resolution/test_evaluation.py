"""The in-memory TMDb, the evaluation set and the accuracy bars."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.evaluation import (
    CALLS_PER_FILM_BAR,
    PRECISION_BAR,
    RECALL_BAR,
    CatalogueTmdb,
    evaluate,
    load_evaluation_set,
)
from cinegraph_pipeline.sources.errors import SourceError

from .benchmark_scripts import load_script
from .fakes import record

SET_PATH = Path(__file__).resolve().parent / "data" / "evaluation_set.json"
# The generator's input (the project's real film data) is not in the repository: this check
# runs only when CINEGRAPH_SOURCE_DATA names that folder explicitly.
SOURCE_DATA = os.environ.get("CINEGRAPH_SOURCE_DATA", "")


class TestCatalogueTmdb:
    api = CatalogueTmdb(
        [
            record(1, "Amélie", 2001, original="Le Fabuleux Destin d'Amélie Poulain", popularity=9),
            record(2, "The Class", 2008, original="Entre les murs", other_years=[2009]),
            record(3, "Class Action", 1991, popularity=3),
            record(4, "Un Amleto di meno", 1973, alt=["One Hamlet Less"], imdb="tt0069705"),
        ]
    )

    def ids(self, query: str, **kwargs: int) -> list[int]:
        return [hit.tmdb_id for hit in self.api.search_movie(query, **kwargs)]

    def test_search_is_case_and_accent_insensitive(self) -> None:
        assert self.ids("AMELIE") == [1]

    def test_every_query_word_must_appear_in_one_title(self) -> None:
        assert self.ids("class") == [3, 2]  # most popular first
        assert self.ids("the class") == [2]
        assert self.ids("class murs") == []

    def test_original_and_alternative_titles_are_searched(self) -> None:
        assert self.ids("entre les murs") == [2]
        assert self.ids("one hamlet less") == [4]

    def test_year_matches_any_release_year_primary_only_the_first(self) -> None:
        assert self.ids("class", year=2009) == [2]
        assert self.ids("class", primary_release_year=2009) == []
        assert self.ids("class", primary_release_year=2008) == [2]

    def test_pages_of_twenty(self) -> None:
        api = CatalogueTmdb([record(n, f"Love {n}", 2000, popularity=n) for n in range(1, 26)])
        first, second = api.search_movie("love"), api.search_movie("love", page=2)
        assert len(first) == 20 and len(second) == 5
        assert first[0].tmdb_id == 25 and second[-1].tmdb_id == 1

    def test_find_and_details(self) -> None:
        assert [hit.tmdb_id for hit in self.api.find_by_imdb_id("tt0069705")] == [4]
        assert self.api.find_by_imdb_id("tt0000000") == []
        movie = self.api.movie_details(2)
        assert movie.release_years == (2008, 2009) and movie.imdb_id is None
        with pytest.raises(SourceError) as raised:
            self.api.movie_details(99)
        assert raised.value.error_type == "not_found"


class TestEvaluationSet:
    evaluation_set = load_evaluation_set(SET_PATH)

    def test_size_and_variants(self) -> None:
        items = self.evaluation_set.items
        tags = {tag for item in items for tag in item.tags}
        assert len(items) >= 500
        assert len({item.query.imdb_id for item in items}) == len(items)
        for variant in (
            "english_vs_original",
            "accents",
            "article",
            "year_off_by_one",
            "same_title_remake",
            "sequel",
            "suspect_wrong_id",
            "unknown",
            "unknown_remake_present",
            "same_title_same_year",
        ):
            assert variant in tags
        assert sum(item.expected_tmdb_id is None for item in items) >= 50

    def test_expected_records_exist_in_the_catalogue(self) -> None:
        ids = {record.tmdb_id for record in self.evaluation_set.catalogue}
        for item in self.evaluation_set.items:
            assert item.expected_tmdb_id is None or item.expected_tmdb_id in ids
            assert set(item.records) <= ids

    def test_the_tmdb_cascade_meets_the_bars(self) -> None:
        report = evaluate(self.evaluation_set)
        assert report.precision >= PRECISION_BAR
        assert report.recall >= RECALL_BAR
        assert report.calls_per_film <= CALLS_PER_FILM_BAR
        assert report.meets_bars()

    def test_direct_hits_cost_one_call(self) -> None:
        report = evaluate(self.evaluation_set)
        direct = report.by_tag()["direct"]
        assert direct.correct == direct.films and direct.calls_per_film == 1.0

    @pytest.mark.skipif(not SOURCE_DATA, reason="CINEGRAPH_SOURCE_DATA is not set")
    def test_the_shipped_file_is_what_the_generator_builds(self, tmp_path: Path) -> None:
        generator = load_script("build_resolution_evaluation_set")
        out = tmp_path / "evaluation_set.json"
        assert generator.main(["--data", SOURCE_DATA, "--out", str(out)]) == 0
        assert out.read_bytes() == SET_PATH.read_bytes()


def test_benchmark_script_reports_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    benchmark = load_script("resolution_accuracy")
    assert benchmark.main(["--show-errors", "3"]) == 0
    output = capsys.readouterr().out
    assert "precision" in output and "calls per film" in output and "meets the bars" in output
