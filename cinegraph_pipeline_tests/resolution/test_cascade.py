"""The multi-source cascade with fakes: each source path, deferral, auth, review."""

from __future__ import annotations

import pickle

import pytest

from benchmarks.evaluation import CountingTmdb
from cinegraph_pipeline.resolution.cascade import (
    DataSource,
    FilmProgress,
    FilmResolver,
    ImportType,
)
from cinegraph_pipeline.resolution.ports import TmdbApi
from cinegraph_pipeline.sources.errors import ConfigurationError, ErrorType, Operation, Source
from cinegraph_pipeline.sources.records import (
    FilmQuery,
    ImdbTitle,
    LookupStatus,
    OmdbRecord,
)

from .fakes import FailingTmdb, FakeImdb, FakeOmdb, error, record, tmdb

QUERY = FilmQuery("tt0111111", "The Quiet Field", "Le champ tranquille", 2024)
OMDB_RECORD = OmdbRecord(
    imdb_id="tt0111111",
    title="The Quiet Field",
    year=2024,
    runtime=101,
    directors=("Ana Sousa",),
    imdb_rating=7.1,
    imdb_votes=1234,
)
IMDB_PAGE = ImdbTitle(
    imdb_id="tt0111111",
    title="The Quiet Field",
    original_title="Le champ tranquille",
    year=2024,
    title_type="movie",
    runtime=101,
)


def resolver(
    tmdb_api: TmdbApi | None = None, omdb: FakeOmdb | None = None, imdb: FakeImdb | None = None
) -> FilmResolver:
    return FilmResolver(
        tmdb=tmdb_api or tmdb(),
        omdb=omdb or FakeOmdb(),
        imdb=imdb or FakeImdb(),
    )


class TestSourcePaths:
    def test_tmdb_match_is_a_full_import(self) -> None:
        api = tmdb(record(7, "The Quiet Field", 2024, original="Le champ tranquille"))
        omdb, imdb = FakeOmdb(), FakeImdb()
        result = resolver(api, omdb, imdb).resolve(QUERY)
        assert (result.import_type, result.data_source) == (ImportType.FULL, DataSource.TMDB)
        assert result.film.tmdb_id == 7 and result.film.imdb_id == "tt0111111"
        assert (result.fallback_level, result.lookup_confidence) == (2, 0.9)
        assert not result.needs_enrichment and not result.needs_review
        assert result.review_candidates == []
        assert omdb.calls == [] and imdb.calls == []

    def test_omdb_by_id_when_tmdb_does_not_know_the_film(self) -> None:
        omdb, imdb = FakeOmdb(by_id={"tt0111111": OMDB_RECORD}), FakeImdb()
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert (result.import_type, result.data_source) == (ImportType.MINIMAL, DataSource.OMDB)
        assert result.film.directors == ("Ana Sousa",) and result.film.imdb_votes == 1234
        assert result.film.original_title == "Le champ tranquille"  # kept from the festival
        assert result.needs_enrichment and not result.needs_review
        assert result.fallback_level is None and result.lookup_confidence == 1.0
        assert omdb.calls == [("omdb_by_id", "tt0111111")] and imdb.calls == []

    def test_omdb_by_title_only_when_the_id_is_unknown_and_then_verified(self) -> None:
        omdb = FakeOmdb(titles={("the quiet field", 2024): OMDB_RECORD})
        result = resolver(omdb=omdb).resolve(QUERY)
        assert result.data_source == DataSource.OMDB
        assert omdb.calls == [("omdb_by_id", "tt0111111"), ("omdb_by_title", "The Quiet Field")]
        assert result.lookup_confidence == pytest.approx(0.9)
        assert not result.needs_review

    def test_omdb_by_title_under_another_id_is_kept_for_review(self) -> None:
        merged = OmdbRecord(imdb_id="tt0999999", title="The Quiet Field", year=2024)
        omdb = FakeOmdb(titles={("the quiet field", 2024): merged})
        result = resolver(omdb=omdb).resolve(QUERY)
        assert result.import_type == ImportType.MINIMAL
        assert result.film.imdb_id == "tt0111111"  # the festival's id keys the row
        assert result.needs_review
        assert [c["id"] for c in result.review_candidates] == ["tt0999999"]

    def test_omdb_by_title_with_another_year_is_not_our_film(self) -> None:
        other = OmdbRecord(imdb_id="tt0222222", title="The Quiet Field", year=1961)
        omdb = FakeOmdb(titles={("the quiet field", 2024): other})
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert result.data_source == DataSource.IMDB
        # The original title is asked too before giving up on OMDb.
        assert omdb.calls[-1] == ("omdb_by_title", "Le champ tranquille")

    def test_omdb_by_title_of_another_kind_of_work_is_not_our_film(self) -> None:
        """A film asked by title answered with a series of that name, and a series answered
        with a film: neither is taken; the film goes on to its IMDb page."""
        series = OmdbRecord(imdb_id="tt0333333", title="The Quiet Field", year=2024, type="series")
        omdb = FakeOmdb(titles={("the quiet field", 2024): series})
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert result.data_source == DataSource.IMDB
        assert ("omdb_by_title", "The Quiet Field") in omdb.calls

        show = FilmQuery("tt0444444", "Quiet Fields", None, 2024, "tvMiniSeries")
        film = OmdbRecord(imdb_id="tt0555555", title="Quiet Fields", year=2024, type="movie")
        omdb = FakeOmdb(titles={("quiet fields", 2024): film})
        result = resolver(omdb=omdb, imdb=FakeImdb()).resolve(show)
        assert result.import_type == ImportType.STUB and result.film.imdb_id == "tt0444444"
        same = OmdbRecord(imdb_id="tt0444444", title="Quiet Fields", year=2024, type="series")
        omdb = FakeOmdb(titles={("quiet fields", 2024): same})
        result = resolver(omdb=omdb, imdb=FakeImdb()).resolve(show)
        assert (result.import_type, result.data_source) == (ImportType.MINIMAL, DataSource.OMDB)

    def test_imdb_page_when_omdb_does_not_know_the_film(self) -> None:
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(imdb=imdb).resolve(QUERY)
        assert (result.import_type, result.data_source) == (ImportType.MINIMAL, DataSource.IMDB)
        assert result.film.runtime == 101 and result.needs_enrichment

    def test_stub_when_every_source_says_not_found(self) -> None:
        result = resolver().resolve(QUERY)
        assert (result.import_type, result.data_source) == (ImportType.STUB, DataSource.FESTIVAL)
        assert result.film.title == "The Quiet Field" and result.film.year == 2024
        assert result.film.original_title == "Le champ tranquille"
        assert result.needs_enrichment and not result.needs_review
        assert [a.source for a in result.attempts] == [Source.TMDB, Source.OMDB, Source.IMDB]


