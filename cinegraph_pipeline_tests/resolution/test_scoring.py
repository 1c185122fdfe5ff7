"""Title comparison, levels, confidence and ambiguity, without any I/O."""

from __future__ import annotations

import pytest

from cinegraph_pipeline.resolution.config import Level, ResolutionConfig
from cinegraph_pipeline.resolution.normalize import TitleForms, title_forms
from cinegraph_pipeline.resolution.scoring import (
    UNKNOWN_YEAR_FACTOR,
    Assessment,
    CandidateFacts,
    assess,
    compare_titles,
    confirm_identity,
    decide,
    festival_titles,
    year_factor,
)
from cinegraph_pipeline.sources.records import TmdbMovie, TmdbSearchHit

CONFIG = ResolutionConfig()


def facts(
    title: str,
    year: int | None,
    *,
    original: str | None = None,
    alt: tuple[str, ...] = (),
    tmdb_id: int = 1,
) -> CandidateFacts:
    date = f"{year}-01-01" if year else ""
    found = CandidateFacts.from_hit(TmdbSearchHit(tmdb_id, title, original or title, date))
    if alt:
        movie = TmdbMovie(tmdb_id, None, title, original or title, date, alternative_titles=alt)
        found = found.with_details(movie)
    return found


def assess_one(
    title: str,
    year: int | None,
    candidate: CandidateFacts,
    *,
    original: str | None = None,
    config: ResolutionConfig = CONFIG,
) -> Assessment:
    return assess(festival_titles(title, original), year, candidate, config)


class TestCompareTitles:
    def test_sequel_number_disagreement_is_no_similarity(self) -> None:
        match = compare_titles(title_forms("Blade Runner"), title_forms("Blade Runner 2049"))
        assert match.similarity == 0.0
        assert not match.same_key and not match.contained

    def test_roman_sequel_is_not_the_original(self) -> None:
        assert compare_titles(title_forms("Rocky II"), title_forms("Rocky")).similarity == 0.0

    def test_subset_title_is_not_a_perfect_match(self) -> None:
        # The reason partial_ratio / token_set_ratio / WRatio are not used.
        match = compare_titles(
            title_forms("The Meaning of Life"), title_forms("Monty Python's The Meaning of Life")
        )
        assert match.similarity < CONFIG.fuzzy_threshold
        assert match.contained

    def test_word_order_matters(self) -> None:
        match = compare_titles(title_forms("Man Bites Dog"), title_forms("Dog Bites Man"))
        assert match.similarity < CONFIG.fuzzy_threshold

    def test_spelling_variant_is_similar_not_equal(self) -> None:
        match = compare_titles(
            title_forms("Merry Christmas Mr. Lawrence"),
            title_forms("Merry Christmas, Mister Lawrence"),
        )
        assert not match.same_key
        assert CONFIG.fuzzy_threshold <= match.similarity < 1.0

    def test_exact_and_normalized(self) -> None:
        exact = compare_titles(title_forms("La dolce vita"), title_forms("La Dolce Vita"))
        normalized = compare_titles(title_forms("Dolce Vita"), title_forms("La Dolce Vita"))
        assert exact.exact and exact.same_key
        assert normalized.same_key and not normalized.exact

    def test_one_letter_title_is_not_contained_in_anything(self) -> None:
        assert not compare_titles(title_forms("M"), title_forms("M*A*S*H")).contained


