"""The TMDb stage: one film through the six fallback levels, with as few calls as possible.

Order of work for one film, stopping as soon as a candidate is accepted:
1. `/movie/{imdb_id}` (level 1): the details of the movie carrying the film's IMDb id in one
   call (`/find` then the details for series, for an API without the route, and for the rest
   of a run once the route's guard fell back). The record is checked as a `/find` hit is,
   against the festival title and year: a year more than one off, or a title matching none of
   the festival titles (alternative titles included, when the visible titles disagree), makes
   it suspect; the title levels then go on without it.
2. A search for the festival title without a year, then for the original title. One response
   serves levels 2-5 at once: every hit is scored at every level it reaches, and its level is
   the strongest it reaches (exact title + year, normalized title + year, normalized title
   +-1 year, fuzzy title). Only a full page (20 hits: more may exist) is followed by the same
   search restricted to the festival year.
3. Hits whose year fits but whose visible titles do not get their details (alternative
   titles), at most `max_verification_calls` per film.
4. A broad keyword search (level 6): the main title's most distinctive words.

Never the first hit unverified: every candidate is scored, the best must beat the runner-up
by `ambiguity_margin`, and the accepted record's details are fetched once (with
`append_to_response`, by the client) and checked again: a record whose IMDb id is another
film's is rejected. Every response is memoized for the resolver's lifetime (one run), so no
request is sent twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import replace
from typing import Any

from cinegraph_pipeline.resolution.config import Level, ResolutionConfig
from cinegraph_pipeline.resolution.normalize import keyword_query, search_words
from cinegraph_pipeline.resolution.ports import TMDB_PAGE_SIZE, TmdbApi, credentials_error
from cinegraph_pipeline.resolution.scoring import (
    Assessment,
    CandidateFacts,
    Decision,
    IdentityCheck,
    assess,
    confirm_identity,
    decide,
    festival_titles,
)
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.records import (
    Candidate,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
    TmdbMovie,
    TmdbSearchHit,
)

_SearchKey = tuple[tuple[str, ...], int | None]


class TmdbResolver:
    """Resolves films on TMDb. One instance per run: its memo makes every distinct request
    once, whichever film needs it."""

    def __init__(
        self,
        api: TmdbApi,
        config: ResolutionConfig | None = None,
        *,
        route: DirectRoute | None = None,
    ) -> None:
        """`route` is the level-1 guard's state, shared by the resolvers of one run when a
        run has several (the evaluations make one per film)."""
        self.api = api
        self.config = config or ResolutionConfig()
        self._finds: dict[str, list[TmdbSearchHit]] = {}
        self._searches: dict[_SearchKey, list[TmdbSearchHit]] = {}
        self._details: dict[int, TmdbMovie | None] = {}
        self._by_imdb_id: dict[str, TmdbMovie | None] = {}
        self.route = route or DirectRoute(sample=self.config.direct_route_checks)
        self.direct_route_usable = callable(getattr(api, "movie_by_imdb_id", None))
        # Films are resolved on several threads: one lock per request key makes a film that
        # needs a request already in flight wait for that answer instead of asking again.
        self._guard = threading.Lock()
        self._in_flight: dict[tuple[str, Hashable], threading.Lock] = {}

    def resolve(self, query: FilmQuery, *, via_find: bool = False) -> LookupOutcome:
        """FOUND with the record's data, NOT_FOUND, AMBIGUOUS or SUSPECT (with candidates for
        review), or FAILED with the error type when TMDb could not answer. An `auth` error
        raises `ConfigurationError`. A series is never matched to a TMDb movie (see
        `_series`). `via_find` asks level 1 through `/find` rather than `/movie/{imdb_id}`."""
        try:
            if query.is_series:
                return self._series(query)
            return _FilmSearch(self, query, via_find=via_find).run()
        except SourceError as error:
            if error.error_type == ErrorType.AUTH:
                raise credentials_error(error) from error
            return LookupOutcome(
                status=LookupStatus.FAILED,
                error_type=str(error.error_type),
                error_message=error.message,
            )

    def _series(self, query: FilmQuery) -> LookupOutcome:
        """A series (IMDb `tvSeries`, `tvMiniSeries`): however alike the titles, no TMDb movie
        is it, so the title levels are skipped; `/find` `tv_results` gives TMDb's series id,
        kept beside a NOT_FOUND that passes the film on to OMDb and IMDb for its record."""
        tv_ids = self.api.find_tv_ids(query.imdb_id) if query.imdb_id else []
        return LookupOutcome(
            status=LookupStatus.NOT_FOUND, tmdb_tv_id=tv_ids[0] if tv_ids else None
        )

    # Memoized calls. Errors are never memoized: the next film (or run) asks again.

    def _once(
        self, kind: str, cache: dict[Any, Any], key: Hashable, fetch: Callable[[], Any]
    ) -> tuple[Any, bool]:
        """The memoized answer for `key`, fetched by at most one thread at a time; and
        whether this call fetched it."""
        if key in cache:
            return cache[key], False
        with self._guard:
            lock = self._in_flight.setdefault((kind, key), threading.Lock())
        with lock:
            if key in cache:
                return cache[key], False
            cache[key] = fetch()
            return cache[key], True

    def find(self, imdb_id: str) -> list[TmdbSearchHit]:
        hits, _ = self._once(
            "find",
            self._finds,
            imdb_id,
            lambda: list(self.api.find_by_imdb_id(imdb_id, fallback_level=1)),
        )
        return hits  # type: ignore[no-any-return]

    def by_imdb_id(self, imdb_id: str, *, via_find: bool = False) -> list[CandidateFacts]:
        """Level 1: the TMDb records carrying this IMDb id, unverified.

        `/movie/{imdb_id}` answers the one movie with its details (no further call when it is
        accepted). `/find` is asked instead for `via_find`, by an API without the route, and
        for the rest of the run once the route answered 404 for an id `/find` knows: the first
        `direct_route_checks` 404s of a run are checked with `/find`, since TMDb's reference
        documents `/find` and not this route."""
        if via_find or not self.direct_route_usable or self.route.fell_back:
            return [CandidateFacts.from_hit(hit) for hit in self.find(imdb_id)]
        movie = self.movie_by_imdb_id(imdb_id)
        if movie is not None:
            hit = TmdbSearchHit(
                movie.tmdb_id, movie.title, movie.original_title, movie.release_date
            )
            return [CandidateFacts.from_hit(hit).with_details(movie)]
        if not self.route.take_check():
            return []
        hits = self.find(imdb_id)
        if hits:
            self.route.disagreed(imdb_id)
        return [CandidateFacts.from_hit(hit) for hit in hits]

    def movie_by_imdb_id(self, imdb_id: str) -> TmdbMovie | None:
        def fetch() -> TmdbMovie | None:
            try:
                movie = self.api.movie_by_imdb_id(imdb_id, fallback_level=1)  # type: ignore[attr-defined]
            except SourceError as error:
                if error.error_type != ErrorType.NOT_FOUND:
                    raise
                return None
            self._details.setdefault(movie.tmdb_id, movie)
            return movie  # type: ignore[no-any-return]

        movie, _ = self._once("by_imdb_id", self._by_imdb_id, imdb_id, fetch)
        return movie  # type: ignore[no-any-return]

    def search(self, query: str, year: int | None, level: Level) -> list[TmdbSearchHit]:
        hits, _ = self._once(
            "search",
            self._searches,
            (search_words(query), year),
            lambda: list(self.api.search_movie(query, year=year, fallback_level=int(level))),
        )
        return hits  # type: ignore[no-any-return]

    def details(
        self, tmdb_id: int, level: Level, confidence: float | None
    ) -> tuple[TmdbMovie | None, bool]:
        """The record's details (None when TMDb no longer knows it) and whether a call was
        made for them."""

        def fetch() -> TmdbMovie | None:
            try:
                return self.api.movie_details(
                    tmdb_id, fallback_level=int(level), confidence=confidence
                )
            except SourceError as error:
                if error.error_type != ErrorType.NOT_FOUND:
                    raise
                return None

        return self._once("details", self._details, tmdb_id, fetch)


class DirectRoute:
    """Whether level 1 asks `/movie/{imdb_id}` (one call) or `/find` (plus the details), for
    one run: the guard that falls back to `/find` when the route misses ids `/find` knows."""

    def __init__(self, *, sample: int = ResolutionConfig.direct_route_checks) -> None:
        self.sample = max(0, sample)
        self.checked = 0  # 404s of the route checked with /find
        self.fell_back_on: str | None = None  # the IMDb id /find knew and the route did not
        self._lock = threading.Lock()

    @property
    def fell_back(self) -> bool:
        return self.fell_back_on is not None

    def take_check(self) -> bool:
        """Whether this 404 is one of the run's sample to check with /find."""
        with self._lock:
            if self.checked >= self.sample:
                return False
            self.checked += 1
            return True

    def disagreed(self, imdb_id: str) -> None:
        with self._lock:
            if self.fell_back_on is None:
                self.fell_back_on = imdb_id

    def metadata(self) -> dict[str, int | str]:
        """For the stage's metadata: whether the run fell back to /find, and on which id."""
        return {
            "direct_id_fell_back_to_find": int(self.fell_back),
            "direct_id_404s_checked": self.checked,
            "direct_id_fallback_on": self.fell_back_on or "",
        }