class TestReview:
    def test_tmdb_ambiguity_goes_on_flagged_with_its_candidates(self) -> None:
        api = tmdb(record(1, "The Quiet Field", 2024), record(2, "The Quiet Field", 2024))
        omdb = FakeOmdb(by_id={"tt0111111": OMDB_RECORD})
        result = resolver(api, omdb).resolve(QUERY)
        assert result.import_type == ImportType.MINIMAL and result.needs_review
        assert sorted(str(c["id"]) for c in result.review_candidates) == ["1", "2"]
        assert {c["source"] for c in result.review_candidates} == {"tmdb"}

    @pytest.mark.parametrize("omdb_error", [ErrorType.RATE_LIMIT, ErrorType.QUOTA_EXHAUSTED])
    def test_an_ambiguous_film_deferred_later_is_flagged_only_when_concluded(
        self, omdb_error: ErrorType
    ) -> None:
        """Pending and flagged for review means stopped by our code (the retry sensor leaves
        those alone); an ambiguous film deferred by a source keeps its candidates and is
        flagged when a retry concludes it."""
        api = tmdb(record(1, "The Quiet Field", 2024), record(2, "The Quiet Field", 2024))
        omdb = FakeOmdb(by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, omdb_error)})
        result = resolver(api, omdb).resolve(QUERY)
        assert (result.import_type, result.needs_review) == (ImportType.PENDING, False)
        assert sorted(str(c["id"]) for c in result.review_candidates) == ["1", "2"]

    def test_suspect_omdb_record_passes_to_the_imdb_page(self) -> None:
        wrong = OmdbRecord(imdb_id="tt0111111", title="Some Other Film", year=1990)
        omdb = FakeOmdb(by_id={"tt0111111": wrong})
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert result.data_source == DataSource.IMDB and result.needs_review
        assert [c["source"] for c in result.review_candidates] == ["omdb"]
        assert ("omdb_by_title", "The Quiet Field") not in omdb.calls

    def test_suspect_imdb_page_ends_in_a_stub_to_review(self) -> None:
        wrong = ImdbTitle("tt0111111", "Episode 4", None, 2003, title_type="tvEpisode")
        result = resolver(imdb=FakeImdb(pages={"tt0111111": wrong})).resolve(QUERY)
        assert result.import_type == ImportType.STUB and result.needs_review
        assert result.review_candidates[0]["source"] == "imdb"

    def test_suspect_tmdb_hit_is_kept_for_review(self) -> None:
        api = tmdb(record(3, "Another Film", 2001, imdb="tt0111111"))
        result = resolver(api).resolve(QUERY)
        assert result.import_type == ImportType.STUB and result.needs_review
        assert result.review_candidates[0]["id"] == "3"