class TestLevels:
    def test_exact_title_and_year_is_level_2(self) -> None:
        result = assess_one("Amour", 2012, facts("Amour", 2012))
        assert (result.level, result.score) == (Level.EXACT_TITLE_YEAR, 0.9)

    def test_accent_difference_is_level_3(self) -> None:
        result = assess_one("Amelie", 2001, facts("Amélie", 2001))
        assert (result.level, result.score) == (Level.NORMALIZED_TITLE, 0.8)

    def test_article_difference_is_level_3(self) -> None:
        assert assess_one("Dolce Vita", 1960, facts("La dolce vita", 1960)).level == 3

    def test_original_title_counts(self) -> None:
        result = assess_one(
            "The Class", 2008, facts("Entre les murs", 2008), original="Entre les murs"
        )
        assert result.level == Level.EXACT_TITLE_YEAR

    def test_alternative_title_counts(self) -> None:
        candidate = facts("Un Amleto di meno", 1973, alt=("One Hamlet Less",))
        assert assess_one("One Hamlet Less", 1973, candidate).level == Level.EXACT_TITLE_YEAR

    def test_year_off_by_one_is_level_4(self) -> None:
        result = assess_one("Crush", 1991, facts("Crush", 1992))
        assert result.level == Level.YEAR_TOLERANT
        assert result.score == pytest.approx(0.7 * 0.9)

    def test_another_release_year_counts_as_the_year(self) -> None:
        candidate = facts("Crush", 1992).released_in(1991)
        assert assess_one("Crush", 1991, candidate).level == Level.EXACT_TITLE_YEAR

    def test_unknown_year_is_at_best_level_4(self) -> None:
        result = assess_one("Crush", None, facts("Crush", 1992))
        assert result.level == Level.YEAR_TOLERANT
        assert result.score == pytest.approx(0.7 * UNKNOWN_YEAR_FACTOR)

    def test_fuzzy_title_is_level_5(self) -> None:
        result = assess_one(
            "Merry Christmas Mr. Lawrence", 1983, facts("Merry Christmas, Mister Lawrence", 1983)
        )
        assert result.level == Level.FUZZY_TITLE
        assert 0.5 < result.score < 0.6

    def test_subtitle_is_level_6(self) -> None:
        result = assess_one(
            "Borat", 2006, facts("Borat: Cultural Learnings of America for Make Benefit", 2006)
        )
        assert (result.level, result.score) == (Level.BROAD_SEARCH, 0.5)

    def test_a_title_that_merely_starts_with_another_is_another_film(self) -> None:
        assert assess_one("Payback", 2012, facts("Payback Season", 2012)).level is None
        assert assess_one("Notes", 1972, facts("A Fan's Notes", 1972)).level is None

    def test_two_years_off_never_matches(self) -> None:
        assert assess_one("Crash", 2004, facts("Crash", 1996)).level is None
        assert assess_one("Amour", 2012, facts("Amour", 2010)).level is None

    def test_sequel_never_matches(self) -> None:
        assert assess_one("Blade Runner", 1982, facts("Blade Runner 2049", 1982)).level is None
        assert assess_one("Rocky II", 1979, facts("Rocky", 1979)).level is None

    def test_max_fallback_level_limits_the_levels(self) -> None:
        config = ResolutionConfig(max_fallback_level=3)
        assert assess_one("Crush", 1991, facts("Crush", 1992), config=config).level is None
        assert assess_one("Amelie", 2001, facts("Amélie", 2001), config=config).level == 3


class TestDecide:
    def test_single_match_is_accepted_at_its_base(self) -> None:
        decision = decide([Assessment(1, Level.EXACT_TITLE_YEAR, 0.9, 1.0, 0)], CONFIG)
        assert decision.accepted and decision.confidence == pytest.approx(0.9)

    def test_same_title_remake_in_another_year_does_not_compete(self) -> None:
        pool = [
            assess_one("3:10 to Yuma", 2007, facts("3:10 to Yuma", 2007, tmdb_id=1)),
            assess_one("3:10 to Yuma", 2007, facts("3:10 to Yuma", 1957, tmdb_id=2)),
        ]
        decision = decide(pool, CONFIG)
        assert decision.accepted and decision.best is not None and decision.best.tmdb_id == 1

    def test_two_candidates_too_close_to_call_are_ambiguous(self) -> None:
        pool = [
            assess_one("Aftermath", 2012, facts("Aftermath", 2012, tmdb_id=1)),
            assess_one("Aftermath", 2012, facts("Aftermath", 2012, tmdb_id=2)),
        ]
        decision = decide(pool, CONFIG)
        assert decision.ambiguous and not decision.accepted
        assert {a.tmdb_id for a in decision.contenders} == {1, 2}

    def test_small_margin_lowers_the_confidence(self) -> None:
        pool = [
            Assessment(1, Level.FUZZY_TITLE, 0.57, 0.95, 0),
            Assessment(2, Level.FUZZY_TITLE, 0.51, 0.85, 0),
        ]
        decision = decide(pool, CONFIG)
        assert not decision.ambiguous
        assert decision.confidence == pytest.approx(0.57 * (1 - (0.15 - 0.06)))

    def test_broad_match_needs_a_decisive_margin(self) -> None:
        alone = decide([Assessment(1, Level.BROAD_SEARCH, 0.5, 0.6, 0)], CONFIG)
        contested = decide(
            [
                Assessment(1, Level.BROAD_SEARCH, 0.5, 0.6, 0),
                Assessment(2, Level.BROAD_SEARCH, 0.45, 0.6, 1),
            ],
            CONFIG,
        )
        assert alone.accepted
        assert not contested.accepted and not contested.ambiguous

    def test_min_confidence(self) -> None:
        strict = ResolutionConfig(min_confidence=0.95)
        assert not decide([Assessment(1, Level.EXACT_TITLE_YEAR, 0.9, 1.0, 0)], strict).accepted

    def test_nothing_to_decide(self) -> None:
        decision = decide([Assessment(1, None, 0.0, 0.2, 5)], CONFIG)
        assert decision.best is None and not decision.accepted


