"""The Dagster resources: configuration from the environment, clients per run, and the way
the integrator wires a recorder sink and the run's context.

No `from __future__ import annotations` here: Dagster reads the asset's annotations."""

import json
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select

from cinegraph_pipeline import config
from cinegraph_pipeline.sources.imdb import ImdbResource
from cinegraph_pipeline.sources.omdb import OmdbResource
from cinegraph_pipeline.sources.tmdb import TmdbResource
from cinegraph_pipeline.sources.tracking import MetricsRecorder, NullRecorder
from cinegraph_pipeline.storage.engine import shared_engine
from cinegraph_pipeline.storage.models import QuotaCounter

from .conftest import OMDB_KEY, TMDB_KEY, TMDB_TOKEN, ZYTE_KEY, assert_no_secret, fixture_text
from .localserver import Canned, LocalServer

TAKEN = json.loads(
    fixture_text("flexget", "tmdb_2017", "find_tt0936501_external_source_imdb_id.json")
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ("TMDB_API_KEY", "TMDB_API_TOKEN", "OMDB_API_KEY", "ZYTE_API_KEY",
                 "TMDB_BASE_URL", "OMDB_BASE_URL", "IMDB_BASE_URL", "ZYTE_API_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return monkeypatch


def test_defaults_from_mission(clean_env: pytest.MonkeyPatch) -> None:
    tmdb, omdb, imdb = TmdbResource.from_env(), OmdbResource.from_env(), ImdbResource.from_env()
    assert tmdb.base_url == "https://api.themoviedb.org/3" and tmdb.api_key is None
    assert tmdb.requests_per_second == 40
    assert omdb.base_url == "https://www.omdbapi.com/" and omdb.daily_quota == 1000
    assert omdb.cache_ttl_seconds == 90 * 86400
    assert imdb.base_url == "https://www.imdb.com" and imdb.zyte_api_key is None
    assert imdb.zyte_api_url == "https://api.zyte.com/v1/extract"
    assert imdb.cache_ttl_seconds == 86400


def test_from_env_reads_the_mission_names(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TMDB_API_KEY", TMDB_KEY)
    clean_env.setenv("TMDB_API_TOKEN", "  ")  # blank is unset
    clean_env.setenv("TMDB_BASE_URL", "http://127.0.0.1:9/tmdb/3")
    clean_env.setenv("OMDB_API_KEY", OMDB_KEY)
    clean_env.setenv("OMDB_BASE_URL", "http://127.0.0.1:9/omdb/")
    clean_env.setenv("IMDB_BASE_URL", "http://127.0.0.1:9/imdb")
    clean_env.setenv("ZYTE_API_KEY", ZYTE_KEY)
    clean_env.setenv("ZYTE_API_URL", "http://127.0.0.1:9/zyte")
    tmdb = TmdbResource.from_env(requests_per_second=5, cache_backend="none")
    # Keys stay off the resource (its values show in the UI): the client reads them.
    assert (tmdb.api_key, tmdb.api_token, tmdb.base_url) == (
        None,
        None,
        "http://127.0.0.1:9/tmdb/3",
    )
    assert tmdb.requests_per_second == 5  # keyword arguments win
    with tmdb.client(NullRecorder()) as tmdb_client:
        assert tmdb_client._api_key == TMDB_KEY and tmdb_client._api_token is None
    omdb = OmdbResource.from_env(cache_backend="memory", quota_database_url="memory")
    assert (omdb.api_key, omdb.base_url) == (None, "http://127.0.0.1:9/omdb/")
    with omdb.client(NullRecorder()) as omdb_client:
        assert omdb_client._api_key == OMDB_KEY
    imdb = ImdbResource.from_env(cache_backend="memory", quota_database_url="memory")
    assert (imdb.zyte_api_key, imdb.zyte_api_url) == (None, "http://127.0.0.1:9/zyte")
    with imdb.client(NullRecorder()) as client:
        assert client.via == "zyte" and client.zyte.api_key == ZYTE_KEY
    clean_env.delenv("ZYTE_API_KEY")
    with ImdbResource.from_env(cache_backend="none").client(NullRecorder()) as direct:
        assert direct.via == "direct"


def test_the_cache_defaults_under_dagster_home_and_the_quota_in_the_film_database(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "dagster_home"
    with OmdbResource.from_env(api_key=OMDB_KEY).client(NullRecorder()) as client:
        assert client.quota.try_consume()
    assert (home / "http_cache" / "omdb.sqlite").exists()
    assert not (home / "http_cache" / "quota.sqlite").exists()
    engine = shared_engine(config.database_url())
    with engine.connect() as conn:
        assert conn.execute(select(QuotaCounter.used)).scalars().all() == [1.0]


def test_resource_in_a_dagster_asset_with_recorder_context(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """How the integrator wires it: a recorder per step with the partition and run id as
    context, its sink a bulk insert (here a list), and the client built for this run."""
    server = LocalServer()
    server.add("/tmdb/3/find/tt0936501", Canned(200, TAKEN))
    written: list[dict[str, Any]] = []

    @dg.asset
    def tmdb_probe(context: dg.AssetExecutionContext, tmdb: TmdbResource) -> int:
        recorder = MetricsRecorder(
            written.extend,
            context={"festival": "cannes", "partition": "cannes|2008", "run_id": context.run_id},
        )
        with recorder, tmdb.client(recorder) as client:
            return len(client.find_by_imdb_id("tt0936501"))

    resource = TmdbResource(
        api_key=TMDB_KEY,
        base_url=server.url("/tmdb/3"),
        cache_dir=str(tmp_path / "cache"),
    )
    try:
        result = dg.materialize([tmdb_probe], resources={"tmdb": resource})
    finally:
        server.close()
    assert result.success
    assert result.output_for_node("tmdb_probe") == 1
    (row,) = written
    assert row["metadata"]["run_id"] == result.run_id
    assert row["metadata"]["partition"] == "cannes|2008"
    assert (row["source"], row["operation"], row["success"]) == ("tmdb", "find", True)
    assert_no_secret(written)


def test_token_only_resource(clean_env: pytest.MonkeyPatch) -> None:
    server = LocalServer()
    server.add("/3/find/tt0936501", Canned(200, TAKEN))
    resource = TmdbResource(api_token=TMDB_TOKEN, base_url=server.url("/3"), cache_backend="none")
    try:
        with resource.client(NullRecorder()) as client:
            assert client.find_by_imdb_id("tt0936501")
    finally:
        server.close()
    assert server.seen[0].headers["Authorization"] == f"Bearer {TMDB_TOKEN}"
