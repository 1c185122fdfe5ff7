"""The multi-source resolution of one film: TMDb, then OMDb, then the IMDb page, else a stub.

Rules (MISSION.md, "Resolution rules"):
- Only a `not_found`, ambiguous or suspect answer passes a film to the next source, and a
  spent daily quota or budget when a later source gives the same import type (OMDb's quota
  sends the film to the IMDb stage at once: both give `minimal`). Every other
  failure (transient errors, already retried by the client, and any other error) defers the
  film: a `pending` row from the festival page's own title and year, retried by the edition's
  sensor, never downgraded to a lower source or a stub because a service was down.
- `auth` raises `ConfigurationError` naming the variable to set: a bad key is no film's fault.
- Records reached by IMDb id (OMDb, the IMDb page) are checked against the festival title and
  year like TMDb's /find hits; OMDb is asked by title and year only when it does not know the
  id, and that answer must match the title closely and the year within one.

The Dagster stages run one source each over the films the previous stage left: they keep a
`FilmProgress` per film, call `FilmResolver.advance` for their source, and the stub stage calls
`FilmResolver.conclude`. `FilmResolver.resolve` does all of it for one film; the placeholder
enrichment schedule asks TMDb alone (`FilmResolver.lookup`).
Nothing here knows the tables: `storage.film_records` writes what a `Resolution` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from cinegraph_pipeline.resolution.config import ResolutionConfig
from cinegraph_pipeline.resolution.ports import (
    ImdbTitleApi,
    OmdbApi,
    TmdbApi,
    credentials_error,
)
from cinegraph_pipeline.resolution.scoring import IdentityCheck, confirm_identity, festival_titles
from cinegraph_pipeline.resolution.tmdb_cascade import TmdbResolver
from cinegraph_pipeline.sources.errors import (
    ConfigurationError,
    ErrorType,
    Source,
    SourceError,
    describe_exception,
)
from cinegraph_pipeline.sources.records import (
    Candidate,
    FilmData,
    FilmQuery,
    LookupOutcome,
    LookupStatus,
    OmdbRecord,
)

# The order in which sources are asked.
SOURCE_ORDER: tuple[Source, ...] = (Source.TMDB, Source.OMDB, Source.IMDB)
# OMDb found by title rather than id: weaker evidence than an id.
OMDB_BY_TITLE_BASE = 0.9
_API_NAMES = {Source.TMDB: "TMDb", Source.OMDB: "OMDb", Source.IMDB: "IMDb title"}
_PASSES_ON = frozenset(
    {LookupStatus.NOT_FOUND, LookupStatus.AMBIGUOUS, LookupStatus.SUSPECT, LookupStatus.SKIPPED}
)
# What each source's record is worth: a spent quota or budget at one passes the film on to a
# later source of the same rank instead of deferring it (OMDb -> IMDb, both `minimal`).
_RANK: dict[Source, str] = {Source.TMDB: "full", Source.OMDB: "minimal", Source.IMDB: "minimal"}


class ImportType(StrEnum):
    FULL = "full"  # TMDb
    MINIMAL = "minimal"  # OMDb or the IMDb page
    STUB = "stub"  # only what the festival page said; every source answered "not found"
    PENDING = "pending"  # deferred after an error; the edition's sensor retries it


class DataSource(StrEnum):
    TMDB = "tmdb"
    OMDB = "omdb"
    IMDB = "imdb"
    FESTIVAL = "festival"


_DATA_SOURCE = {
    Source.TMDB: DataSource.TMDB,
    Source.OMDB: DataSource.OMDB,
    Source.IMDB: DataSource.IMDB,
}


@dataclass(frozen=True, slots=True)
class SourceAttempt:
    """What one source made of the film. `needs_review` flags an accepted answer with a doubt
    worth a look (OMDb found by title under another IMDb id)."""

    source: Source
    outcome: LookupOutcome
    needs_review: bool = False


@dataclass(frozen=True, slots=True)
class FilmProgress:
    """One film on its way through the sources, as the stages pass it on."""

    query: FilmQuery
    attempts: tuple[SourceAttempt, ...] = ()

    @property
    def settled(self) -> bool:
        """Found, or deferred by an error: no further source is asked."""
        return bool(self.attempts) and self.attempts[-1].outcome.status not in _PASSES_ON

    @property
    def next_source(self) -> Source | None:
        """The source to ask next; None when settled or when every source has answered."""
        if self.settled:
            return None
        asked = len(self.attempts)
        return SOURCE_ORDER[asked] if asked < len(SOURCE_ORDER) else None

    def with_attempt(self, attempt: SourceAttempt) -> FilmProgress:
        return replace(self, attempts=(*self.attempts, attempt))


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the resolution of one film concluded, as plain values (the film's record is
    written from it by `storage.film_records`)."""

    import_type: ImportType
    data_source: DataSource
    film: FilmData
    lookup_confidence: float | None
    fallback_level: int | None
    needs_enrichment: bool
    needs_review: bool
    review_candidates: list[dict[str, object]] = field(default_factory=list)
    error_type: str | None = None
    error_message: str | None = None
    attempts: tuple[SourceAttempt, ...] = ()