class TestConfirmIdentity:
    def titles(self, title: str, original: str | None = None) -> tuple[TitleForms, ...]:
        return festival_titles(title, original)

    def test_direct_hit_with_title_and_year(self) -> None:
        check = confirm_identity(self.titles("Amour"), 2012, ["Amour"], [2012], CONFIG)
        assert check.confirmed and check.score == 1.0

    def test_english_festival_title_against_original_catalogue_title(self) -> None:
        check = confirm_identity(
            self.titles("The Class", "Entre les murs"), 2008, ["Entre les murs"], [2008], CONFIG
        )
        assert check.confirmed

    def test_another_films_title_is_suspect(self) -> None:
        check = confirm_identity(self.titles("Le Far-West"), 1973, ["Solaris"], [1973], CONFIG)
        assert check.suspect and check.title_mismatch and not check.year_mismatch

    def test_year_more_than_one_off_is_suspect(self) -> None:
        check = confirm_identity(self.titles("Crash"), 2004, ["Crash"], [1996], CONFIG)
        assert check.suspect and check.year_mismatch

    def test_year_off_by_one_is_confirmed_with_less_evidence(self) -> None:
        check = confirm_identity(self.titles("Blow-Up"), 1967, ["Blowup"], [1966], CONFIG)
        assert check.confirmed and check.score == pytest.approx(0.9)

    def test_a_longer_catalogue_title_still_confirms_an_id(self) -> None:
        check = confirm_identity(
            self.titles("The Ballad of Joe Hill"), 1971, ["Joe Hill"], [1971], CONFIG
        )
        assert check.confirmed

    def test_subtitle_still_confirms(self) -> None:
        check = confirm_identity(
            self.titles("The Meaning of Life"),
            1983,
            ["Monty Python's The Meaning of Life"],
            [1983],
            CONFIG,
        )
        assert check.confirmed


class TestConfig:
    def test_year_factor(self) -> None:
        assert year_factor(0, CONFIG) == 1.0
        assert year_factor(1, CONFIG) == pytest.approx(0.9)
        assert year_factor(2, CONFIG) == 0.0
        assert year_factor(None, CONFIG) == UNKNOWN_YEAR_FACTOR

    def test_defaults(self) -> None:
        assert (CONFIG.max_fallback_level, CONFIG.min_confidence) == (6, 0.5)

    def test_from_mapping_ignores_unknown_keys_and_none(self) -> None:
        config = ResolutionConfig.from_mapping(
            {"max_fallback_level": 3, "min_confidence": None, "other": 1}
        )
        assert (config.max_fallback_level, config.min_confidence) == (3, 0.5)

    @pytest.mark.parametrize(
        "values",
        [
            {"max_fallback_level": 0},
            {"max_fallback_level": 7},
            {"min_confidence": 1.5},
            {"ambiguity_margin": 0.3, "decisive_margin": 0.2},
        ],
    )
    def test_invalid_values_are_refused(self, values: dict[str, float]) -> None:
        with pytest.raises(ValueError):
            ResolutionConfig(**values)  # type: ignore[arg-type]
