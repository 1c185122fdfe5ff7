"""Stage 6: the edition's movies and nominations written to the film database."""

import dagster as dg
from sqlalchemy import func, select

from cinegraph_pipeline.assets.festival_import.common import (
    GROUP,
    STAGE_RETRY_POLICY,
    edition_of,
    is_final_attempt,
)
from cinegraph_pipeline.checks.edition import edition_check_results, edition_check_specs
from cinegraph_pipeline.imports.nominations import EditionNominations
from cinegraph_pipeline.imports.progress import EditionProgress, conclusions
from cinegraph_pipeline.partitions import edition_partitions
from cinegraph_pipeline.resolution.cascade import FilmResolver, ImportType
from cinegraph_pipeline.storage.models import Movie
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import movie_ids, upsert_movies, upsert_nominations

IMPORT_TYPES = ("full", "minimal", "stub", "pending")


@dg.asset(
    group_name=GROUP,
    partitions_def=edition_partitions,
    kinds={"sqlite", "postgres"},
    retry_policy=STAGE_RETRY_POLICY,
    check_specs=edition_check_specs(),
)
def edition_write(
    context: dg.AssetExecutionContext,
    edition_nominations_scraped: EditionNominations,
    edition_stubs: EditionProgress,
    database: DatabaseResource,
) -> dg.MaterializeResult:
    """The edition in the film database: one `movies` row per film, one
    `festival_nominations` row per nomination x film x person, in one transaction.

    Writes are upserts on the natural keys that touch a row only when a value changed and
    never downgrade a film, so re-materializing an edition changes nothing that has not
    changed upstream. Films deferred by a failing source are stored as `pending` and the
    retry sensor runs the edition again; on its last attempt they become stubs flagged for
    review.
    """
    progress = edition_stubs
    nominations = edition_nominations_scraped
    final = is_final_attempt(context)
    resolved = conclusions(progress, FilmResolver(), final_attempt=final)
    rows = [resolution.movie_columns() for resolution in resolved.values()]
    film_ids = [film.imdb_id for film in nominations.films]
    engine = database.engine()
    with engine.begin() as conn:
        movie_counts = upsert_movies(conn, rows)
        ids = movie_ids(conn, film_ids)
        nomination_rows = [
            {**row, "movie_id": ids.get(row["film_imdb_id"])} for row in nominations.rows
        ]
        nomination_counts = upsert_nominations(conn, nomination_rows)
        by_type = dict(
            conn.execute(
                select(Movie.import_type, func.count())
                .where(Movie.imdb_id.in_(film_ids))
                .group_by(Movie.import_type)
            ).all()
        )
    edition = edition_of(context)
    checks = edition_check_results(engine, edition.festival.slug, edition.year)
    lost = next(c for c in checks if c.check_name == "no_lost_nominations").metadata["measured"]
    tmdb_stats = next((s for s in progress.stages if s.source == "tmdb"), None)
    calls = sum(stage.calls for stage in progress.stages)
    cost = sum(stage.cost_usd for stage in progress.stages)
    seconds = sum(stage.seconds for stage in progress.stages)
    films = len(nominations.films)
    metadata: dict[str, dg.RawMetadataValue] = {
        "nominations": dg.MetadataValue.int(len(nomination_rows)),
        "films": dg.MetadataValue.int(films),
        **{t: dg.MetadataValue.int(by_type.get(t, 0)) for t in IMPORT_TYPES},
        "deferred": dg.MetadataValue.int(
            sum(1 for r in resolved.values() if r.import_type is ImportType.PENDING)
        ),
        "looked_up": dg.MetadataValue.int(len(resolved)),
        "movies_inserted": dg.MetadataValue.int(movie_counts.inserted),
        "movies_updated": dg.MetadataValue.int(movie_counts.updated),
        "nominations_inserted": dg.MetadataValue.int(nomination_counts.inserted),
        "nominations_updated": dg.MetadataValue.int(nomination_counts.updated),
        "lost_nominations": lost,
        "calls": dg.MetadataValue.int(calls),
        "cost_usd": dg.MetadataValue.float(round(cost, 6)),
        "cost_per_film_usd": dg.MetadataValue.float(round(cost / films, 6) if films else 0.0),
        "lookup_seconds": dg.MetadataValue.float(round(seconds, 3)),
        "final_attempt": dg.MetadataValue.bool(final),
    }
    for level in range(1, 7):
        metadata[f"resolved_level_{level}"] = dg.MetadataValue.int(
            tmdb_stats.by_level.get(level, 0) if tmdb_stats else 0
        )
    metadata["summary"] = dg.MetadataValue.md(
        "| full | minimal | stub | pending | calls | cost (USD) |\n|---|---|---|---|---|---|\n"
        f"| {by_type.get('full', 0)} | {by_type.get('minimal', 0)} | {by_type.get('stub', 0)} "
        f"| {by_type.get('pending', 0)} | {calls} | {cost:.4f} |"
    )
    context.log.info(
        f"{films} films ({by_type}), {len(nomination_rows)} nominations; "
        f"movies {movie_counts}, nominations {nomination_counts}"
    )
    bugs = progress.internal_errors()
    if bugs:
        # The rows are committed (those films pending, flagged for review); the run fails
        # loudly, since retrying a bug of ours as if an upstream were down would hide it.
        raise dg.Failure(
            description=(
                f"{len(bugs)} films stopped by an error in our code (internal_error), "
                f"first: {bugs[0]}"
            ),
            metadata={"films": dg.MetadataValue.md("\n".join(f"- {b}" for b in bugs[:50]))},
            allow_retries=False,
        )
    return dg.MaterializeResult(metadata=metadata, check_results=checks)
