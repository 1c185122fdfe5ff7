"""No API key anywhere: not in the film database, the metrics, the logs, the HTTP cache, the
files under DAGSTER_HOME, nor Dagster's event log and run records.

Three runs with long random keys that the sandbox accepts (and one it does not), configured
as the code location configures them (`dg.EnvVar`), with DEBUG logging on and faults that
make error messages (timeouts, 5xx, a refused connection whose message names the URL with
its query string, a rejected key):
- cannes|2016 with TMDB_API_KEY (a query parameter), OMDB_API_KEY and ZYTE_API_KEY (IMDb
  pages through Zyte, HTTP Basic auth);
- cannes|2018 with TMDB_API_TOKEN (a Bearer header) and OMDb unreachable;
- cannes|2014 with a TMDb key the sandbox refuses (the run fails, naming the variable).
"""

from __future__ import annotations

import base64
import logging
import os
import socket
import uuid
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import MetaData, create_engine, select

from cinegraph_pipeline import config
from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.storage.engine import shared_engine
from cinegraph_pipeline.storage.resource import DatabaseResource

from .support import metric_rows

FAST = {
    "connect_timeout_seconds": 1.0,
    "read_timeout_seconds": 1.0,
    "max_retries": 2,
    "backoff_base_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "circuit_cooldown_seconds": 0.2,
    "requests_per_second": 0.0,
}


