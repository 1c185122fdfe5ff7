"""The TMDb stage level by level, its traps, and the calls it spends."""

from __future__ import annotations

import pytest

from benchmarks.evaluation import CountingTmdb
from cinegraph_pipeline.resolution.config import Level, ResolutionConfig
from cinegraph_pipeline.resolution.ports import TMDB_PAGE_SIZE
from cinegraph_pipeline.resolution.tmdb_cascade import TmdbResolver
from cinegraph_pipeline.sources.errors import ConfigurationError, ErrorType, Operation, Source
from cinegraph_pipeline.sources.records import FilmQuery, LookupOutcome, LookupStatus

from .fakes import FailingTmdb, error, record, tmdb


def resolve(
    api: CountingTmdb, query: FilmQuery, config: ResolutionConfig | None = None
) -> LookupOutcome:
    return TmdbResolver(api, config).resolve(query)


def found_id(outcome: LookupOutcome) -> int | None:
    assert outcome.status == LookupStatus.FOUND, outcome
    assert outcome.film is not None
    return outcome.film.tmdb_id


def operations(api: CountingTmdb) -> list[str]:
    """The calls made, `direct` for `/movie/{imdb_id}` (details asked by IMDb id)."""
    return [
        "direct" if call.operation == "details" and call.target.startswith("tt") else call.operation
        for call in api.calls
    ]


class TestLevel1DirectImdbId:
    def test_verified_hit_costs_one_call(self) -> None:
        api = tmdb(record(10, "Amour", 2012, imdb="tt1602620"), record(11, "Amour", 1970))
        outcome = resolve(api, FilmQuery("tt1602620", "Amour", None, 2012))
        assert found_id(outcome) == 10
        assert (outcome.fallback_level, outcome.confidence) == (1, 1.0)
        assert operations(api) == ["direct"]
        assert api.calls[-1].fallback_level == 1

    def test_through_find_a_verified_hit_costs_find_and_details(self) -> None:
        """The route series take (and every film once the direct route fell back)."""
        api = tmdb(record(10, "Amour", 2012, imdb="tt1602620"), record(11, "Amour", 1970))
        query = FilmQuery("tt1602620", "Amour", None, 2012)
        outcome = TmdbResolver(api).resolve(query, via_find=True)
        assert found_id(outcome) == 10 and outcome.confidence == 1.0
        assert operations(api) == ["find", "details"]
        assert api.calls[-1].confidence == 1.0 and api.calls[-1].fallback_level == 1

    def test_through_find_a_remake_carrying_the_id_is_suspect_by_year(self) -> None:
        api = tmdb(record(40, "Crash", 1996, imdb="tt0375679"), record(41, "Crash", 2004))
        query = FilmQuery("tt0375679", "Crash", None, 2004)
        outcome = TmdbResolver(api).resolve(query, via_find=True)
        assert found_id(outcome) == 41
        assert operations(api) == ["find", "search", "details"]

    def test_the_direct_record_is_checked_on_its_primary_year_as_a_find_hit(self) -> None:
        """Its details list other release years; a /find hit shows only the primary one, and
        the direct answer is judged on the same evidence."""
        api = tmdb(record(42, "Crash", 1996, imdb="tt0375679", other_years=[2004]))
        outcome = resolve(api, FilmQuery("tt0375679", "Crash", None, 2004))
        assert outcome.status != LookupStatus.FOUND or outcome.fallback_level != 1

    def test_festival_english_title_verified_by_the_original(self) -> None:
        api = tmdb(record(20, "Entre les murs", 2008, imdb="tt1068646"))
        query = FilmQuery("tt1068646", "The Class", "Entre les murs", 2008)
        assert found_id(resolve(api, query)) == 20

    def test_translation_verified_by_alternative_titles_in_one_details_call(self) -> None:
        api = tmdb(record(21, "Un Amleto di meno", 1973, imdb="tt0069705", alt=["One Hamlet Less"]))
        outcome = resolve(api, FilmQuery("tt0069705", "One Hamlet Less", None, 1973))
        assert found_id(outcome) == 21 and outcome.fallback_level == 1
        assert operations(api) == ["direct"]  # the alternative titles came with it

    def test_year_off_by_one_is_still_verified(self) -> None:
        api = tmdb(record(22, "Blowup", 1966, imdb="tt0060176"))
        outcome = resolve(api, FilmQuery("tt0060176", "Blow-Up", None, 1967))
        assert found_id(outcome) == 22 and outcome.confidence == pytest.approx(0.9)

    def test_record_with_another_films_title_is_suspect_and_title_levels_go_on(self) -> None:
        api = tmdb(
            record(30, "Solaris", 1972, imdb="tt0070053", original="Solyaris"),
            record(31, "Le Far-West", 1973),
        )
        outcome = resolve(api, FilmQuery("tt0070053", "Le Far-West", None, 1973))
        assert found_id(outcome) == 31
        assert outcome.fallback_level == Level.EXACT_TITLE_YEAR

    def test_remake_carrying_the_id_is_suspect_by_year(self) -> None:
        api = tmdb(
            record(40, "Crash", 1996, imdb="tt0375679"),
            record(41, "Crash", 2004),
        )
        outcome = resolve(api, FilmQuery("tt0375679", "Crash", None, 2004))
        assert found_id(outcome) == 41
        # The suspect came with its details; the title search finds the right one.
        assert operations(api) == ["direct", "search", "details"]

    def test_suspect_with_nothing_else_is_reported_with_its_candidate(self) -> None:
        api = tmdb(record(50, "Miranda", 2002, imdb="tt0068571"))
        outcome = resolve(api, FilmQuery("tt0068571", "A Fan's Notes", None, 1972))
        assert outcome.status == LookupStatus.SUSPECT
        assert [c.source_id for c in outcome.candidates] == ["50"]


