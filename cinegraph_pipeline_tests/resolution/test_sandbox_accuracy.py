"""The TMDb cascade end to end on the sandbox: every festival film as its IMDb event page shows
it, resolved over the real HTTP TMDb client, labeled with the sandbox's ground truth
(`benchmarks/resolution_accuracy.py --tmdb sandbox`, one seed)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from benchmarks.evaluation import (
    CALLS_PER_FILM_BAR,
    PRECISION_BAR,
    RECALL_BAR,
    EvaluationReport,
    ItemResult,
    Tally,
)
from cinegraph_pipeline.sandbox import Catalog, Difficulty, SandboxConfig
from cinegraph_pipeline.sources.records import FilmData, FilmQuery, LookupOutcome, LookupStatus

from .benchmark_scripts import load_script

benchmark = load_script("resolution_accuracy")
SEED = SandboxConfig().seed
# Everything the sandbox makes hard, each of which must be met by some festival films.
TRAITS = (
    "no_imdb_id",
    "year_off",
    "suspect",
    "festival_original_title",
    "tmdb_original_title",
    "alt_title",
    "same_title",
    "omdb_only",
    "imdb_only",
    "nowhere",
)


@pytest.fixture(scope="module")
def run() -> Any:
    return benchmark.evaluate_on_sandbox(SEED)


def test_every_festival_film_is_resolved_as_its_event_page_shows_it(run: Any) -> None:
    catalog = Catalog.load(seed=SEED)
    truths = {truth.imdb_id: truth for truth in benchmark.cannes_truths(catalog)}
    items = [result.item for result in run.report.results]
    assert {item.item_id for item in items} == set(truths)
    assert run.event_pages == len(catalog.edition_years())
    for item in items:
        truth = truths[item.item_id]
        query = item.query
        assert (query.imdb_id, query.title, query.year) == (truth.imdb_id, truth.title, truth.year)
        assert (query.original_title or query.title) == truth.original_title
        assert item.expected_tmdb_id == (truth.tmdb_id if truth.on_tmdb else None)


def test_the_sandbox_difficulty_is_exercised(run: Any) -> None:
    by_tag = run.report.by_tag()
    for trait in TRAITS:
        assert by_tag[trait].films > 0, trait
    assert by_tag["not_on_tmdb"].films > 0 and by_tag["not_on_tmdb"].known == 0
    assert by_tag["suspect"].known == by_tag["suspect"].films  # their own record is on TMDb
    levels = run.report.by_level()
    assert 1 in levels and 2 in levels  # by IMDb id, and by title for films TMDb has no id for


def test_the_cascade_meets_the_bars_end_to_end(run: Any) -> None:
    report = run.report
    misses = [
        benchmark.sandbox_miss_describer(run)(result)
        for result in report.results
        if result.wrong or (result.item.expected_tmdb_id is not None and not result.correct)
    ]
    assert report.precision >= PRECISION_BAR, misses
    assert report.recall >= RECALL_BAR, misses
    assert report.calls_per_film <= CALLS_PER_FILM_BAR
    assert run.suspect_matches() == []
    assert report.by_tag()["not_on_tmdb"].found == 0
    assert report.meets_bars()


def test_calls_are_the_metric_rows_and_match_the_requests_served(run: Any) -> None:
    assert run.tmdb_rows == sum(len(result.calls) for result in run.report.results)
    # Every row not answered from the client's run memo is one request the sandbox served.
    assert run.tmdb_rows - run.tmdb_rows_from_memo == run.tmdb_requests
    operations = run.report.calls_by_operation()
    # Every festival film has an IMDb id: one /movie/{imdb_id} each, but the series (their
    # /find tv_results); /find otherwise only for the guard's sample of the route's 404s.
    series = [r for r in run.report.results if r.item.query.is_series]
    direct = [c for r in run.report.results for c in r.calls if c.operation == "details"]
    direct_ids = {c.target for c in direct if c.target.startswith("tt")}
    assert len(direct_ids) == len(run.report.results) - len(series)
    assert operations["find"] <= 5 + len(series)
    assert set(operations) <= {"find", "search", "details"}


def test_a_match_to_the_suspect_record_is_wrong(run: Any) -> None:
    victim = next(r for r in run.report.results if r.item.item_id in run.suspect_ids)
    carrier = run.suspect_ids[victim.item.item_id]
    outcome = LookupOutcome(
        status=LookupStatus.FOUND,
        film=FilmData(imdb_id=victim.item.item_id, title="the carrier", tmdb_id=carrier),
        fallback_level=1,
    )
    mistaken = ItemResult(victim.item, outcome, victim.calls)
    assert mistaken.wrong and not mistaken.correct
    assert Tally.of([mistaken]).precision == 0.0
    faked = dataclasses.replace(run, report=EvaluationReport((mistaken,)))
    assert faked.suspect_matches() == [mistaken]
    line = benchmark.sandbox_miss_describer(faked)(mistaken)
    assert f"got found {carrier}" in line and "suspect record" in line
    assert not faked.report.meets_bars()


def test_pages_and_catalogue_must_name_the_same_films() -> None:
    catalog = Catalog.load(seed=SEED)
    queries = [
        FilmQuery(t.imdb_id, t.title, t.original_title, t.year)
        for t in benchmark.cannes_truths(catalog)
    ]
    assert len(benchmark.sandbox_evaluation_set(catalog, queries, SEED).items) == len(queries)
    with pytest.raises(RuntimeError, match="1 missing"):
        benchmark.sandbox_evaluation_set(catalog, queries[1:], SEED)


def test_benchmark_sandbox_mode_prints_the_table_and_a_line_per_seed(
    run: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    text = benchmark.render_sandbox([run], show_errors=5)
    assert "TMDb cascade end to end on the sandbox" in text
    assert "By sandbox trait" in text and "not_on_tmdb" in text
    assert f"seed {SEED:>6}: {len(run.report.results)} films" in text
    assert "Result over 1 seeds: meets the bars" in text
    assert benchmark.main(["--tmdb", "sandbox", "--seed", "3", "--seeds", "", "--json"]) == 0
    output = capsys.readouterr().out
    assert '"seed": 3' in output and '"meets_bars": true' in output


def test_title_levels_stay_precise_when_half_the_records_lack_an_imdb_id() -> None:
    """The default mix sends only ~10% of the films through the title levels; this one sends
    half, with more years off and suspect records. The calls bar is not asserted: a film TMDb
    has no IMDb id for costs a /find, a search and the details call by construction."""
    harder = Difficulty(
        no_imdb_id_share=0.5,
        year_off_share=0.3,
        suspect_share=0.1,
        festival_original_title_share=0.5,
        alt_title_share=0.3,
    )
    hard_run = benchmark.evaluate_on_sandbox(SEED, difficulty=harder)
    report = hard_run.report
    assert report.by_tag()["no_imdb_id"].films >= 150
    assert report.by_level()[2].films >= 100
    assert report.precision >= PRECISION_BAR
    assert report.recall >= RECALL_BAR
    assert hard_run.suspect_matches() == []