class _FilmSearch:
    """The state of one film's resolution: the candidate pool and what was ruled out."""

    def __init__(self, resolver: TmdbResolver, query: FilmQuery, *, via_find: bool = False) -> None:
        self.resolver = resolver
        self.via_find = via_find
        self.config = resolver.config
        self.query = query
        self.titles = festival_titles(query.title, query.original_title)
        self.pool: dict[int, CandidateFacts] = {}
        self.excluded: set[int] = set()
        self.suspects: list[Candidate] = []
        self.rejected: list[Candidate] = []
        self.title_hits: list[int] = []
        self.sent: set[_SearchKey] = set()
        self.verification_calls = 0
        self.last_ambiguity: Decision | None = None

    def run(self) -> LookupOutcome:
        found = self._direct()
        if found is None and self.config.allows(Level.EXACT_TITLE_YEAR) and self.titles:
            found = self._title_levels()
        return found or self._unresolved()

    # Level 1

    def _direct(self) -> LookupOutcome | None:
        if not self.query.imdb_id:
            return None  # a festival entry without a title id: nothing to find
        confirmed: list[tuple[CandidateFacts, IdentityCheck]] = []
        for found in self.resolver.by_imdb_id(self.query.imdb_id, via_find=self.via_find):
            if found.details is None:  # a /find hit
                facts, check = found, self._identity(found)
            else:
                # Verified exactly as a /find hit: on its visible titles and primary year, and
                # on its alternative titles only when the visible ones do not match.
                years = {found.primary_year} if found.primary_year is not None else set()
                visible = replace(
                    found, years=frozenset(years), alternative_titles=(), details=None
                )
                facts, check = visible, self._identity(visible)
                if check.title_mismatch and not check.year_mismatch:
                    facts, check = found, self._identity(found)
                else:
                    facts = replace(visible, imdb_id=found.imdb_id, details=found.details)
            if found.details is None and (
                check.title_mismatch and not check.year_mismatch and self._may_verify()
            ):
                # The visible titles may be translations: look at the alternative titles.
                detailed = self._fetch_details(facts, Level.DIRECT_IMDB_ID, None, counted=True)
                if detailed is None:
                    continue
                facts, check = detailed, self._identity(detailed)
            if check.confirmed:
                confirmed.append((facts, check))
            else:
                self.suspects.append(facts.as_candidate(check.score))
                self.excluded.add(facts.tmdb_id)
        if not confirmed:
            return None
        facts_by_id = {facts.tmdb_id: facts for facts, _ in confirmed}
        decision = decide(
            (
                Assessment(f.tmdb_id, Level.DIRECT_IMDB_ID, c.score, c.similarity, c.year_distance)
                for f, c in confirmed
            ),
            self.config,
        )
        if decision.ambiguous:
            return self._ambiguous(decision, facts_by_id)
        if not decision.accepted or decision.best is None:
            return None
        best: CandidateFacts | None = facts_by_id[decision.best.tmdb_id]
        if best is not None and best.details is None:
            best = self._fetch_details(
                best, Level.DIRECT_IMDB_ID, decision.confidence, counted=False
            )
        if best is None:
            return None
        return self._found(best, Level.DIRECT_IMDB_ID, decision.confidence)

    def _identity(self, facts: CandidateFacts) -> IdentityCheck:
        return confirm_identity(
            self.titles, self.query.year, facts.titles, facts.years, self.config
        )

    # Levels 2-6

    def _title_levels(self) -> LookupOutcome | None:
        for title in self._distinct_titles():
            hits = self._search(title, None, Level.EXACT_TITLE_YEAR)
            outcome = self._settle(final=False)
            if outcome is not None:
                return outcome
            if len(hits) >= TMDB_PAGE_SIZE and self.query.year is not None:
                self._search(title, self.query.year, Level.EXACT_TITLE_YEAR)
                outcome = self._settle(final=False)
                if outcome is not None:
                    return outcome
        outcome = self._check_alternative_titles()
        if outcome is not None:
            return outcome
        if self.config.allows(Level.BROAD_SEARCH):
            for title in self._distinct_titles():
                keywords = keyword_query(title)
                if keywords and (search_words(keywords), None) not in self.sent:
                    self._search(keywords, None, Level.BROAD_SEARCH, title_search=False)
                    outcome = self._settle(final=False)
                    if outcome is not None:
                        return outcome
        return self._settle(final=True)

    def _distinct_titles(self) -> list[str]:
        """The festival title, then the original title when it searches differently."""
        titles: dict[tuple[str, ...], str] = {}
        for title in (self.query.title, self.query.original_title):
            if title and search_words(title):
                titles.setdefault(search_words(title), title)
        return list(titles.values())

    def _search(
        self, title: str, year: int | None, level: Level, *, title_search: bool = True
    ) -> list[TmdbSearchHit]:
        self.sent.add((search_words(title), year))
        hits = self.resolver.search(title, year, level)
        for hit in hits:
            if hit.tmdb_id in self.excluded:
                continue
            facts = CandidateFacts.from_hit(hit)
            if year is not None:
                facts = facts.released_in(year)
            known = self.pool.get(hit.tmdb_id)
            self.pool[hit.tmdb_id] = known.merged(facts) if known else facts
            if title_search and hit.tmdb_id not in self.title_hits:
                self.title_hits.append(hit.tmdb_id)
        return hits

    def _assessments(self) -> list[Assessment]:
        return [
            assess(self.titles, self.query.year, facts, self.config)
            for tmdb_id, facts in self.pool.items()
            if tmdb_id not in self.excluded
        ]

    def _settle(self, *, final: bool) -> LookupOutcome | None:
        """Decides over the pool as it stands: FOUND, AMBIGUOUS (when no later search can help,
        or `final`), or None to keep searching."""
        while True:
            decision = decide(self._assessments(), self.config)
            if decision.best is None:
                return None
            if decision.ambiguous:
                if self._break_tie(decision):
                    continue
                self.last_ambiguity = decision
                if final or decision.best.level == Level.EXACT_TITLE_YEAR:
                    return self._ambiguous(decision, self.pool)
                return None
            self.last_ambiguity = None
            level = decision.best.level
            if not decision.accepted or level is None:
                return None
            facts = self.pool[decision.best.tmdb_id]
            if facts.details is None:
                # The acceptance call: the details are the record we keep, and may change
                # the score (alternative titles, other release years) or reject the record.
                self._fetch_details(facts, level, decision.confidence, False)
                continue
            return self._found(facts, level, decision.confidence)

    def _break_tie(self, decision: Decision) -> bool:
        """Fetches the details of tied candidates (within the verification budget): a record
        carrying another film's IMDb id drops out. True when something was fetched."""
        fetched = False
        for contender in decision.contenders:
            facts = self.pool[contender.tmdb_id]
            if facts.details is None and self._may_verify():
                level = contender.level or Level.BROAD_SEARCH
                self._fetch_details(facts, level, None, counted=True)
                fetched = True
        return fetched

    def _check_alternative_titles(self) -> LookupOutcome | None:
        """Hits of the title searches whose year fits but whose visible titles do not: the
        festival title may be one of their alternative titles."""
        for tmdb_id in self.title_hits:
            if not self._may_verify():
                break
            facts = self.pool.get(tmdb_id)
            if facts is None or tmdb_id in self.excluded or facts.details is not None:
                continue
            assessment = assess(self.titles, self.query.year, facts, self.config)
            distance = assessment.year_distance
            if assessment.level is not None or distance is None:
                continue
            if distance > self.config.max_year_distance:
                continue
            if self._fetch_details(facts, Level.EXACT_TITLE_YEAR, None, counted=True):
                outcome = self._settle(final=False)
                if outcome is not None:
                    return outcome
        return None

    # Details

    def _may_verify(self) -> bool:
        return self.verification_calls < self.config.max_verification_calls

    def _fetch_details(
        self, facts: CandidateFacts, level: Level, confidence: float | None, counted: bool
    ) -> CandidateFacts | None:
        """Adds the details to a candidate; drops it when TMDb no longer knows it or when it
        carries another film's IMDb id."""
        movie, called = self.resolver.details(facts.tmdb_id, level, confidence)
        if called and counted:
            self.verification_calls += 1
        if movie is None:
            self._exclude(facts.tmdb_id)
            return None
        if movie.imdb_id and self.query.imdb_id and movie.imdb_id != self.query.imdb_id:
            self.rejected.append(facts.with_details(movie).as_candidate(0.0))
            self._exclude(facts.tmdb_id)
            return None
        detailed = facts.with_details(movie)
        if facts.tmdb_id in self.pool:
            self.pool[facts.tmdb_id] = detailed
        return detailed

    def _exclude(self, tmdb_id: int) -> None:
        self.excluded.add(tmdb_id)
        self.pool.pop(tmdb_id, None)

    # Outcomes

    def _found(self, facts: CandidateFacts, level: Level, confidence: float) -> LookupOutcome:
        assert facts.details is not None
        return LookupOutcome(
            status=LookupStatus.FOUND,
            film=facts.details.to_film_data(self.query.imdb_id),
            confidence=round(confidence, 4),
            fallback_level=int(level),
        )

    def _ambiguous(
        self, decision: Decision, facts_by_id: dict[int, CandidateFacts]
    ) -> LookupOutcome:
        candidates = _candidates(decision.contenders, facts_by_id)
        return LookupOutcome(
            status=LookupStatus.AMBIGUOUS,
            candidates=candidates + tuple(self.suspects),
            fallback_level=int(decision.best.level)
            if decision.best and decision.best.level
            else None,
        )

    def _unresolved(self) -> LookupOutcome:
        if self.last_ambiguity is not None:
            return self._ambiguous(self.last_ambiguity, self.pool)
        if self.suspects:
            return LookupOutcome(status=LookupStatus.SUSPECT, candidates=tuple(self.suspects))
        return LookupOutcome(status=LookupStatus.NOT_FOUND, candidates=tuple(self.rejected))


def _candidates(
    assessments: Sequence[Assessment], facts_by_id: dict[int, CandidateFacts]
) -> tuple[Candidate, ...]:
    return tuple(
        facts_by_id[a.tmdb_id].as_candidate(a.score)
        for a in assessments
        if a.tmdb_id in facts_by_id
    )
