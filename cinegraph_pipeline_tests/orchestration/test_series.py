"""A festival series through the whole pipeline: typed from the edition, never matched to
the TMDb movie that shares its title, its TMDb series id kept, its record from OMDb."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
from sqlalchemy import select
from sqlalchemy.orm import Session

from cinegraph_pipeline.assets.enrichment import placeholder_enrichment
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.models import ApiLookupMetric, Movie

from .conftest import engine_for


def test_a_series_sharing_a_tmdb_movies_title_is_stored_as_a_series(
    sandbox: SandboxServer, film_db: str
) -> None:
    series = sorted(
        (t for t in sandbox.catalog.truths() if "series" in t.traits), key=lambda t: t.imdb_id
    )
    truth = series[0]
    same_title = sandbox.catalog.record_of_film[truth.imdb_id]
    assert same_title.listed and same_title.title == truth.title  # the trap is there
    partition = f"cannes|{truth.editions[0]}"
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key=partition,
            instance=instance,
            resources=build_resources(),
        )
    assert result.success
    scraped = result.asset_materializations_for_node("edition_nominations_scraped")[0].metadata
    assert scraped["series"].value >= 1

    with Session(engine_for(film_db)) as session:
        movie = session.scalars(select(Movie).where(Movie.imdb_id == truth.imdb_id)).one()
        tmdb_rows = session.scalars(
            select(ApiLookupMetric).where(
                ApiLookupMetric.source == "tmdb",
                ApiLookupMetric.target_identifier == truth.imdb_id,
            )
        ).all()
        films = session.scalars(select(Movie).where(Movie.title_type == "movie")).all()
    assert movie.title_type == truth.title_type
    assert movie.tmdb_tv_id == truth.tmdb_tv_id is not None
    assert movie.tmdb_id is None
    assert (movie.import_type, movie.data_source) == ("minimal", "omdb")
    assert movie.title == truth.title
    # Only /find: no title search could pick the same-title movie.
    assert [row.operation for row in tmdb_rows] == ["find"]
    assert tmdb_rows[0].metadata_["media"] == "tv"
    assert films and all(m.tmdb_tv_id is None for m in films)
    # TMDb has no more to give a series whose series id is kept: no enrichment loop.
    assert (movie.needs_enrichment, movie.next_tmdb_retry_at) == (False, None)
    later = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    with dg.instance_for_test() as instance:
        enriched = dg.materialize(
            [placeholder_enrichment],
            instance=instance,
            resources=build_resources(),
            run_config={"ops": {"placeholder_enrichment": {"config": {"as_of": later}}}},
        )
    assert enriched.success
    with Session(engine_for(film_db)) as session:
        again = session.scalars(
            select(ApiLookupMetric).where(
                ApiLookupMetric.source == "tmdb",
                ApiLookupMetric.target_identifier == truth.imdb_id,
            )
        ).all()
    assert len(again) == len(tmdb_rows)  # no /find again
