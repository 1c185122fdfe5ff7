"""The sandbox, started in process, with the pipeline pointed at it through the environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, select

from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.models import FestivalNomination, Movie

# Films of every kind (TMDb, OMDb only, IMDb page only, nowhere) in the sandbox's data.
MIXED_EDITION = "cannes|2011"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    sandbox_server.reset()
    for name, value in sandbox_server.env().items():
        monkeypatch.setenv(name, value)
    return sandbox_server


@pytest.fixture
def film_db(sandbox: SandboxServer, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CINEGRAPH_DATABASE_URL", sqlite_url)
    return sqlite_url


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of the two film tables, all columns, in a stable order."""
    with engine.connect() as conn:
        movies = [
            dict(r)
            for r in conn.execute(select(Movie.__table__).order_by(Movie.imdb_id)).mappings()
        ]
        nominations = [
            dict(r)
            for r in conn.execute(
                select(FestivalNomination.__table__).order_by(FestivalNomination.id)
            ).mappings()
        ]
    return {"movies": movies, "nominations": nominations}


def engine_for(url: str) -> Engine:
    return create_database_engine(url)


def run_edition(
    instance: dg.DagsterInstance, partition: str = MIXED_EDITION
) -> dg.ExecuteInProcessResult:
    """One run of the edition's `festival_import` assets with the code location's
    resources, failing or not."""
    return dg.materialize(
        FESTIVAL_IMPORT_ASSETS,
        partition_key=partition,
        instance=instance,
        resources=build_resources(),
        raise_on_error=False,
    )