class TestDeferral:
    @pytest.mark.parametrize(
        "error_type",
        [ErrorType.RATE_LIMIT, ErrorType.TIMEOUT, ErrorType.HTTP_5XX, ErrorType.CIRCUIT_OPEN],
    )
    def test_transient_tmdb_error_defers_the_film(self, error_type: ErrorType) -> None:
        api = FailingTmdb(
            tmdb(), Operation.SEARCH, error(Source.TMDB, Operation.SEARCH, error_type)
        )
        omdb = FakeOmdb(by_id={"tt0111111": OMDB_RECORD})
        result = resolver(api, omdb).resolve(QUERY)
        assert (result.import_type, result.data_source) == (
            ImportType.PENDING,
            DataSource.FESTIVAL,
        )
        assert result.error_type == str(error_type)
        assert result.film.title == "The Quiet Field" and result.film.tmdb_id is None
        assert result.needs_enrichment and not result.needs_review
        assert omdb.calls == []  # never downgraded to a lower source because of an error

    def test_transient_omdb_error_defers_instead_of_asking_imdb(self) -> None:
        omdb = FakeOmdb(
            by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.RATE_LIMIT)}
        )
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert result.import_type == ImportType.PENDING and result.error_type == "rate_limit"
        assert imdb.calls == []

    def test_a_spent_omdb_quota_passes_the_film_to_imdb_at_once(self) -> None:
        """IMDb gives the same `minimal` record: no reason to wait for tomorrow's quota."""
        omdb = FakeOmdb(
            by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.QUOTA_EXHAUSTED)}
        )
        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        progress = FilmProgress(QUERY)
        film_resolver = resolver(omdb=omdb, imdb=imdb)
        progress = film_resolver.advance(film_resolver.advance(progress))
        assert progress.attempts[-1].outcome.status == LookupStatus.SKIPPED
        assert progress.attempts[-1].outcome.error_type == "quota_exhausted"
        assert progress.next_source == Source.IMDB
        result = film_resolver.resolve(QUERY)
        assert (result.import_type, result.data_source) == (ImportType.MINIMAL, DataSource.IMDB)
        assert result.error_type is None

    def test_a_film_imdb_does_not_know_waits_for_the_omdb_it_skipped(self) -> None:
        """OMDb never answered (its quota was spent): IMDb's "not found" makes no stub."""
        omdb = FakeOmdb(
            by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.QUOTA_EXHAUSTED)}
        )
        imdb = FakeImdb(pages={})
        result = resolver(omdb=omdb, imdb=imdb).resolve(QUERY)
        assert imdb.calls == ["tt0111111"]
        assert result.import_type == ImportType.PENDING
        assert result.data_source == DataSource.FESTIVAL
        assert result.error_type == "quota_exhausted"

    def test_a_spent_budget_at_the_last_equal_source_defers_the_film(self) -> None:
        """The Zyte budget at the IMDb stage: no source of the same rank is left."""
        imdb = FakeImdb(
            pages={"tt0111111": error(Source.IMDB, Operation.TITLE_PAGE, ErrorType.QUOTA_EXHAUSTED)}
        )
        result = resolver(imdb=imdb).resolve(QUERY)
        assert result.import_type == ImportType.PENDING and result.error_type == "quota_exhausted"

    def test_blocked_imdb_page_defers_instead_of_a_stub(self) -> None:
        imdb = FakeImdb(
            pages={"tt0111111": error(Source.IMDB, Operation.TITLE_PAGE, ErrorType.BLOCKED)}
        )
        result = resolver(imdb=imdb).resolve(QUERY)
        assert result.import_type == ImportType.PENDING and result.error_type == "blocked"

    def test_other_client_errors_defer_too(self) -> None:
        omdb = FakeOmdb(
            by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.HTTP_4XX)}
        )
        assert resolver(omdb=omdb).resolve(QUERY).import_type == ImportType.PENDING

    def test_an_exception_of_our_own_defers_the_film_for_review(self) -> None:
        class BrokenOmdb(FakeOmdb):
            def by_imdb_id(self, imdb_id: str) -> OmdbRecord:
                raise ZeroDivisionError("division by zero")

        imdb = FakeImdb(pages={"tt0111111": IMDB_PAGE})
        result = resolver(omdb=BrokenOmdb(), imdb=imdb).resolve(QUERY)
        assert (result.import_type, result.needs_review) == (ImportType.PENDING, True)
        assert result.error_type == "internal_error"
        assert "ZeroDivisionError" in (result.error_message or "")
        assert "by_imdb_id" in (result.error_message or "")  # where it happened
        assert imdb.calls == []  # a bug is nobody's "not found"