class FilmResolver:
    """Resolves festival films through TMDb, OMDb and the IMDb page.

    One instance per run: the TMDb memo lives as long as it does. A source's API may be None
    when a stage does not use it; asking that source then raises `ValueError`."""

    def __init__(
        self,
        tmdb: TmdbApi | None = None,
        omdb: OmdbApi | None = None,
        imdb: ImdbTitleApi | None = None,
        config: ResolutionConfig | None = None,
    ) -> None:
        self.config = config or ResolutionConfig()
        self._tmdb = TmdbResolver(tmdb, self.config) if tmdb is not None else None
        self._omdb = omdb
        self._imdb = imdb

    def tmdb_route_metadata(self) -> dict[str, int | str]:
        """How level 1 asked TMDb in this run (`/movie/{imdb_id}`, or `/find` after its guard
        fell back), for the TMDb stage's metadata."""
        return self._tmdb.route.metadata() if self._tmdb is not None else {}

    # One film, all sources

    def resolve(self, query: FilmQuery) -> Resolution:
        progress = FilmProgress(query)
        while progress.next_source is not None:
            progress = self.advance(progress)
        return self.conclude(progress)

    def advance(self, progress: FilmProgress) -> FilmProgress:
        """Asks the film's next source; a settled film is returned unchanged."""
        source = progress.next_source
        if source is None:
            return progress
        return progress.with_attempt(self.lookup(source, progress.query))

    def lookup(self, source: Source, query: FilmQuery) -> SourceAttempt:
        """One source's answer for one film. An exception of our own (a bug in a client,
        parser or this resolver) is the film's `internal_error`, not the upstream's fault."""
        apis = {Source.TMDB: self._tmdb, Source.OMDB: self._omdb, Source.IMDB: self._imdb}
        if source not in apis:
            raise ValueError(f"not a film source: {source}")
        if apis[source] is None:
            raise ValueError(f"no {_API_NAMES[source]} API given to this resolver")
        try:
            if source == Source.TMDB:
                assert self._tmdb is not None
                return SourceAttempt(Source.TMDB, self._tmdb.resolve(query))
            if source == Source.OMDB:
                return self._lookup_omdb(query)
            return SourceAttempt(Source.IMDB, self._lookup_imdb(query))
        except ConfigurationError:
            raise
        except SourceError as error:
            if error.error_type == ErrorType.AUTH:
                raise credentials_error(error) from error
            if error.error_type == ErrorType.QUOTA_EXHAUSTED and _equal_source_after(source):
                return SourceAttempt(source, _skipped(error))
            return SourceAttempt(source, _failed(error))
        except Exception as exc:
            return SourceAttempt(
                source,
                LookupOutcome(
                    LookupStatus.FAILED,
                    error_type=str(ErrorType.INTERNAL_ERROR),
                    error_message=describe_exception(exc),
                ),
            )

    def conclude(self, progress: FilmProgress) -> Resolution:
        """The film's resolution once it is settled or every source has answered: full,
        minimal, pending, or a stub. A series keeps the TMDb series id its TMDb lookup found."""
        resolution = self._conclude(progress)
        tv_id = next(
            (a.outcome.tmdb_tv_id for a in progress.attempts if a.outcome.tmdb_tv_id), None
        )
        if tv_id is None:
            return resolution
        return replace(resolution, film=replace(resolution.film, tmdb_id=None, tmdb_tv_id=tv_id))

    def _conclude(self, progress: FilmProgress) -> Resolution:
        if progress.next_source is not None:
            raise ValueError(
                f"{progress.query.imdb_id}: {progress.next_source} has not been asked yet"
            )
        review = _review_candidates(progress.attempts)
        last = progress.attempts[-1].outcome if progress.attempts else None
        # Defaults: what the festival page alone says (a stub), with what every row carries.
        resolution = Resolution(
            import_type=ImportType.STUB,
            data_source=DataSource.FESTIVAL,
            film=festival_film(progress.query),
            lookup_confidence=None,
            fallback_level=None,
            needs_enrichment=True,
            needs_review=bool(review) or any(a.needs_review for a in progress.attempts),
            review_candidates=review,
            attempts=progress.attempts,
        )
        if last is not None and last.status == LookupStatus.FOUND:
            source = progress.attempts[-1].source
            full = source == Source.TMDB
            return replace(
                resolution,
                import_type=ImportType.FULL if full else ImportType.MINIMAL,
                data_source=_DATA_SOURCE[source],
                film=_completed(last.film, progress.query),
                lookup_confidence=last.confidence,
                fallback_level=last.fallback_level if full else None,
                needs_enrichment=not full,
            )
        if last is not None and last.status == LookupStatus.FAILED:
            # A pending film is flagged for review only when our own code stopped it: the
            # retry sensor leaves those alone. A doubt (ambiguous candidates, kept) is
            # flagged when a retry concludes the film.
            return replace(
                resolution,
                import_type=ImportType.PENDING,
                needs_review=last.error_type == ErrorType.INTERNAL_ERROR,
                error_type=last.error_type,
                error_message=last.error_message,
            )
        skipped = next(
            (a.outcome for a in progress.attempts if a.outcome.status == LookupStatus.SKIPPED),
            None,
        )
        if skipped is not None:
            # A source passed over for its spent quota never answered: not a stub yet, the
            # film waits for that source (the retry sensor asks it again; not flagged for
            # review, which would keep the sensor away).
            return replace(
                resolution,
                import_type=ImportType.PENDING,
                needs_review=False,
                error_type=skipped.error_type,
                error_message=skipped.error_message,
            )
        return resolution

    # OMDb and the IMDb page

    def _lookup_omdb(self, query: FilmQuery) -> SourceAttempt:
        assert self._omdb is not None
        if not query.imdb_id:
            return self._lookup_omdb_by_title(query)
        try:
            record = self._omdb.by_imdb_id(query.imdb_id)
        except SourceError as error:
            if error.error_type != ErrorType.NOT_FOUND:
                raise
            return self._lookup_omdb_by_title(query)
        check = self._identity(query, (record.title,), record.year)
        if record.imdb_id and record.imdb_id != query.imdb_id:
            check = replace(check, confirmed=False, title_mismatch=True)
        if not check.confirmed:
            return SourceAttempt(Source.OMDB, _suspect(_omdb_candidate(record, check.score)))
        return SourceAttempt(Source.OMDB, _found(record.to_film_data(), check.score))

    def _lookup_omdb_by_title(self, query: FilmQuery) -> SourceAttempt:
        """OMDb does not know the id: ask by title and year, and accept only a close title
        match within a year. An answer under another IMDb id (the festival's id may have been
        merged into it) is kept for review."""
        assert self._omdb is not None
        rejected: list[Candidate] = []
        for title in _distinct(query.title, query.original_title):
            try:
                record = self._omdb.by_title(title, query.year)
            except SourceError as error:
                if error.error_type != ErrorType.NOT_FOUND:
                    raise
                continue
            if _omdb_type_mismatch(query, record):
                # Same title, other kind of work (a series for a film, or the reverse).
                rejected.append(_omdb_candidate(record, 0.0))
                continue
            check = self._identity(query, (record.title,), record.year)
            close = check.similarity >= self.config.fuzzy_threshold
            if check.confirmed and close and check.year_distance is not None:
                score = OMDB_BY_TITLE_BASE * check.score
                other_id = bool(query.imdb_id) and record.imdb_id != query.imdb_id
                outcome = _found(
                    record.to_film_data(),
                    score,
                    (_omdb_candidate(record, score),) if other_id else (),
                )
                return SourceAttempt(Source.OMDB, outcome, needs_review=other_id)
            rejected.append(_omdb_candidate(record, check.score))
        return SourceAttempt(
            Source.OMDB, LookupOutcome(LookupStatus.NOT_FOUND, candidates=tuple(rejected))
        )

    def _lookup_imdb(self, query: FilmQuery) -> LookupOutcome:
        assert self._imdb is not None
        if not query.imdb_id:
            return LookupOutcome(LookupStatus.NOT_FOUND)
        try:
            page = self._imdb.title_page(query.imdb_id)
        except SourceError as error:
            if error.error_type != ErrorType.NOT_FOUND:
                raise
            return LookupOutcome(LookupStatus.NOT_FOUND)
        titles = tuple(t for t in (page.title, page.original_title) if t)
        check = self._identity(query, titles, page.year)
        if not check.confirmed:
            candidate = Candidate("imdb", page.imdb_id, page.title, page.year, check.score)
            return _suspect(candidate)
        return _found(page.to_film_data(), check.score)

    def _identity(
        self, query: FilmQuery, titles: tuple[str, ...], year: int | None
    ) -> IdentityCheck:
        return confirm_identity(
            festival_titles(query.title, query.original_title),
            query.year,
            titles,
            (year,) if year is not None else (),
            self.config,
        )


