"""Fixtures for the source tests: local servers, recorded fixtures by path, recorders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tracking import MetricsRecorder
from cinegraph_pipeline_tests.support.recorded import recorded_bytes, recorded_text

from .localserver import LocalServer

# Keys the tests use: distinctive, so a leak anywhere is found by a plain substring search.
TMDB_KEY = "tmdbSECRETkey0123456789"
TMDB_TOKEN = "fake-TOKENsecret-BEARER-987654321"
OMDB_KEY = "omdbSECRET42"
ZYTE_KEY = "zyteSECRETkey777"
ALL_SECRETS = (TMDB_KEY, TMDB_TOKEN, OMDB_KEY, ZYTE_KEY)


def fixture_bytes(*parts: str) -> bytes:
    """A recorded response from the test tree's `fixtures/` (see its SOURCES.md)."""
    return recorded_bytes(*parts)


def fixture_text(*parts: str) -> str:
    return recorded_text(*parts)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    try:
        yield srv
    finally:
        srv.close()


class Rows(list[dict[str, Any]]):
    """The rows a synchronous MetricsRecorder wrote, with small helpers for assertions."""

    def only(self) -> dict[str, Any]:
        assert len(self) == 1, f"expected exactly one metric row, got {len(self)}: {list(self)}"
        return self[0]


@pytest.fixture
def rows() -> Rows:
    return Rows()


@pytest.fixture
def recorder(rows: Rows) -> Iterator[MetricsRecorder]:
    """Writes every row at once (no flusher thread, batches of one) into `rows`."""
    rec = MetricsRecorder(
        rows.extend,
        context={"festival": "cannes", "partition": "cannes|2016", "run_id": "run-1"},
        batch_size=1,
        flush_interval=0,
    )
    with rec:
        yield rec


class SleepLog(list[float]):
    """A stand-in for time.sleep that only remembers how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


def assert_no_secret(*texts: object) -> None:
    for text in texts:
        rendered = str(text)
        for secret in ALL_SECRETS:
            assert secret not in rendered, f"a key leaked into: {rendered[:300]}"


def fast_options(base_url: str, **overrides: Any) -> HttpOptions:
    """Client options for tests: no pacing, tiny backoffs, short timeouts, no disk cache."""
    values: dict[str, Any] = {
        "base_url": base_url,
        "requests_per_second": 0,
        "max_retries": 2,
        "backoff_base_seconds": 0.001,
        "backoff_max_seconds": 0.01,
        "connect_timeout_seconds": 2.0,
        "read_timeout_seconds": 2.0,
        "cache_backend": "none",
        "circuit_failure_threshold": 50,
    }
    values.update(overrides)
    return HttpOptions(**values)
