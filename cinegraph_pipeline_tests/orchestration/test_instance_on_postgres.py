"""A Dagster instance whose own storage is PostgreSQL (dagster-postgres) runs the assets."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml

from cinegraph_pipeline.assets.film_database import film_database
from cinegraph_pipeline.storage.migrate import head_revision
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline_tests.support.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_materialize_through_a_postgres_instance(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_db = postgres_server.create_database("dagster")
    monkeypatch.setenv("DAGSTER_PG_HOST", "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PG_PORT", str(postgres_server.port))
    monkeypatch.setenv("DAGSTER_PG_USERNAME", postgres_server.user)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "")
    monkeypatch.setenv("DAGSTER_PG_DB", instance_db)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "dagster.postgres.yaml").read_text())
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert config["telemetry"] == {"enabled": False}

    film_db = postgres_server.url(postgres_server.create_database())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize(
            [film_database],
            instance=instance,
            resources={"database": DatabaseResource(url=film_db)},
        )
        assert result.success
        event = instance.get_latest_materialization_event(dg.AssetKey("film_database"))
        assert event is not None
        metadata = event.asset_materialization.metadata
        assert metadata["movies"].value == 0
        assert metadata["schema_revision"].value == head_revision()
