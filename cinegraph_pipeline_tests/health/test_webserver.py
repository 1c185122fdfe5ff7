"""End to end: a real dagster-webserver and daemon run api_health; checks read over GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dagster_graphql import DagsterGraphQLClient

from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.health.dagster_processes import (
    dagster_home,
    dagster_ui,
    wait_for_success,
)
from cinegraph_pipeline_tests.health.rows import metric, tmdb_calls

CHECKS_QUERY = """
query ApiHealthChecks {
  assetNodes(assetKeys: [{path: ["api_health"]}]) {
    groupName
    assetMaterializations(limit: 1) {
      runId
      metadataEntries {
        label
        ... on FloatMetadataEntry { floatValue }
        ... on IntMetadataEntry { intValue }
      }
    }
    assetChecksOrError {
      __typename
      ... on AssetChecks {
        checks {
          name
          executionForLatestMaterialization {
            runId
            status
            evaluation {
              success
              severity
              metadataEntries {
                label
                ... on FloatMetadataEntry { floatValue }
                ... on IntMetadataEntry { intValue }
                ... on TextMetadataEntry { text }
              }
            }
          }
        }
      }
    }
  }
}
"""

HISTORY_QUERY = """
query History($checkName: String!) {
  assetCheckExecutions(assetKey: {path: ["api_health"]}, checkName: $checkName, limit: 5) {
    runId
    status
    evaluation { success severity description }
  }
}
"""


def seed(url: str) -> None:
    engine = create_database_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    rows = tmdb_calls(60, 40, ms=120)
    rows += [metric("omdb", "omdb_by_id", ms=250, target=f"tt{i}") for i in range(30)]
    for row in rows:
        row["inserted_at"] = now
    insert_metrics(engine, rows)
    engine.dispose()


def entries(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["label"]: e.get("floatValue", e.get("intValue", e.get("text"))) for e in items}


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_webserver_runs_api_health_and_serves_its_checks(tmp_path: Path) -> None:
    film_db = f"sqlite:///{tmp_path / 'films.db'}"
    seed(film_db)
    home = dagster_home(tmp_path / "dagster_home")
    env = {"CINEGRAPH_DATABASE_URL": film_db}
    with dagster_ui(home, env, tmp_path / "logs") as ui:
        client = DagsterGraphQLClient("127.0.0.1", port_number=ui.port, timeout=30)
        run_id = client.submit_job_execution("api_health_job")
        wait_for_success(ui, client, run_id, timeout=60)

        (node,) = client._execute(CHECKS_QUERY)["assetNodes"]
        history = client._execute(HISTORY_QUERY, {"checkName": "tmdb_success_rate"})

    assert node["groupName"] == "api_health"
    (materialization,) = node["assetMaterializations"]
    assert materialization["runId"] == run_id
    numbers = entries(materialization["metadataEntries"])
    assert numbers["tmdb_success_rate_24h"] == pytest.approx(0.6)
    assert numbers["calls_24h"] == 130

    assert node["assetChecksOrError"]["__typename"] == "AssetChecks"
    checks = {
        c["name"]: c["executionForLatestMaterialization"]
        for c in node["assetChecksOrError"]["checks"]
    }
    assert len(checks) == 14
    assert all(execution["runId"] == run_id for execution in checks.values())
    # No IMDb or scraper calls: too little data to judge, shown as skipped, not passed.
    for skipped in (
        "imdb_avg_response_time",
        "imdb_match_rate",
        "imdb_attempt_error_rate",
        "festival_scraper_attempt_error_rate",
    ):
        assert checks[skipped]["status"] == "SKIPPED", skipped
        assert checks[skipped]["evaluation"] is None, skipped
    tmdb = checks["tmdb_success_rate"]
    assert tmdb["status"] == "FAILED"
    assert tmdb["evaluation"]["severity"] == "ERROR"
    tmdb_numbers = entries(tmdb["evaluation"]["metadataEntries"])
    assert tmdb_numbers["measured"] == pytest.approx(0.6)
    assert tmdb_numbers["threshold"] == pytest.approx(0.85)
    match = checks["tmdb_match_rate"]
    assert (match["status"], match["evaluation"]["severity"]) == ("FAILED", "WARN")
    for passing in ("omdb_avg_response_time", "cost_per_film", "no_expired_metrics"):
        assert checks[passing]["status"] == "SUCCEEDED", passing
        assert checks[passing]["evaluation"]["success"] is True

    (execution,) = history["assetCheckExecutions"]
    assert execution["runId"] == run_id
    assert "60.0% of the 100 calls that reached it" in execution["evaluation"]["description"]