class TestTitleLevels:
    def test_level_2_exact_title_and_year_among_remakes(self) -> None:
        api = tmdb(
            record(60, "Amour", 2012, popularity=5),
            record(61, "Amour", 1970, imdb="tt0065397", popularity=9),
        )
        outcome = resolve(api, FilmQuery("tt1602620", "Amour", None, 2012))
        assert found_id(outcome) == 60
        assert (outcome.fallback_level, outcome.confidence) == (2, 0.9)
        # The direct route's 404 is one of the run's first: checked with /find (the guard).
        assert operations(api) == ["direct", "find", "search", "details"]

    def test_level_3_accents(self) -> None:
        api = tmdb(record(70, "Amélie", 2001, original="Le Fabuleux Destin d'Amélie Poulain"))
        outcome = resolve(api, FilmQuery("tt0211915", "Amelie", None, 2001))
        assert found_id(outcome) == 70 and outcome.fallback_level == Level.NORMALIZED_TITLE

    def test_level_3_leading_article(self) -> None:
        api = tmdb(record(71, "La Dolce Vita", 1960))
        outcome = resolve(api, FilmQuery("tt0053779", "Dolce Vita", None, 1960))
        assert found_id(outcome) == 71 and outcome.fallback_level == Level.NORMALIZED_TITLE

    def test_level_3_roman_numerals_through_the_keyword_search(self) -> None:
        api = tmdb(
            record(72, "The Expendables 2", 2012),
            record(73, "The Expendables", 2010, imdb="tt1320253"),
            record(74, "The Expendables 3", 2014, imdb="tt2333784"),
        )
        outcome = resolve(api, FilmQuery("tt1764651", "The Expendables II", None, 2012))
        assert found_id(outcome) == 72 and outcome.fallback_level == Level.NORMALIZED_TITLE
        assert [c.target for c in api.calls if c.operation == Operation.SEARCH] == [
            "The Expendables II",
            "expendables",
        ]

    def test_level_4_year_off_by_one(self) -> None:
        api = tmdb(record(80, "Crush", 1992))
        outcome = resolve(api, FilmQuery("tt0104033", "Crush", None, 1991))
        assert found_id(outcome) == 80 and outcome.fallback_level == Level.YEAR_TOLERANT
        assert outcome.confidence == pytest.approx(0.63)

    def test_another_release_year_in_the_details_upgrades_the_level(self) -> None:
        api = tmdb(record(81, "Green Magic", 1953, other_years=[1954]))
        outcome = resolve(api, FilmQuery("tt0044867", "Green Magic", None, 1954))
        assert found_id(outcome) == 81 and outcome.fallback_level == Level.EXACT_TITLE_YEAR

    def test_level_5_fuzzy_title(self) -> None:
        api = tmdb(record(90, "Merry Christmas, Mister Lawrence", 1983))
        outcome = resolve(api, FilmQuery("tt0085933", "Merry Christmas Mr. Lawrence", None, 1983))
        assert found_id(outcome) == 90 and outcome.fallback_level == Level.FUZZY_TITLE
        assert 0.5 <= (outcome.confidence or 0) < 0.6

    def test_level_6_subtitle(self) -> None:
        api = tmdb(record(100, "Borat", 2006))
        query = FilmQuery("tt0443453", "Borat: Cultural Learnings of America", None, 2006)
        outcome = resolve(api, query)
        assert found_id(outcome) == 100 and outcome.fallback_level == Level.BROAD_SEARCH
        assert outcome.confidence == 0.5

    def test_english_title_unknown_original_title_found(self) -> None:
        api = tmdb(record(110, "La grande bellezza", 2013))
        query = FilmQuery("tt2358891", "The Great Beauty", "La grande bellezza", 2013)
        outcome = resolve(api, query)
        assert found_id(outcome) == 110 and outcome.fallback_level == Level.EXACT_TITLE_YEAR
        assert operations(api) == ["direct", "find", "search", "search", "details"]

    def test_alternative_title_checked_with_one_details_call(self) -> None:
        api = tmdb(record(120, "Harry og kammertjeneren", 1962, alt=["Harry and the Butler"]))
        outcome = resolve(api, FilmQuery("tt0054965", "Harry and the Butler", None, 1962))
        assert found_id(outcome) == 120
        assert operations(api) == ["direct", "find", "search", "details"]

    def test_a_popular_wrong_first_hit_is_not_taken(self) -> None:
        api = tmdb(
            record(130, "Mother", 2017, imdb="tt5109784", popularity=50),
            record(131, "Mother", 2009, popularity=2),
        )
        assert found_id(resolve(api, FilmQuery("tt1216496", "Mother", None, 2009))) == 131


