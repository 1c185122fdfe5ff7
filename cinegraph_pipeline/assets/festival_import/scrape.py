"""Stage 1: the nominations of one edition, from IMDb's GraphQL API (the event page, directly
or through Zyte, when GraphQL fails)."""

import dagster as dg

from cinegraph_pipeline.assets.festival_import.common import (
    GROUP,
    STAGE_RETRY_POLICY,
    edition_of,
    edition_recorder,
    permanent_failure,
)
from cinegraph_pipeline.assets.festival_import.state_io import EDITION_STATE_IO_MANAGER
from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.imports.nominations import EditionNominations, edition_nominations
from cinegraph_pipeline.partitions import edition_partitions
from cinegraph_pipeline.resolution.ports import credentials_error
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.imdb.routes import fetch_edition
from cinegraph_pipeline.storage.resource import DatabaseResource


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"imdb", "python"},
    pool="imdb",
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_nominations_scraped(
    context: dg.AssetExecutionContext,
    imdb: ImdbResource,
    imdb_graphql: ImdbGraphqlResource,
    database: DatabaseResource,
) -> dg.MaterializeResult[EditionNominations]:
    """Every nomination of the edition as IMDb lists it.

    IMDb is the only source of truth for who was nominated: each nomination x film x person
    becomes one row, and each distinct film (with its IMDb title type) goes on to be resolved.
    GraphQL is asked first, every page of every connection, so that an edition is stored
    whole or not at all; since IMDb's website walls off plain clients, the event page is only
    the fallback. An edition that cannot be fetched fails the run (the step is retried); one
    IMDb does not list is an error too, since it has nothing to import.
    """
    edition = edition_of(context)
    event_id = edition.festival.imdb_event_id
    with edition_recorder(context, database) as (recorder, _tally):
        try:
            with imdb_graphql.client(recorder) as graphql, imdb.client(recorder) as pages:
                page = fetch_edition(graphql, pages, event_id, edition.year)
        except SourceError as exc:
            if exc.error_type is ErrorType.AUTH:
                raise permanent_failure(context, str(credentials_error(exc))) from None
            if exc.error_type is ErrorType.INTERNAL_ERROR:
                raise permanent_failure(context, f"our IMDb query is wrong: {exc}") from None
            if exc.error_type is ErrorType.NOT_FOUND:
                raise permanent_failure(
                    context,
                    f"IMDb has no edition {edition.festival.name} {edition.year} "
                    f"({event_id}) at {imdb_graphql.base_url} or {imdb.base_url}: "
                    f"{exc.message}; nothing to import",
                ) from None
            raise
    rows_lost = recorder.rows_lost  # closed above: its last rows are flushed
    result = edition_nominations(edition.festival.slug, page)
    awards = sorted({row["award"] for row in result.rows})
    winners = sum(1 for row in result.rows if row["winner"])
    preview = table(
        [(name, "string") for name in ("award", "category", "film", "person")]
        + [("winner", "bool")],
        [
            {
                "award": row["award"],
                "category": row["category"],
                "film": row["film_title"],
                "person": row["person_name"],
                "winner": bool(row["winner"]),
            }
            for row in result.rows[:20]
        ],
    )
    context.log.info(f"{result.nomination_count} nominations via {page.route}")
    return dg.MaterializeResult(
        value=result,
        metadata={
            "route": dg.MetadataValue.text(page.route),
            "nominations": dg.MetadataValue.int(result.nomination_count),
            "films": dg.MetadataValue.int(len(result.films)),
            "awards": dg.MetadataValue.int(len(awards)),
            "winners": dg.MetadataValue.int(winners),
            "metric_rows_lost": dg.MetadataValue.int(rows_lost),
            "series": dg.MetadataValue.int(sum(1 for film in result.films if film.is_series)),
            "preview": preview,
        },
    )
