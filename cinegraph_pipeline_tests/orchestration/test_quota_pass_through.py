"""A spent OMDb quota is no reason to wait: on a sandbox whose OMDb allows 10 requests, an
edition of 50 films TMDb does not know (OMDb and the IMDb page do) finishes in one run, the
films past the quota resolved by the IMDb stage, nothing deferred."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dagster as dg
from sqlalchemy import select
from sqlalchemy.orm import Session

from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.sandbox import Difficulty, Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.settings import SyntheticEdition
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.storage.models import ApiLookupMetric, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline_tests.orchestration.conftest import engine_for

LOCARNO_EVENT_ID = "ev0000400"
FILMS = 50
OMDB_QUOTA = 10


def test_films_past_omdbs_quota_go_on_to_imdb_in_the_same_run(
    tmp_path: Path, sqlite_url: str
) -> None:
    every_film_needs_omdb = Difficulty(
        omdb_only_share=1.0, imdb_only_share=0.0, nowhere_share=0.0, omdb_missing_share=0.0
    )
    config = SandboxConfig(
        difficulty=every_film_needs_omdb,
        faults=Faults(omdb_daily_limit=OMDB_QUOTA),
        synthetic_editions=(SyntheticEdition(LOCARNO_EVENT_ID, 2001, FILMS, salt="quota"),),
    )
    common = {"cache_dir": str(tmp_path / "http_cache"), "requests_per_second": 0.0}
    with SandboxServer(config) as sandbox, dg.instance_for_test() as instance:
        env = sandbox.env()
        resources = {
            "tmdb": TmdbResource(
                api_key=env["TMDB_API_KEY"], base_url=env["TMDB_BASE_URL"], **common
            ),
            "omdb": OmdbResource(
                api_key=env["OMDB_API_KEY"],
                base_url=env["OMDB_BASE_URL"],
                quota_database_url="memory",
                **common,
            ),
            "imdb": ImdbResource(base_url=env["IMDB_BASE_URL"], **common),
            "imdb_graphql": ImdbGraphqlResource(base_url=env["IMDB_GRAPHQL_URL"]),
            "database": DatabaseResource(url=sqlite_url),
            EDITION_STATE_IO_MANAGER: EditionStateIOManager(
                database=DatabaseResource(url=sqlite_url)
            ),
        }
        result = dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key="locarno|2001",
            instance=instance,
            resources=resources,
        )
        assert result.success
        omdb_stage = result.asset_materializations_for_node("edition_omdb_matches")[0].metadata
        served = sandbox.stats()["routes"]

    with Session(engine_for(sqlite_url)) as session:
        movies = list(session.scalars(select(Movie)))
        omdb_errors = Counter(
            session.scalars(
                select(ApiLookupMetric.error_type).where(ApiLookupMetric.source == "omdb")
            )
        )
    assert len(movies) == FILMS
    assert {m.import_type for m in movies} == {"minimal"}  # nothing pending, no stub
    by_source = Counter(m.data_source for m in movies)
    assert by_source["omdb"] <= OMDB_QUOTA and by_source["imdb"] >= FILMS - OMDB_QUOTA
    assert omdb_stage["deferred"].value == 0
    assert omdb_stage["passed_on_quota"].value >= FILMS - OMDB_QUOTA
    assert omdb_errors["quota_exhausted"] >= 1  # the metric rows still say why
    # After OMDb's first "Request limit reached!" the client stops asking for today.
    assert served["omdb.by_id"]["total"] <= OMDB_QUOTA + 8
