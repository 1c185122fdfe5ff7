"""Scoring of catalogue records against what a festival page says about a film.

Pure functions, no I/O: the TMDb cascade feeds them what it fetched, the multi-source cascade
uses `confirm_identity` to check OMDb and IMDb records.

The title scorer is rapidfuzz's `fuzz.ratio` (normalized Indel similarity,
2 * matches / (len(a) + len(b))) on the normalized titles, chosen deliberately:
- it is order-sensitive, so "Man Bites Dog" is not "Dog Bites Man" (`token_sort_ratio` would
  say 1.0);
- a title that merely contains the other is not a perfect match: "Blade Runner" vs "Blade
  Runner 2049" scores 0.83, where `partial_ratio`, `token_set_ratio` and `WRatio` say 1.0 and
  would turn every prequel into its sequel;
- it has no prefix bonus (Jaro-Winkler rewards exactly the shared-prefix sequel case).
Numbers are checked separately and must agree ("Rocky II" vs "Rocky"), and a subtitle one side
lacks is its own, weakest, level rather than a high fuzzy score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from cinegraph_pipeline.resolution.config import BASE_CONFIDENCE, Level, ResolutionConfig
from cinegraph_pipeline.resolution.normalize import TitleForms, title_forms
from cinegraph_pipeline.sources.records import Candidate, TmdbMovie, TmdbSearchHit

UNKNOWN_YEAR_FACTOR = 0.85
_YEAR_STEP = 0.1
_EPSILON = 1e-9
# A title contained in another must still name something: "M" is in "M*A*S*H".
_MIN_CONTAINED_KEY = 4


@dataclass(frozen=True, slots=True)
class TitleMatch:
    """How two titles compare. `similarity` is 1.0 exactly when the normalized keys agree and
    0.0 when the titles name different numbers. `contained`: one title's words appear,
    contiguous, in the other (enough to confirm a record reached by IMDb id); `subtitle`: one
    title is the other without its subtitle (the broad level)."""

    exact: bool
    same_key: bool
    similarity: float
    contained: bool
    subtitle: bool = False


def compare_titles(a: TitleForms, b: TitleForms) -> TitleMatch:
    """Compares two titles in every way the levels need."""
    if not a.key or not b.key:
        return TitleMatch(False, False, 0.0, False)
    if a.same_key(b):
        return TitleMatch(a.exact == b.exact, True, 1.0, False)
    if a.numbers != b.numbers:
        return TitleMatch(False, False, 0.0, False)
    similarity = fuzz.ratio(a.text, b.text, processor=None) / 100.0
    subtitle = a.shortens(b) or b.shortens(a)
    contained = subtitle or _contained(a.core, b.core)
    return TitleMatch(False, False, min(similarity, 0.99), contained, subtitle)


def _contained(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the shorter word sequence appears, contiguous, in the longer one."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len("".join(short)) < _MIN_CONTAINED_KEY:
        return False
    width = len(short)
    return any(long[i : i + width] == short for i in range(len(long) - width + 1))


def year_distance(year: int | None, years: Iterable[int]) -> int | None:
    """The distance from `year` to the nearest of `years`; None when either is unknown."""
    known = [abs(year - other) for other in years] if year is not None else []
    return min(known) if known else None


def year_factor(distance: int | None, config: ResolutionConfig) -> float:
    """1.0 for the same year, 0.1 less per year off, 0 beyond `max_year_distance`; a year
    unknown on either side is weak evidence, not a mismatch."""
    if distance is None:
        return UNKNOWN_YEAR_FACTOR
    if distance > config.max_year_distance:
        return 0.0
    return max(0.0, 1.0 - _YEAR_STEP * distance)


@dataclass(frozen=True, slots=True)
class CandidateFacts:
    """What is known about one TMDb record: its search hit, grown by its details once they
    were fetched (alternative titles, every release year, the IMDb id)."""

    tmdb_id: int
    title: str
    original_title: str | None
    primary_year: int | None
    years: frozenset[int]
    alternative_titles: tuple[str, ...] = ()
    imdb_id: str | None = None
    details: TmdbMovie | None = None

    @classmethod
    def from_hit(cls, hit: TmdbSearchHit) -> CandidateFacts:
        year = hit.year
        return cls(
            tmdb_id=hit.tmdb_id,
            title=hit.title,
            original_title=hit.original_title,
            primary_year=year,
            years=frozenset({year} if year is not None else ()),
        )

    def released_in(self, year: int) -> CandidateFacts:
        """The same record, known to have a release in `year` (a `year=` search returned it:
        TMDb's `year` filter matches any release date)."""
        return self if year in self.years else replace(self, years=self.years | {year})

    def with_details(self, movie: TmdbMovie) -> CandidateFacts:
        years = set(self.years) | set(movie.release_years)
        if movie.year is not None:
            years.add(movie.year)
        return replace(
            self,
            title=movie.title or self.title,
            original_title=movie.original_title or self.original_title,
            primary_year=movie.year if movie.year is not None else self.primary_year,
            years=frozenset(years),
            alternative_titles=tuple(movie.alternative_titles),
            imdb_id=movie.imdb_id,
            details=movie,
        )

    def merged(self, other: CandidateFacts) -> CandidateFacts:
        """The union of what two sightings of the same record told."""
        base = self if self.details is not None or other.details is None else other
        return replace(base, years=self.years | other.years)

    @property
    def titles(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for title in (self.title, self.original_title, *self.alternative_titles):
            if title and title.strip():
                seen.setdefault(title, None)
        return tuple(seen)

    def as_candidate(self, score: float) -> Candidate:
        return Candidate(
            source="tmdb",
            source_id=str(self.tmdb_id),
            title=self.title,
            year=self.primary_year,
            score=score,
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    """A candidate scored for the title levels: its best level and score before the margin
    (`score` = level base x title evidence x year factor); `level` None means no match."""

    tmdb_id: int
    level: Level | None
    score: float
    similarity: float
    year_distance: int | None


def festival_titles(*titles: str | None) -> tuple[TitleForms, ...]:
    """The distinct (by normalized key) forms of a film's festival titles."""
    forms: dict[str, TitleForms] = {}
    for title in titles:
        if title and title.strip():
            form = title_forms(title)
            if form.key:
                forms.setdefault(form.full_key, form)
    return tuple(forms.values())


def assess(
    titles: Sequence[TitleForms],
    year: int | None,
    facts: CandidateFacts,
    config: ResolutionConfig,
) -> Assessment:
    """The strongest title level (2..6) `facts` reaches for a film with these festival titles
    and year, within `config.max_fallback_level`."""
    distance = year_distance(year, facts.years)
    factor = year_factor(distance, config)
    best: tuple[float, int, Level | None, float] = (0.0, 0, None, 0.0)
    if factor == 0.0:
        return Assessment(facts.tmdb_id, None, 0.0, 0.0, distance)
    for festival_title in titles:
        for catalogue_title in facts.titles:
            match = compare_titles(festival_title, title_forms(catalogue_title))
            for level, evidence in _levels(match, distance, factor, config):
                if not config.allows(level):
                    continue
                score = BASE_CONFIDENCE[level] * evidence
                if (score, -level) > (best[0], best[1]):
                    best = (score, -level, level, match.similarity)
    return Assessment(facts.tmdb_id, best[2], best[0], best[3], distance)


def _levels(
    match: TitleMatch, distance: int | None, factor: float, config: ResolutionConfig
) -> Iterable[tuple[Level, float]]:
    """The levels one title pair qualifies for, with the evidence strength at each."""
    if distance == 0 and match.exact:
        yield Level.EXACT_TITLE_YEAR, 1.0
    if distance == 0 and match.same_key:
        yield Level.NORMALIZED_TITLE, 1.0
    if match.same_key:
        yield Level.YEAR_TOLERANT, factor
    if not match.same_key and match.similarity >= config.fuzzy_threshold:
        yield Level.FUZZY_TITLE, match.similarity * factor
    if match.subtitle:
        yield Level.BROAD_SEARCH, factor


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    """Whether a record reached by the film's IMDb id is really that film.

    The record is suspect when its year is more than `max_year_distance` off or when none of
    its titles matches a festival title: it probably carries another film's id. `score` =
    title similarity x year factor, the evidence behind a confirmed record."""

    confirmed: bool
    year_mismatch: bool
    title_mismatch: bool
    similarity: float
    year_distance: int | None
    score: float

    @property
    def suspect(self) -> bool:
        return self.year_mismatch or self.title_mismatch


def confirm_identity(
    titles: Sequence[TitleForms],
    year: int | None,
    record_titles: Iterable[str],
    record_years: Iterable[int],
    config: ResolutionConfig,
) -> IdentityCheck:
    """Checks a record found by IMDb id (TMDb /find, OMDb, the IMDb page) against the festival
    titles and year. A subtitle one side lacks still confirms (similarity 0.9)."""
    distance = year_distance(year, record_years)
    factor = year_factor(distance, config)
    similarity = 0.0 if titles else 1.0  # nothing to compare with: only the year can speak
    for festival_title in titles:
        for record_title in record_titles:
            if not record_title:
                continue
            match = compare_titles(festival_title, title_forms(record_title))
            similarity = max(similarity, 0.9 if match.contained else match.similarity)
    title_mismatch = similarity < config.title_match_threshold - _EPSILON
    year_mismatch = factor == 0.0
    confirmed = not (title_mismatch or year_mismatch)
    return IdentityCheck(
        confirmed, year_mismatch, title_mismatch, similarity, distance, similarity * factor
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict over a pool of assessed candidates.

    `confidence` = best score x margin factor, where the margin factor is 1 from
    `decisive_margin` on and falls linearly below it; `ambiguous` when the runner-up is
    within `ambiguity_margin`."""

    best: Assessment | None
    runner_up: Assessment | None
    margin: float
    confidence: float
    ambiguous: bool
    accepted: bool
    contenders: tuple[Assessment, ...]


def decide(assessments: Iterable[Assessment], config: ResolutionConfig) -> Decision:
    """Ranks the candidates that reached a level and decides whether the best is accepted,
    too close to call, or too weak."""
    ranked = sorted(
        (a for a in assessments if a.level is not None),
        key=lambda a: (-a.score, a.level, a.tmdb_id),
    )
    if not ranked:
        return Decision(None, None, 0.0, 0.0, False, False, ())
    best = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    margin = best.score - (runner_up.score if runner_up else 0.0)
    ambiguous = runner_up is not None and margin < config.ambiguity_margin - _EPSILON
    factor = min(1.0, 1.0 - (config.decisive_margin - margin))
    confidence = round(best.score * max(factor, 0.0), 6)
    accepted = not ambiguous and confidence >= config.min_confidence - _EPSILON
    contenders = tuple(a for a in ranked if best.score - a.score < config.ambiguity_margin)
    return Decision(best, runner_up, margin, confidence, ambiguous, accepted, contenders)
