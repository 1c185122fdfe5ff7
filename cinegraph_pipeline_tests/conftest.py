"""Suite-wide fixtures: an isolated DAGSTER_HOME, the film database on SQLite and PostgreSQL.

Nothing heavy is imported here at collection time: the storage layer and the PostgreSQL
support load inside the fixtures that need them, so the quick lane pays for neither."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from cinegraph_pipeline_tests.support.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test sees the developer's keys, database or Dagster home."""
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for name in (
        "CINEGRAPH_DATABASE_URL",
        "TMDB_API_KEY",
        "TMDB_API_TOKEN",
        "OMDB_API_KEY",
        "ZYTE_API_KEY",
        "ZYTE_API_URL",
        "TMDB_BASE_URL",
        "OMDB_BASE_URL",
        "IMDB_BASE_URL",
        "IMDB_GRAPHQL_URL",
        "CINEGRAPH_ALERT_WEBHOOK_URL",
        "CINEGRAPH_EXECUTOR",
        "DAGSTER_PG_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    yield
    engine_module = sys.modules.get("cinegraph_pipeline.storage.engine")
    if engine_module is not None:  # only tests that touched the storage layer have engines
        engine_module.dispose_shared_engines()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    from cinegraph_pipeline_tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.url(postgres_server.create_database())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cinegraph.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """The film database URL, once per backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def migrated_engine(database_url: str) -> Iterator[Engine]:
    from cinegraph_pipeline.storage.engine import create_database_engine
    from cinegraph_pipeline.storage.migrate import upgrade

    engine = create_database_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
