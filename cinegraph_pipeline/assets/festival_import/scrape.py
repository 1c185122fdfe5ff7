"""Stage 1: the nominations of one edition, scraped from its IMDb event page."""

import dagster as dg

from cinegraph_pipeline.assets.festival_import.common import (
    GROUP,
    STAGE_RETRY_POLICY,
    edition_of,
    edition_recorder,
    permanent_failure,
)
from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.imports.nominations import EditionNominations, edition_nominations
from cinegraph_pipeline.partitions import edition_partitions
from cinegraph_pipeline.resolution.ports import credentials_error
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.storage.resource import DatabaseResource


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    kinds={"imdb", "python"},
    pool="imdb",
    retry_policy=STAGE_RETRY_POLICY,
)
def edition_nominations_scraped(
    context: dg.AssetExecutionContext, imdb: ImdbResource, database: DatabaseResource
) -> dg.MaterializeResult[EditionNominations]:
    """Every nomination of the edition as its IMDb event page lists it.

    The page is the only source of truth for who was nominated: each nomination x film x
    person becomes one row, and each distinct film goes on to be resolved. A page that cannot
    be fetched fails the run (the step is retried); one that does not exist is an error too,
    since an edition with no page has nothing to import.
    """
    edition = edition_of(context)
    with edition_recorder(context, database) as (recorder, _tally):
        try:
            with imdb.client(recorder) as client:
                page = client.event_page(edition.festival.imdb_event_id, edition.year)
        except SourceError as exc:
            if exc.error_type is ErrorType.AUTH:
                raise permanent_failure(context, str(credentials_error(exc))) from None
            if exc.error_type is ErrorType.NOT_FOUND:
                raise permanent_failure(
                    context,
                    f"no event page for {edition.festival.name} {edition.year} "
                    f"({edition.festival.imdb_event_id}) at {imdb.base_url}: {exc.message}; "
                    "nothing to import",
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
    return dg.MaterializeResult(
        value=result,
        metadata={
            "nominations": dg.MetadataValue.int(result.nomination_count),
            "films": dg.MetadataValue.int(len(result.films)),
            "awards": dg.MetadataValue.int(len(awards)),
            "winners": dg.MetadataValue.int(winners),
            "metric_rows_lost": dg.MetadataValue.int(rows_lost),
            "preview": preview,
        },
    )
