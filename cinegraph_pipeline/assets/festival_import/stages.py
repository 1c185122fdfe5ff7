"""Stages 2-5: TMDb (six scored levels), then OMDb, then IMDb (GraphQL title batches, the
title page as fallback), then stubs.

Each stage sees only what the stages before it left unresolved, so the UI shows where each
film was found; a film a source failed to answer for (rate limit, timeout, block...) is
deferred, never passed down to a lesser source.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

import dagster as dg
from pydantic import Field

from cinegraph_pipeline.assets.festival_import.common import (
    GROUP,
    STAGE_RETRY_POLICY,
    edition_of,
    edition_recorder,
    permanent_failure,
)
from cinegraph_pipeline.assets.festival_import.state_io import EDITION_STATE_IO_MANAGER
from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import (
    ConcludedEdition,
    EditionProgress,
    conclude_edition,
    run_stage,
    start_progress,
    with_call_counts,
)
from cinegraph_pipeline.partitions import edition_partitions
from cinegraph_pipeline.resolution.cascade import FilmProgress, FilmResolver, ImportType
from cinegraph_pipeline.resolution.config import ResolutionConfig
from cinegraph_pipeline.sources.errors import ConfigurationError, ErrorType, Source, SourceError
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.imdb.routes import GraphqlFirstTitles, TitleBatches, fetch_titles
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.records import ImdbTitle
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.sources.tracking import Recorder
from cinegraph_pipeline.storage.film_records import stored_import_types
from cinegraph_pipeline.storage.resource import DatabaseResource

Client = TypeVar("Client")


class TmdbStageConfig(dg.Config):
    max_fallback_level: int = Field(
        default=6, ge=1, le=6, description="Highest TMDb fallback level to try (1-6)."
    )
    min_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Lowest confidence accepted as a match."
    )
    workers: int = Field(default=8, ge=1, le=64, description="Concurrent lookups.")

    def resolution(self) -> ResolutionConfig:
        return ResolutionConfig(
            max_fallback_level=self.max_fallback_level, min_confidence=self.min_confidence
        )


class StageConfig(dg.Config):
    workers: int = Field(default=4, ge=1, le=64, description="Concurrent lookups.")


def _progress_logger(context: dg.AssetExecutionContext, source: str) -> Callable[[int, int], None]:
    def log(done: int, total: int) -> None:
        context.log.info(f"{source}: {done}/{total} films looked up")

    return log


@contextmanager
def _missing_credentials_fail_the_stage(context: dg.AssetExecutionContext) -> Iterator[None]:
    try:
        yield
    except ConfigurationError as exc:
        raise permanent_failure(context, str(exc)) from None


def _source_stage(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    progress: EditionProgress,
    source: Source,
    open_client: Callable[[Recorder], AbstractContextManager[Client]],
    make_resolver: Callable[[Client], FilmResolver],
    workers: int,
    extra_metadata: Callable[[], dict[str, Any]] | None = None,
) -> dg.MaterializeResult[EditionProgress]:
    """Runs one source over the films waiting for it, with the run's metrics recorder; a
    missing key fails the stage (and the run, permanently) naming the variable to set."""
    with (
        edition_recorder(context, database) as (recorder, tally),
        open_client(recorder) as client,
        _missing_credentials_fail_the_stage(context),
    ):
        resolver = make_resolver(client)
        progress = run_stage(
            progress,
            source,
            resolver,
            workers=workers,
            on_progress=_progress_logger(context, source.value),
        )
    for failure in progress.internal_errors():
        context.log.error(f"internal_error (kept pending for review): {failure}")
    route = resolver.tmdb_route_metadata() if source is Source.TMDB else {}
    if route.get("direct_id_fell_back_to_find"):
        context.log.warning(
            f"TMDb /movie/{{imdb_id}} answered 404 for {route['direct_id_fallback_on']}, "
            "which /find knows: the rest of the run asked /find"
        )
    # The recorder is closed (its last rows flushed): what it lost is final.
    counted = with_call_counts(progress, tally.calls, tally.cost_usd, recorder.rows_lost)
    extra = dict(extra_metadata()) if extra_metadata is not None else {}
    for key, value in route.items():
        extra[key] = (
            dg.MetadataValue.int(value) if isinstance(value, int) else dg.MetadataValue.text(value)
        )
    return _stage_result(counted, source, extra)


def _trail(film: FilmProgress) -> str:
    return " → ".join(f"{a.source}: {a.outcome.status.value}" for a in film.attempts)


def _stage_result(
    progress: EditionProgress,
    source: Source,
    extra: dict[str, Any] | None = None,
) -> dg.MaterializeResult:
    stats = progress.stages[-1]
    rows = []
    for film in progress.to_look_up()[:25]:
        last = film.attempts[-1].outcome if film.attempts else None
        rows.append(
            {
                "imdb id": film.query.imdb_id,
                "title": film.query.title,
                "level": last.fallback_level if last and last.fallback_level else None,
                "confidence": None
                if last is None or last.confidence is None
                else round(last.confidence, 3),
                "answers": _trail(film),
            }
        )
    metadata: dict[str, dg.RawMetadataValue] = {
        "films": dg.MetadataValue.int(len(progress.films)),
        "already_stored": dg.MetadataValue.int(len(progress.existing)),
        "tried": dg.MetadataValue.int(stats.tried),
        "resolved": dg.MetadataValue.int(stats.resolved),
        "passed_on": dg.MetadataValue.int(stats.passed_on),
        "passed_on_quota": dg.MetadataValue.int(stats.passed_on_quota),
        "deferred": dg.MetadataValue.int(stats.deferred),
        "calls": dg.MetadataValue.int(stats.calls),
        "cost_usd": dg.MetadataValue.float(stats.cost_usd),
        "seconds": dg.MetadataValue.float(stats.seconds),
        "deferred_by_error": dg.MetadataValue.json(stats.errors),
        "metric_rows_lost": dg.MetadataValue.int(stats.metric_rows_lost),
        "preview": table(
            [
                ("imdb id", "string"),
                ("title", "string"),
                ("level", "int"),
                ("confidence", "float"),
                ("answers", "string"),
            ],
            rows,
        ),
    }
    if source is Source.TMDB:
        for level in range(1, 7):
            metadata[f"resolved_level_{level}"] = dg.MetadataValue.int(stats.by_level.get(level, 0))
    metadata.update(extra or {})
    return dg.MaterializeResult(value=progress, metadata=metadata)


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"tmdb", "python"},
    pool="tmdb",
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_tmdb_matches(
    context: dg.AssetExecutionContext,
    config: TmdbStageConfig,
    edition_nominations_scraped: EditionNominations,
    tmdb: TmdbResource,
    database: DatabaseResource,
) -> dg.MaterializeResult[EditionProgress]:
    """The edition's films matched on TMDb, the source of full records.

    Six levels from a direct IMDb id to a broad keyword search, each match scored from its
    evidence and accepted only above `min_confidence`; ambiguous or suspect hits are not
    taken and go to the next source flagged for review. Films already stored (other than
    `pending`) are not looked up again, so a re-run only retries what is missing.
    """
    edition = edition_of(context)
    films = edition_nominations_scraped.films
    with database.engine().connect() as conn:
        stored = stored_import_types(conn, [film.imdb_id for film in films])
    progress = start_progress(edition.festival.slug, edition.year, films, stored)
    return _source_stage(
        context,
        database,
        progress,
        Source.TMDB,
        tmdb.client,
        lambda client: FilmResolver(tmdb=client, config=config.resolution()),
        config.workers,
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"omdb", "python"},
    pool="omdb",
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_omdb_matches(
    context: dg.AssetExecutionContext,
    config: StageConfig,
    edition_tmdb_matches: EditionProgress,
    omdb: OmdbResource,
    database: DatabaseResource,
) -> dg.MaterializeResult[EditionProgress]:
    """What TMDb did not know, looked up on OMDb (by IMDb id, then title and year).

    OMDb gives a minimal record (`import_type` minimal) that the enrichment schedule later
    tries to upgrade from TMDb. Free keys allow 1,000 requests a day, so only films TMDb left
    unresolved reach this stage.
    """
    return _source_stage(
        context,
        database,
        edition_tmdb_matches,
        Source.OMDB,
        omdb.client,
        lambda client: FilmResolver(omdb=client),
        config.workers,
    )


class _RejectedTitles:
    """The IMDb stage's title source when GraphQL rejected our titles query: each film
    fails with that error (`internal_error`), without a title page."""

    def __init__(self, error: SourceError) -> None:
        self.error = error

    def title_page(self, imdb_id: str) -> ImdbTitle:
        raise self.error


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"imdb", "python"},
    pool="imdb",
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_imdb_matches(
    context: dg.AssetExecutionContext,
    config: StageConfig,
    edition_omdb_matches: EditionProgress,
    imdb: ImdbResource,
    imdb_graphql: ImdbGraphqlResource,
    database: DatabaseResource,
) -> dg.MaterializeResult[EditionProgress]:
    """What OMDb did not know either, read from IMDb.

    One GraphQL `titles` request per 250 films waiting here (ceil(n/250) calls); the film's
    own title page is fetched only for the films GraphQL did not answer. IMDb blocks plain
    clients' pages, so those run at a polite rate (or through the Zyte rendering proxy when
    ZYTE_API_KEY is set, at a cost per page); a block defers the film.
    """
    waiting = [film.query.imdb_id for film in edition_omdb_matches.waiting_for(Source.IMDB)]
    batches = TitleBatches()

    @contextmanager
    def titles(recorder: Recorder) -> Iterator[GraphqlFirstTitles | _RejectedTitles]:
        nonlocal batches
        with imdb_graphql.client(recorder) as graphql, imdb.client(recorder) as pages:
            try:
                batches = fetch_titles(graphql, waiting)
            except SourceError as exc:
                if exc.error_type is not ErrorType.INTERNAL_ERROR:
                    raise
                # Our query is wrong: every waiting film is stopped by it (pending, for
                # review), the rest of the edition is written, and the write fails the run.
                context.log.error(f"our IMDb titles query is wrong: {exc}")
                yield _RejectedTitles(exc)
                return
            context.log.info(
                f"IMDb GraphQL: {len(batches.answered)} of {len(waiting)} titles in "
                f"{batches.calls} calls; {len(batches.unanswered)} left to the title pages"
            )
            yield GraphqlFirstTitles(pages, batches)

    return _source_stage(
        context,
        database,
        edition_omdb_matches,
        Source.IMDB,
        titles,
        lambda client: FilmResolver(imdb=client),
        config.workers,
        lambda: {
            "graphql_calls": dg.MetadataValue.int(batches.calls),
            "graphql_failed_calls": dg.MetadataValue.int(batches.failed_calls),
            "graphql_answered": dg.MetadataValue.int(len(batches.answered)),
            "title_pages_needed": dg.MetadataValue.int(len(batches.unanswered)),
        },
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"python"},
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_stubs(
    context: dg.AssetExecutionContext, edition_imdb_matches: EditionProgress
) -> dg.MaterializeResult[ConcludedEdition]:
    """Every looked-up film's conclusion, the stubs among them: films that every source
    answered "not found" for.

    A stub holds only what the festival page said (title, original title, year) and is
    retried against TMDb by the enrichment schedule, so a nominated film is never lost.
    Films a source failed on are not stubs: they stay deferred (`pending`) for the retry
    sensor. The write stage stores exactly what this stage concluded.
    """
    concluded = conclude_edition(edition_imdb_matches)
    stubs = [r for r in concluded.resolutions.values() if r.import_type is ImportType.STUB]
    looked_up = len(concluded.resolutions)
    rows = [
        {"imdb id": r.film.imdb_id, "title": r.film.title, "year": r.film.year} for r in stubs[:25]
    ]
    context.log.info(f"{len(stubs)} stubs of {looked_up} films looked up")
    return dg.MaterializeResult(
        value=concluded,
        metadata={
            "films": dg.MetadataValue.int(len(edition_imdb_matches.films)),
            "looked_up": dg.MetadataValue.int(looked_up),
            "stubs": dg.MetadataValue.int(len(stubs)),
            "deferred": dg.MetadataValue.int(concluded.count(ImportType.PENDING)),
            "stub_rate": dg.MetadataValue.float(
                round(len(stubs) / looked_up, 4) if looked_up else 0.0
            ),
            "preview": table([("imdb id", "string"), ("title", "string"), ("year", "int")], rows),
        },
    )