def _env_resources() -> dict[str, Any]:
    """The code location's resources (keys read through `dg.EnvVar` when a step builds its
    client), with short timeouts."""
    return {
        "tmdb": TmdbResource(
            base_url=dg.EnvVar(config.TMDB_BASE_URL_VAR),
            **FAST,
        ),
        "omdb": OmdbResource(
            base_url=dg.EnvVar(config.OMDB_BASE_URL_VAR),
            **FAST,
        ),
        "imdb": ImdbResource(
            base_url=dg.EnvVar(config.IMDB_BASE_URL_VAR),
            zyte_api_url=dg.EnvVar(config.ZYTE_API_URL_VAR),
            zyte_requests_per_second=0.0,
            **FAST,
        ),
        "imdb_graphql": ImdbGraphqlResource(
            base_url=dg.EnvVar(config.IMDB_GRAPHQL_URL_VAR), **FAST
        ),
        "database": DatabaseResource(),
        EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=DatabaseResource()),
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _all_rows(database_url: str) -> str:
    """Every value of every table of the film database, as text."""
    engine = create_engine(database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.append(repr(tuple(row)))
    engine.dispose()
    assert parts, "the film database is empty"
    return "\n".join(parts)


def _files_under(home: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in home.rglob("*") if path.is_file()}


@pytest.mark.slow
def test_no_key_is_stored_or_logged_anywhere(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    tmdb_key = f"tmdb-key-{uuid.uuid4()}"
    tmdb_token = f"tmdb-token-{uuid.uuid4()}"
    omdb_key = f"omdb-key-{uuid.uuid4()}"
    zyte_key = f"zyte-key-{uuid.uuid4()}"
    revoked_key = f"tmdb-key-{uuid.uuid4()}"
    secrets = {
        "tmdb key": tmdb_key,
        "tmdb token": tmdb_token,
        "omdb key": omdb_key,
        "zyte key": zyte_key,
        "revoked key": revoked_key,
        "zyte basic auth": base64.b64encode(f"{zyte_key}:".encode()).decode(),
    }
    home = Path(os.environ["DAGSTER_HOME"])
    database_url = config.database_url()
    caplog.set_level(logging.DEBUG)
    faults = Faults(
        tmdb_5xx_share=0.1,
        omdb_5xx_share=0.1,
        zyte_5xx_share=0.1,
        graphql_5xx_share=1.0,  # GraphQL down: IMDb's pages come through Zyte and its key
        slow_share=0.05,
        slow_delay_ms=2500.0,
    )
    sandbox_config = SandboxConfig(
        faults=faults, accepted_keys=(tmdb_key, tmdb_token, omdb_key, zyte_key)
    )
    run_ids: list[str] = []
    with SandboxServer(sandbox_config) as sandbox, dg.DagsterInstance.get() as instance:
        env = sandbox.env()
        for name in (
            "TMDB_BASE_URL",
            "OMDB_BASE_URL",
            "IMDB_BASE_URL",
            "IMDB_GRAPHQL_URL",
            "ZYTE_API_URL",
        ):
            monkeypatch.setenv(name, env[name])

        def run(partition: str) -> dg.ExecuteInProcessResult:
            result = dg.materialize(
                FESTIVAL_IMPORT_ASSETS,
                partition_key=partition,
                resources=_env_resources(),
                instance=instance,
                raise_on_error=False,
            )
            run_ids.append(result.run_id)
            return result

        monkeypatch.setenv("TMDB_API_KEY", tmdb_key)
        monkeypatch.setenv("OMDB_API_KEY", omdb_key)
        monkeypatch.setenv("ZYTE_API_KEY", zyte_key)
        assert run("cannes|2016").success

        # TMDb answers every call this time, so that the films it does not know surely
        # reach OMDb, whose refused connection names the URL with its `apikey`.
        sandbox.set_faults(tmdb_5xx_share=0.0, slow_share=0.0)
        monkeypatch.delenv("TMDB_API_KEY")
        monkeypatch.delenv("ZYTE_API_KEY")
        monkeypatch.setenv("TMDB_API_TOKEN", tmdb_token)
        monkeypatch.setenv("OMDB_BASE_URL", f"http://127.0.0.1:{_closed_port()}/")
        assert run("cannes|2018").success

        monkeypatch.delenv("TMDB_API_TOKEN")
        monkeypatch.setenv("TMDB_API_KEY", revoked_key)
        refused = run("cannes|2014")
        assert not refused.success

        served = sandbox.stats()
        events = {
            run_id: [dg.serialize_value(event) for event in instance.all_logs(run_id)]
            for run_id in run_ids
        }
        runs = [dg.serialize_value(instance.get_run_by_id(run_id)) for run_id in run_ids]

    # The keys were used, and the failures whose messages could carry them happened.
    rows = metric_rows(shared_engine(database_url))
    assert any(r["source"] == "tmdb" and r["success"] for r in rows)
    assert any(r["source"] == "omdb" and r["success"] for r in rows)
    assert any(r["metadata"].get("via") == "zyte" and r["success"] for r in rows)
    assert any(r["source"] == "omdb" and r["error_type"] == "network" for r in rows)
    assert served["outcomes"].get("http_5xx") or served["faults"].get("slow")
    tmdb_routes = [
        counts for route, counts in served["routes"].items() if route.startswith("tmdb.")
    ]
    assert any(counts.get("auth") for counts in tmdb_routes), "the revoked key was not refused"
    failure = "\n".join(e for e in events[run_ids[-1]] if "STEP_FAILURE" in e)
    assert "TMDB_API_KEY" in failure

    haystacks: dict[str, str | bytes] = {
        "film database": _all_rows(database_url),
        "logs": caplog.text,
        "captured output": "".join(capfd.readouterr()),
        **{f"event log of run {i}": "\n".join(e) for i, e in enumerate(events.values())},
        **{f"run record {i}": text for i, text in enumerate(runs)},
    }
    files = _files_under(home)
    assert any(p.suffix == ".sqlite" and "http_cache" in p.parts for p in files)
    haystacks.update({f"file {p.relative_to(home)}": data for p, data in files.items()})
    leaks = [
        f"{what} in {where}"
        for where, text in haystacks.items()
        for what, secret in secrets.items()
        if (secret.encode() if isinstance(text, bytes) else secret) in text
    ]
    assert not leaks, leaks
