"""api_health tells the wire's truth, measured against the sandbox: the requests it failed,
the answers the cache gave, the calls the client refused itself. Real clients over HTTP on
127.0.0.1, the metrics written to SQLite or PostgreSQL, `api_health` materialized by Dagster.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from cinegraph_pipeline.assets.api_health import api_health
from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.settings import Faults, SyntheticEdition
from cinegraph_pipeline.sources.errors import SourceError
from cinegraph_pipeline.sources.http.limits import MemoryQuotaStore
from cinegraph_pipeline.sources.omdb.client import OmdbClient
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder, NullRecorder
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import insert_metrics
from cinegraph_pipeline_tests.resilience.support import fast_resources, materialize_edition

SANDBOX_KEY = "sandbox"
EDITION_OF_120_FILMS = SyntheticEdition("ev0000400", 2001, 120, salt="health")


@pytest.fixture
def engine_url(database_url: str) -> Iterator[str]:
    engine = create_database_engine(database_url)
    upgrade(engine)
    engine.dispose()
    yield database_url


def health(url: str, **config: Any) -> tuple[dict[str, Any], dict[str, dg.AssetCheckEvaluation]]:
    result = dg.materialize(
        [api_health],
        resources={"database": DatabaseResource(url=url)},
        run_config={"ops": {"api_health": {"config": config}}},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("api_health")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    return metadata, {e.check_name: e for e in result.get_asset_check_evaluations()}


def recorder_into(url: str) -> MetricsRecorder:
    engine = create_database_engine(url)
    return MetricsRecorder(lambda rows: insert_metrics(engine, rows), flush_interval=0)


def options(base_url: str, tmp_path: Path, **overrides: Any) -> HttpOptions:
    values: dict[str, Any] = {
        "base_url": base_url,
        "requests_per_second": 0,
        "max_retries": 0,
        "backoff_base_seconds": 0.001,
        "backoff_max_seconds": 0.01,
        "connect_timeout_seconds": 1.0,
        "read_timeout_seconds": 2.0,
        "cache_backend": "sqlite",
        "cache_dir": str(tmp_path / "http_cache"),
        "circuit_failure_threshold": 1000,
    }
    values.update(overrides)
    return HttpOptions(**values)


def tmdb_share(stats: dict[str, Any], outcome: str) -> tuple[int, int]:
    routes = {k: v for k, v in stats["routes"].items() if k.startswith("tmdb.")}
    total = sum(int(route["total"]) for route in routes.values())
    return sum(int(route.get(outcome, 0)) for route in routes.values()), total


@pytest.mark.slow
def test_retries_that_win_show_as_failing_attempts(engine_url: str, tmp_path: Path) -> None:
    """A third of TMDb's requests fail with a 5xx and the retries win: the attempt error
    rate is the sandbox's own count (within 3 points), its WARN check fails, and the success
    rate of the calls stays high."""
    config = SandboxConfig(
        faults=Faults(tmdb_5xx_share=0.3), synthetic_editions=(EDITION_OF_120_FILMS,)
    )
    with SandboxServer(config) as sandbox, dg.DagsterInstance.ephemeral() as instance:
        resources = fast_resources(sandbox.env(), engine_url, tmp_path / "cache", max_retries=6)
        assert materialize_edition("locarno|2001", resources, instance).success
        failed, requests = tmdb_share(sandbox.stats(), "http_5xx")
    assert requests > 200
    counted = failed / requests
    assert 0.2 < counted < 0.4

    metadata, checks = health(engine_url)
    assert metadata["tmdb_attempts_24h"] == requests
    assert metadata["tmdb_attempt_error_rate_24h"] == pytest.approx(counted, abs=0.03)
    assert metadata["tmdb_success_rate_24h"] >= 0.97
    warn = checks["tmdb_attempt_error_rate"]
    assert not warn.passed and warn.severity == dg.AssetCheckSeverity.WARN
    assert checks["tmdb_success_rate"].passed
    tmdb = next(r.data for r in metadata["sources"].records if r.data["Source"] == "TMDb API")
    assert tmdb["Status"] == "degraded" and "http_5xx" in tmdb["failed attempts by type"]


def test_cache_hits_do_not_hide_timeouts(engine_url: str, tmp_path: Path) -> None:
    """90 of 100 TMDb lookups answered from the HTTP cache (filled by an earlier run, not
    recorded here), the other 10 timing out: only those 10 reached TMDb, the success-rate
    check fails at ERROR, and the latency is theirs, not the cache's."""
    with SandboxServer(SandboxConfig()) as sandbox:
        env = sandbox.env()
        known = [
            truth.imdb_id
            for truth in sandbox.catalog.truths(festival_only=False)
            if truth.on_tmdb and truth.tmdb_imdb_id == truth.imdb_id
        ][:100]
        base = env["TMDB_BASE_URL"]
        with TmdbClient(options(base, tmp_path), NullRecorder(), api_key=SANDBOX_KEY) as client:
            for imdb_id in known[:90]:
                assert client.find_by_imdb_id(imdb_id)
        sandbox.set_faults(slow_share=1.0, slow_delay_ms=1500)
        slow = options(base, tmp_path, read_timeout_seconds=0.3)
        with (
            recorder_into(engine_url) as recorder,
            TmdbClient(slow, recorder, api_key=SANDBOX_KEY) as client,
        ):
            for imdb_id in known:
                try:
                    client.find_by_imdb_id(imdb_id)
                except SourceError as exc:
                    assert exc.error_type.value == "timeout"

    metadata, checks = health(engine_url, thresholds={"min_calls": 10})
    assert metadata["tmdb_calls_24h"] == 10
    assert metadata["tmdb_success_rate_24h"] == 0.0
    assert metadata["tmdb_cache_hit_rate_24h"] == pytest.approx(0.9)
    assert metadata["tmdb_avg_ms_24h"] >= 300  # the timeouts' time, not the cache's 0 ms
    failed = checks["tmdb_success_rate"]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR


def test_a_spent_quota_counts_refusals_not_calls(engine_url: str, tmp_path: Path) -> None:
    """OMDb's daily quota runs out after 5 requests: the other 15 lookups are refused by the
    client. `omdb_calls_24h` is what the service received, `omdb_refused_24h` the rest."""
    with SandboxServer(SandboxConfig()) as sandbox:
        env = sandbox.env()
        films = [t.imdb_id for t in sandbox.catalog.truths() if t.on_omdb][:20]
        with (
            recorder_into(engine_url) as recorder,
            OmdbClient(
                options(env["OMDB_BASE_URL"], tmp_path, cache_backend="none"),
                recorder,
                api_key=SANDBOX_KEY,
                daily_quota=5,
                quota_store=MemoryQuotaStore(),
            ) as client,
        ):
            for imdb_id in films:
                try:
                    client.by_imdb_id(imdb_id)
                except SourceError as exc:
                    assert exc.error_type.value == "quota_exhausted"
        received = sum(
            int(route["total"])
            for name, route in sandbox.stats()["routes"].items()
            if name.startswith("omdb.")
        )

    metadata, checks = health(engine_url, thresholds={"min_calls": 5})
    assert received == 5
    assert metadata["omdb_calls_24h"] == 5
    assert metadata["omdb_attempts_24h"] == 5
    assert metadata["omdb_refused_24h"] == 15
    assert metadata["omdb_success_rate_24h"] == 1.0
    omdb = next(r.data for r in metadata["sources"].records if r.data["Source"] == "OMDb API")
    assert omdb["refused"] == "quota_exhausted 15"
    assert omdb["Last 24h (successes / calls)"] == "5/5"
    # Refusals judge nothing: the five requests OMDb received all went through.
    assert checks["omdb_attempt_error_rate"].passed