class TestTraps:
    def test_blade_runner_is_never_blade_runner_2049(self) -> None:
        api = tmdb(record(140, "Blade Runner 2049", 2017, imdb="tt1856101"))
        outcome = resolve(api, FilmQuery("tt0083658", "Blade Runner", None, 1982))
        assert outcome.status == LookupStatus.NOT_FOUND

    def test_blade_runner_found_next_to_its_sequel(self) -> None:
        api = tmdb(
            record(141, "Blade Runner 2049", 2017, imdb="tt1856101", popularity=20),
            record(142, "Blade Runner", 1982),
        )
        assert found_id(resolve(api, FilmQuery("tt0083658", "Blade Runner", None, 1982))) == 142

    def test_rocky_ii_is_not_rocky(self) -> None:
        api = tmdb(record(150, "Rocky", 1979), record(151, "Rocky II", 1979))
        assert found_id(resolve(api, FilmQuery("tt0079817", "Rocky II", None, 1979))) == 151
        only_rocky = tmdb(record(152, "Rocky", 1979))
        outcome = resolve(only_rocky, FilmQuery("tt0079817", "Rocky II", None, 1979))
        assert outcome.status == LookupStatus.NOT_FOUND

    def test_same_title_remakes_are_told_apart_by_year(self) -> None:
        api = tmdb(record(160, "3:10 to Yuma", 1957), record(161, "3:10 to Yuma", 2007))
        assert found_id(resolve(api, FilmQuery("tt0381849", "3:10 to Yuma", None, 2007))) == 161
        assert found_id(resolve(api, FilmQuery("tt0050086", "3:10 to Yuma", None, 1957))) == 160

    def test_same_title_and_year_is_ambiguous(self) -> None:
        api = tmdb(record(170, "Aftermath", 2012), record(171, "Aftermath", 2012))
        outcome = resolve(api, FilmQuery("tt1564368", "Aftermath", None, 2012))
        assert outcome.status == LookupStatus.AMBIGUOUS and outcome.film is None
        assert sorted(c.source_id for c in outcome.candidates) == ["170", "171"]
        assert all(c.source == "tmdb" and c.year == 2012 for c in outcome.candidates)

    def test_a_tie_is_broken_by_the_other_records_imdb_id(self) -> None:
        api = tmdb(record(172, "Aftermath", 2012, imdb="tt2209300"), record(173, "Aftermath", 2012))
        outcome = resolve(api, FilmQuery("tt1564368", "Aftermath", None, 2012))
        assert found_id(outcome) == 173
        assert operations(api).count("details") == 2  # the tie's, by TMDb id

    def test_unknown_film_next_to_a_same_title_film_a_year_off(self) -> None:
        api = tmdb(record(180, "Home", 2009, imdb="tt1014762"))
        outcome = resolve(api, FilmQuery("tt0822388", "Home", None, 2008))
        assert outcome.status == LookupStatus.NOT_FOUND
        assert [c.source_id for c in outcome.candidates] == ["180"]


