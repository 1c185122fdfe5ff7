"""Stage 6: the edition's movies and nominations written to the film database."""

import dagster as dg
from pydantic import Field

from cinegraph_pipeline.assets.festival_import.common import (
    GROUP,
    STAGE_RETRY_POLICY,
    edition_of,
    permanent_failure,
)
from cinegraph_pipeline.assets.festival_import.state_io import EDITION_STATE_IO_MANAGER
from cinegraph_pipeline.checks.edition import edition_check_results, edition_check_specs
from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import ConcludedEdition
from cinegraph_pipeline.partitions import edition_partitions
from cinegraph_pipeline.resolution.cascade import ImportType
from cinegraph_pipeline.storage.film_records import record_edition
from cinegraph_pipeline.storage.models import utcnow
from cinegraph_pipeline.storage.resource import DatabaseResource

IMPORT_TYPES = ("full", "minimal", "stub", "pending")


class WriteConfig(dg.Config):
    give_up_pending: bool = Field(
        default=False,
        description="The retry sensor's last attempt: films still pending after this write "
        "become stubs flagged for review.",
    )


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    io_manager_key=EDITION_STATE_IO_MANAGER,
    kinds={"sqlite", "postgres"},
    retry_policy=STAGE_RETRY_POLICY,
    check_specs=edition_check_specs(),
)
def edition_write(
    context: dg.AssetExecutionContext,
    config: WriteConfig,
    edition_nominations_scraped: EditionNominations,
    edition_stubs: ConcludedEdition,
    database: DatabaseResource,
) -> dg.MaterializeResult:
    """The edition in the film database: one `movies` row per film, one
    `festival_nominations` row per nomination x film x person, in one transaction.

    Writes are upserts on the natural keys that touch a row only when a value changed and
    never downgrade a film, so re-materializing an edition changes nothing that has not
    changed upstream. Films deferred by a failing source are stored as `pending` and the
    retry sensor runs the edition again; on its last attempt (`give_up_pending`) they become
    stubs flagged for review.
    """
    progress = edition_stubs.progress
    nominations = edition_nominations_scraped
    edition = edition_of(context)
    engine = database.engine()
    with engine.begin() as conn:
        written = record_edition(
            conn,
            edition.festival.slug,
            edition.year,
            edition_stubs.resolutions.values(),
            nominations.rows,
            utcnow(),
            give_up=config.give_up_pending,
        )
    if written.given_up:
        context.log.info(f"{written.given_up} pending films turned into stubs to review")
    by_type, movie_counts, nomination_counts = written.by_type, written.movies, written.nominations
    rows_lost = sum(stage.metric_rows_lost for stage in progress.stages)
    checks = edition_check_results(
        engine, edition.festival.slug, edition.year, metric_rows_lost=rows_lost
    )
    lost = next(c for c in checks if c.check_name == "no_lost_nominations").metadata["measured"]
    tmdb_stats = next((s for s in progress.stages if s.source == "tmdb"), None)
    calls = sum(stage.calls for stage in progress.stages)
    cost = sum(stage.cost_usd for stage in progress.stages)
    seconds = sum(stage.seconds for stage in progress.stages)
    films = len(nominations.films)
    metadata: dict[str, dg.RawMetadataValue] = {
        "nominations": dg.MetadataValue.int(len(nominations.rows)),
        "films": dg.MetadataValue.int(films),
        **{t: dg.MetadataValue.int(by_type.get(t, 0)) for t in IMPORT_TYPES},
        "deferred": dg.MetadataValue.int(edition_stubs.count(ImportType.PENDING)),
        "given_up": dg.MetadataValue.int(written.given_up),
        "looked_up": dg.MetadataValue.int(len(edition_stubs.resolutions)),
        "movies_inserted": dg.MetadataValue.int(movie_counts.inserted),
        "movies_updated": dg.MetadataValue.int(movie_counts.updated),
        "nominations_inserted": dg.MetadataValue.int(nomination_counts.inserted),
        "nominations_updated": dg.MetadataValue.int(nomination_counts.updated),
        "lost_nominations": lost,
        "metric_rows_lost": dg.MetadataValue.int(rows_lost),
        "calls": dg.MetadataValue.int(calls),
        "cost_usd": dg.MetadataValue.float(round(cost, 6)),
        "cost_per_film_usd": dg.MetadataValue.float(round(cost / films, 6) if films else 0.0),
        "lookup_seconds": dg.MetadataValue.float(round(seconds, 3)),
        "final_attempt": dg.MetadataValue.bool(config.give_up_pending),
    }
    for level in range(1, 7):
        metadata[f"resolved_level_{level}"] = dg.MetadataValue.int(
            tmdb_stats.by_level.get(level, 0) if tmdb_stats else 0
        )
    metadata["summary"] = table(
        [(kind, "int") for kind in IMPORT_TYPES] + [("calls", "int"), ("cost (USD)", "float")],
        [{**{k: by_type.get(k, 0) for k in IMPORT_TYPES}, "calls": calls, "cost (USD)": cost}],
    )
    context.log.info(
        f"{films} films ({by_type}), {len(nominations.rows)} nominations; "
        f"movies {movie_counts}, nominations {nomination_counts}"
    )
    bugs = progress.internal_errors()
    if bugs:
        # The rows are committed (those films pending, flagged for review); the run fails
        # loudly and permanently, since retrying a bug of ours as if an upstream were down
        # would hide it (and the last retry would turn those films into stubs).
        raise permanent_failure(
            context,
            f"{len(bugs)} films stopped by an error in our code (internal_error), first: {bugs[0]}",
            metadata={"films": dg.MetadataValue.md("\n".join(f"- {b}" for b in bugs[:50]))},
        )
    return dg.MaterializeResult(metadata=metadata, check_results=checks)
