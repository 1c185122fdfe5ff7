"""End to end: an edition run launched through the webserver's GraphQL API on the sandbox,
executed by the daemon, with its checks read back over GraphQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster_graphql import DagsterGraphQLClient

from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline_tests.health.dagster_processes import (
    dagster_home,
    dagster_ui,
    wait_for_success,
)

EDITION_CHECKS_QUERY = """
query EditionChecks {
  assetNodes(assetKeys: [{path: ["edition_write"]}]) {
    groupName
    assetChecksOrError {
      __typename
      ... on AssetChecks {
        checks {
          name
          blocking
          executionForLatestMaterialization {
            runId
            status
            evaluation {
              success
              severity
              description
              metadataEntries {
                label
                ... on FloatMetadataEntry { floatValue }
                ... on IntMetadataEntry { intValue }
              }
            }
          }
        }
      }
    }
  }
}
"""


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_an_edition_run_launched_over_graphql_reports_its_checks(tmp_path: Path) -> None:
    home = dagster_home(tmp_path / "dagster_home")
    with SandboxServer(SandboxConfig()) as sandbox:
        env = {**sandbox.env(), "CINEGRAPH_DATABASE_URL": f"sqlite:///{tmp_path / 'films.db'}"}
        with dagster_ui(home, env, tmp_path / "logs") as ui:
            client = DagsterGraphQLClient("127.0.0.1", port_number=ui.port, timeout=30)
            run_id = client.submit_job_execution(
                "festival_import_job", tags={"dagster/partition": "cannes|2016"}
            )
            wait_for_success(ui, client, run_id, timeout=180)
            (node,) = client._execute(EDITION_CHECKS_QUERY)["assetNodes"]
        served = sandbox.stats()

    assert node["groupName"] == "festival_import"
    checks = {c["name"]: c for c in node["assetChecksOrError"]["checks"]}
    assert set(checks) == {
        "stub_share",
        "pending_share",
        "no_lost_nominations",
        "no_lost_metric_rows",
    }
    assert checks["no_lost_nominations"]["blocking"] is False  # nothing downstream to guard
    for name, check in checks.items():
        execution = check["executionForLatestMaterialization"]
        assert execution["runId"] == run_id, name
        assert execution["status"] == "SUCCEEDED", name
        assert execution["evaluation"]["success"] is True
    lost = {
        e["label"]: e.get("intValue")
        for e in checks["no_lost_nominations"]["executionForLatestMaterialization"]["evaluation"][
            "metadataEntries"
        ]
    }
    assert lost["measured"] == 0 and lost["nominations"] > 0
    assert served["routes"]["imdb.graphql"]["ok"] >= 1  # the edition came from GraphQL