class TestConfiguration:
    def test_max_fallback_level_1_only_finds(self) -> None:
        api = tmdb(record(190, "Amour", 2012))
        config = ResolutionConfig(max_fallback_level=1)
        outcome = resolve(api, FilmQuery("tt1602620", "Amour", None, 2012), config)
        assert outcome.status == LookupStatus.NOT_FOUND
        assert operations(api) == ["direct", "find"]

    def test_max_fallback_level_3_refuses_a_year_off(self) -> None:
        api = tmdb(record(191, "Crush", 1992))
        config = ResolutionConfig(max_fallback_level=3)
        outcome = resolve(api, FilmQuery("tt0104033", "Crush", None, 1991), config)
        assert outcome.status == LookupStatus.NOT_FOUND
        assert "search" in operations(api)

    def test_min_confidence_above_a_levels_base(self) -> None:
        api = tmdb(record(192, "Amour", 2012))
        config = ResolutionConfig(min_confidence=0.95)
        outcome = resolve(api, FilmQuery("tt1602620", "Amour", None, 2012), config)
        assert outcome.status == LookupStatus.NOT_FOUND


class TestCalls:
    def test_no_original_title_means_no_original_title_search(self) -> None:
        api = tmdb()
        resolve(api, FilmQuery("tt0000001", "Nowhere Film", None, 2001))
        searches = [c.target for c in api.calls if c.operation == Operation.SEARCH]
        assert searches == ["Nowhere Film"]  # the keyword query is the same words

    def test_original_title_searched_only_when_it_searches_differently(self) -> None:
        api = tmdb()
        resolve(api, FilmQuery("tt0000002", "Mon Oncle", "Mon oncle", 1958))
        # Same words, same search; and the keyword search would send the same words again.
        assert operations(api) == ["direct", "find", "search"]

    def test_nothing_is_fetched_twice_in_a_run(self) -> None:
        api = tmdb(record(200, "Amour", 2012, imdb="tt1602620"), record(201, "Crush", 1992))
        resolver = TmdbResolver(api)
        for _ in range(2):
            resolver.resolve(FilmQuery("tt1602620", "Amour", None, 2012))
            resolver.resolve(FilmQuery("tt0104033", "Crush", None, 1991))
        targets = [(c.operation, c.target) for c in api.calls]
        assert len(targets) == len(set(targets))

    def test_a_full_page_is_followed_by_a_search_with_the_year(self) -> None:
        crowd = [
            record(300 + n, f"Love {n}", 1990 + n % 5, popularity=100 - n)
            for n in range(TMDB_PAGE_SIZE + 5)
        ]
        api = tmdb(*crowd, record(399, "Love", 2015, popularity=0.1))
        outcome = resolve(api, FilmQuery("tt4000000", "Love", None, 2015))
        assert found_id(outcome) == 399
        searches = [c.target for c in api.calls if c.operation == Operation.SEARCH]
        assert searches == ["Love", "Love (2015)"]


class TestErrors:
    @pytest.mark.parametrize("operation", [Operation.FIND, Operation.SEARCH, Operation.DETAILS])
    def test_transient_error_fails_the_lookup_with_its_type(self, operation: Operation) -> None:
        api = FailingTmdb(
            tmdb(record(400, "Amour", 2012)),
            operation,
            error(Source.TMDB, operation, ErrorType.RATE_LIMIT),
        )
        outcome = TmdbResolver(api).resolve(FilmQuery("tt1602620", "Amour", None, 2012))
        assert outcome.status == LookupStatus.FAILED
        assert outcome.error_type == "rate_limit" and outcome.film is None

    def test_auth_error_raises_naming_the_variable(self) -> None:
        api = FailingTmdb(
            tmdb(), Operation.FIND, error(Source.TMDB, Operation.FIND, ErrorType.AUTH)
        )
        with pytest.raises(ConfigurationError, match="TMDB_API_KEY"):
            TmdbResolver(api).resolve(FilmQuery("tt1602620", "Amour", None, 2012))

    def test_details_not_found_drops_the_candidate(self) -> None:
        api = FailingTmdb(
            tmdb(record(401, "Amour", 2012)),
            Operation.DETAILS,
            error(Source.TMDB, Operation.DETAILS, ErrorType.NOT_FOUND),
        )
        outcome = TmdbResolver(api).resolve(FilmQuery("tt1602620", "Amour", None, 2012))
        assert outcome.status == LookupStatus.NOT_FOUND


class TestWithoutImdbId:
    def test_no_id_skips_find_and_accepts_records_with_ids(self) -> None:
        api = tmdb(record(500, "Amour", 2012, imdb="tt1602620"))
        outcome = resolve(api, FilmQuery("", "Amour", None, 2012))
        assert found_id(outcome) == 500
        assert operations(api) == ["search", "details"]