def festival_film(query: FilmQuery) -> FilmData:
    """A film as the festival page alone describes it (stub and pending rows)."""
    return FilmData(
        imdb_id=query.imdb_id,
        title=query.title,
        original_title=query.original_title,
        year=query.year,
        title_type=query.title_type,
    )


def _completed(film: FilmData | None, query: FilmQuery) -> FilmData:
    """The source's film under the festival's IMDb id (the row's key), with what the source
    lacks taken from the festival page."""
    if film is None:
        return festival_film(query)
    return replace(
        film,
        imdb_id=query.imdb_id,
        title=film.title or query.title,
        original_title=film.original_title or query.original_title,
        year=film.year if film.year is not None else query.year,
        title_type=query.title_type or film.title_type,
    )


def _review_candidates(attempts: tuple[SourceAttempt, ...]) -> list[dict[str, object]]:
    """The candidates of ambiguous or suspect answers, and of accepted answers flagged for
    review, in source order."""
    candidates: list[dict[str, object]] = []
    for attempt in attempts:
        status = attempt.outcome.status
        if status in (LookupStatus.AMBIGUOUS, LookupStatus.SUSPECT) or attempt.needs_review:
            candidates += [c.as_json() for c in attempt.outcome.candidates]
    return candidates


def _distinct(*titles: str | None) -> list[str]:
    seen: dict[str, str] = {}
    for title in titles:
        if title and title.strip():
            seen.setdefault(title.strip().casefold(), title.strip())
    return list(seen.values())


