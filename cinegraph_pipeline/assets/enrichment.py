"""The daily retry of placeholders against TMDb."""

from datetime import datetime

import dagster as dg
from pydantic import Field

from cinegraph_pipeline.assets.festival_import.common import edition_recorder
from cinegraph_pipeline.health.enrichment import UPGRADE_WINDOW_DAYS, enrichment_figures
from cinegraph_pipeline.health.summary import table
from cinegraph_pipeline.resolution.cascade import FilmResolver
from cinegraph_pipeline.resolution.config import ResolutionConfig
from cinegraph_pipeline.sources.errors import ConfigurationError, ErrorType, Source
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.sources.tracking import film_scope
from cinegraph_pipeline.storage.film_records import (
    count_due,
    due_placeholders,
    record_enrichment,
    summarize,
)
from cinegraph_pipeline.storage.models import utcnow
from cinegraph_pipeline.storage.resource import DatabaseResource


class EnrichmentConfig(dg.Config):
    batch_size: int = Field(default=200, ge=1, description="Placeholders tried per batch.")
    max_batches: int = Field(default=10, ge=1, description="Batches per run.")
    review_after: int = Field(
        default=5, ge=1, description="Flag a placeholder for review after this many attempts."
    )
    max_fallback_level: int = Field(default=6, ge=1, le=6)
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    as_of: str | None = Field(
        default=None,
        description="ISO timestamp to treat as now (backfills and tests); default: the clock.",
    )


@dg.asset(group_name="enrichment", kinds={"tmdb", "python"}, pool="tmdb")
def placeholder_enrichment(
    context: dg.AssetExecutionContext,
    config: EnrichmentConfig,
    tmdb: TmdbResource,
    database: DatabaseResource,
) -> dg.MaterializeResult:
    """Films that only OMDb or IMDb knew (`minimal`) or no source knew (`stub`), tried on
    TMDb again once their retry time has passed.

    Festival films often reach TMDb weeks after their premiere. A film found is upgraded to
    `full` (keeping what the other sources gave where TMDb has nothing); one still missing
    waits longer (7, 14, 30, 60 days, then every 60) and is flagged for review after
    `review_after` attempts. Runs daily on a schedule.

    Its own success figures (the seeds' targets): `placeholders_waiting`, `upgraded` in this
    run, `upgraded_to_tmdb_within_30d_share` (of the placeholders at least 30 days old, the
    share TMDb knew within 30 days) and `avg_days_until_tmdb`.
    """
    now = datetime.fromisoformat(config.as_of) if config.as_of else utcnow()
    engine = database.engine()
    with engine.connect() as conn:
        due = count_due(conn, now)
    results = []
    bugs: list[str] = []
    with (
        edition_recorder(context, database) as (recorder, tally),
        tmdb.client(recorder) as client,
    ):
        resolver = FilmResolver(
            tmdb=client,
            config=ResolutionConfig(
                max_fallback_level=config.max_fallback_level,
                min_confidence=config.min_confidence,
            ),
        )
        for batch_number in range(config.max_batches):
            with engine.connect() as conn:
                batch = due_placeholders(conn, now, config.batch_size)
            tried = {r.imdb_id for r in results}
            batch = [p for p in batch if p.imdb_id not in tried]
            if not batch:
                break
            for placeholder in batch:
                try:
                    with film_scope(placeholder.imdb_id):
                        outcome = resolver.lookup(Source.TMDB, placeholder.query).outcome
                except ConfigurationError as exc:
                    raise dg.Failure(description=str(exc), allow_retries=False) from None
                with engine.begin() as conn:
                    results.append(
                        record_enrichment(
                            conn, placeholder, outcome, now, review_after=config.review_after
                        )
                    )
                if outcome.error_type == ErrorType.INTERNAL_ERROR:
                    bugs.append(f"{placeholder.imdb_id}: {outcome.error_message}")
            context.log.info(f"batch {batch_number + 1}: {len(results)} of {due} tried")
    if bugs:  # written (flagged for review, retried tomorrow); a bug of ours fails the run
        raise dg.Failure(
            description=f"{len(bugs)} retries stopped by an error in our code: {bugs[0]}",
            allow_retries=False,
        )
    summary = summarize(results)
    tried = summary["tried"]
    with engine.connect() as conn:
        figures = enrichment_figures(conn, now)
    share = figures.upgraded_within_window_share
    days = figures.avg_days_until_tmdb
    return dg.MaterializeResult(
        metadata={
            "placeholders_waiting": dg.MetadataValue.int(figures.waiting),
            "due": dg.MetadataValue.int(due),
            **{key: dg.MetadataValue.int(value) for key, value in summary.items()},
            "upgrade_rate": dg.MetadataValue.float(
                round(summary["upgraded"] / tried, 4) if tried else 0.0
            ),
            f"upgraded_to_tmdb_within_{UPGRADE_WINDOW_DAYS}d_share": dg.FloatMetadataValue(
                None if share is None else round(share, 4)
            ),
            "avg_days_until_tmdb": dg.FloatMetadataValue(None if days is None else round(days, 2)),
            "upgraded_to_tmdb_all_time": dg.MetadataValue.int(figures.upgraded_ever),
            "calls": dg.MetadataValue.int(tally.calls),
            "cost_usd": dg.MetadataValue.float(round(tally.cost_usd, 6)),
            "preview": table(
                [("imdb id", "string"), ("outcome", "string"), ("attempts", "int")],
                [
                    {"imdb id": r.imdb_id, "outcome": r.outcome, "attempts": r.attempts}
                    for r in results[:25]
                ],
            ),
        }
    )