class TestAuth:
    def test_tmdb_auth_fails_the_stage(self) -> None:
        api = FailingTmdb(
            tmdb(), Operation.FIND, error(Source.TMDB, Operation.FIND, ErrorType.AUTH)
        )
        with pytest.raises(ConfigurationError, match="TMDB_API_KEY"):
            resolver(api).resolve(QUERY)

    def test_omdb_auth_fails_the_stage(self) -> None:
        omdb = FakeOmdb(
            by_id={"tt0111111": error(Source.OMDB, Operation.OMDB_BY_ID, ErrorType.AUTH)}
        )
        with pytest.raises(ConfigurationError, match="OMDB_API_KEY"):
            resolver(omdb=omdb).resolve(QUERY)

    def test_zyte_auth_fails_the_stage(self) -> None:
        imdb = FakeImdb(
            pages={"tt0111111": error(Source.IMDB, Operation.TITLE_PAGE, ErrorType.AUTH)}
        )
        with pytest.raises(ConfigurationError, match="ZYTE_API_KEY"):
            resolver(imdb=imdb).resolve(QUERY)


class TestStages:
    def test_stages_advance_one_source_at_a_time(self) -> None:
        omdb = FakeOmdb(by_id={"tt0111111": OMDB_RECORD})
        tmdb_stage = FilmResolver(tmdb=tmdb())
        omdb_stage = FilmResolver(omdb=omdb)
        progress = tmdb_stage.advance(FilmProgress(QUERY))
        assert progress.next_source == Source.OMDB and not progress.settled
        progress = omdb_stage.advance(progress)
        assert progress.settled and progress.next_source is None
        assert omdb_stage.advance(progress) is progress
        assert omdb_stage.conclude(progress).data_source == DataSource.OMDB

    def test_a_film_is_not_stubbed_before_every_source_answered(self) -> None:
        progress = FilmResolver(tmdb=tmdb()).advance(FilmProgress(QUERY))
        with pytest.raises(ValueError, match="omdb"):
            FilmResolver().conclude(progress)

    def test_a_stage_without_its_api_refuses_to_guess(self) -> None:
        with pytest.raises(ValueError, match="OMDb"):
            FilmResolver(tmdb=tmdb()).lookup(Source.OMDB, QUERY)


class TestTmdbAlone:
    """The enrichment schedule's retry: TMDb only, through `lookup`."""

    def test_found_on_tmdb(self) -> None:
        api = tmdb(record(9, "The Quiet Field", 2024, imdb="tt0111111"))
        attempt = FilmResolver(tmdb=api).lookup(Source.TMDB, QUERY)
        assert attempt.outcome.status == LookupStatus.FOUND
        assert attempt.outcome.film is not None and attempt.outcome.film.tmdb_id == 9

    def test_not_found_asks_only_tmdb(self) -> None:
        api: CountingTmdb = tmdb()
        attempt = FilmResolver(tmdb=api).lookup(Source.TMDB, QUERY)
        assert attempt.outcome.status == LookupStatus.NOT_FOUND
        # /movie/{imdb_id} (details by IMDb id) 404s; no candidate's details are fetched
        assert {str(c.operation) for c in api.calls} <= {"find", "search", "details"}
        assert all(c.target.startswith("tt") for c in api.calls if c.operation == "details")


def test_stage_results_survive_pickling() -> None:
    # Dagster's default IO manager pickles what one stage hands to the next.
    api = tmdb(record(1, "The Quiet Field", 2024), record(2, "The Quiet Field", 2024))
    progress = FilmResolver(tmdb=api).advance(FilmProgress(QUERY))
    copy = pickle.loads(pickle.dumps(progress))
    assert copy == progress and copy.next_source == Source.OMDB
    result = resolver(omdb=FakeOmdb(by_id={"tt0111111": OMDB_RECORD})).resolve(QUERY)
    assert pickle.loads(pickle.dumps(result)) == result