def _found(
    film: FilmData, confidence: float, candidates: tuple[Candidate, ...] = ()
) -> LookupOutcome:
    return LookupOutcome(
        LookupStatus.FOUND, film=film, confidence=round(confidence, 4), candidates=candidates
    )


def _suspect(candidate: Candidate) -> LookupOutcome:
    return LookupOutcome(LookupStatus.SUSPECT, candidates=(candidate,))


def _failed(error: SourceError) -> LookupOutcome:
    return LookupOutcome(
        LookupStatus.FAILED, error_type=str(error.error_type), error_message=error.message
    )


def _skipped(error: SourceError) -> LookupOutcome:
    return LookupOutcome(
        LookupStatus.SKIPPED, error_type=str(error.error_type), error_message=error.message
    )


def _equal_source_after(source: Source) -> bool:
    """Whether a source asked after `source` gives a record of the same rank."""
    later = SOURCE_ORDER[SOURCE_ORDER.index(source) + 1 :]
    return any(_RANK[other] == _RANK[source] for other in later)


# OMDb's `Type` values that are no film: an answer by title of these is another work.
_OMDB_NOT_FILMS = frozenset({"series", "episode", "game"})


def _omdb_type_mismatch(query: FilmQuery, record: OmdbRecord) -> bool:
    """A series asked about and anything but a series answered, or a film (or a title of
    unknown type) answered with a series, an episode or a game."""
    kind = (record.type or "").casefold()
    if not kind:
        return False
    if query.is_series:
        return kind != "series"
    return kind in _OMDB_NOT_FILMS


def _omdb_candidate(record: OmdbRecord, score: float) -> Candidate:
    return Candidate("omdb", record.imdb_id, record.title, record.year, score)
