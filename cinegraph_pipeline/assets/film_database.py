"""The film database itself: migrated, with row counts the UI plots over time."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import func, select

from cinegraph_pipeline.storage.migrate import current_revision
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource


@dg.asset(group_name="storage", kinds={"sqlite", "postgres"})
def film_database(database: DatabaseResource) -> dg.MaterializeResult:
    """The film database at its latest schema, and how much it holds.

    Materializing it applies any pending migration, so a fresh deployment can be readied from
    the UI; its counts show the database growing as editions are imported.
    """
    engine = database.engine()
    with engine.connect() as conn:
        movies_by_type = dict(
            conn.execute(select(Movie.import_type, func.count()).group_by(Movie.import_type)).all()
        )
        nominations = conn.scalar(select(func.count()).select_from(FestivalNomination)) or 0
        metrics = conn.scalar(select(func.count()).select_from(ApiLookupMetric)) or 0
    movies = sum(movies_by_type.values())
    return dg.MaterializeResult(
        metadata={
            "movies": dg.MetadataValue.int(movies),
            **{
                f"movies_{kind}": dg.MetadataValue.int(movies_by_type.get(kind, 0))
                for kind in ("full", "minimal", "stub", "pending")
            },
            "nominations": dg.MetadataValue.int(nominations),
            "metric_rows": dg.MetadataValue.int(metrics),
            "schema_revision": dg.MetadataValue.text(current_revision(engine) or "none"),
            "database": dg.MetadataValue.text(engine.url.render_as_string(hide_password=True)),
        }
    )
