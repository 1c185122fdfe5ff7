"""What a call's row says happened on the wire: where the answer came from (`origin`), how
many requests it took (`attempts`) and how the failed ones failed (`attempt_errors`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.tracking import MetricsRecorder

from .conftest import Rows
from .localserver import Canned, LocalServer
from .test_imdb_client import MATRIX_PATH, imdb
from .test_omdb_client import LIMIT, omdb
from .test_parse_omdb import MATRIX
from .test_tmdb_client import EMPTY_FIND, FIND, RATE_LIMITED, TAKEN, tmdb


def wire(row: dict) -> tuple[str, int, dict[str, int] | None]:
    return row["origin"], row["attempts"], row["attempt_errors"]


def test_retries_that_win_are_counted_as_failed_attempts(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(500, b"oops"), Canned(503, b"busy"), Canned(200, TAKEN))
    assert tmdb(server, recorder).find_by_imdb_id("tt0936501")
    row = rows.only()
    assert row["success"] is True
    assert wire(row) == ("service", 3, {"http_5xx": 2})
    assert row["response_time_ms"] is not None


def test_rate_limits_and_timeouts_are_attempt_errors(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(
        FIND,
        Canned(429, RATE_LIMITED),
        Canned(200, TAKEN, delay=0.5),
        Canned(200, TAKEN),
    )
    client = tmdb(server, recorder, read_timeout_seconds=0.1)
    assert client.find_by_imdb_id("tt0936501")
    assert wire(rows.only()) == ("service", 3, {"rate_limit": 1, "timeout": 1})


def test_a_call_whose_attempts_all_failed_counts_each(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(502, b"bad gateway"))
    with pytest.raises(SourceError):
        tmdb(server, recorder).find_by_imdb_id("tt0936501")
    assert wire(rows.only()) == ("service", 3, {"http_5xx": 3})


def test_a_clean_call_has_one_attempt_and_no_attempt_errors(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, EMPTY_FIND))
    assert tmdb(server, recorder).find_by_imdb_id("tt0936501") == []
    row = rows.only()
    assert (row["error_type"], *wire(row)) == ("not_found", "service", 1, None)


def test_a_waf_block_judged_by_the_client_is_a_failed_attempt(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(MATRIX_PATH, Canned(202, b"", {"x-amzn-waf-action": "challenge"}))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder).title_page("tt0133093")
    assert caught.value.error_type is ErrorType.BLOCKED
    assert wire(rows.only()) == ("service", 1, {"blocked": 1})


def test_run_replays_did_not_reach_the_service(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    client = tmdb(server, recorder)
    client.find_by_imdb_id("tt0936501")
    client.find_by_imdb_id("tt0936501")
    first, replay = rows
    assert wire(first) == ("service", 1, None)
    assert wire(replay) == ("replay", 0, None)
    # No response time for an answer the service did not give: averages never see 0 ms.
    assert replay["response_time_ms"] is None and replay["cached"] is True


def test_http_cache_hits_did_not_reach_the_service(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    options = {"cache_backend": "sqlite", "cache_dir": str(tmp_path)}
    for _ in range(2):
        with tmdb(server, recorder, **options) as client:
            client.find_by_imdb_id("tt0936501")
    assert len(server.requests_to(FIND)) == 1
    assert wire(rows[0]) == ("service", 1, None)
    assert wire(rows[1]) == ("http_cache", 0, None)
    assert rows[1]["response_time_ms"] is None


def test_a_spent_quota_is_a_local_refusal(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add("/", Canned(200, MATRIX))
    client = omdb(server, recorder, daily_quota=1)
    client.by_imdb_id("tt0000001")
    with pytest.raises(SourceError) as caught:
        client.by_imdb_id("tt0000002")
    assert caught.value.error_type is ErrorType.QUOTA_EXHAUSTED
    assert len(server.seen) == 1
    assert wire(rows[0]) == ("service", 1, None)
    assert wire(rows[1]) == ("refused", 0, None)
    assert rows[1]["response_time_ms"] is None


def test_the_services_own_limit_answer_reached_the_service(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    """OMDb's "Request limit reached!" is the service answering; the next call is refused
    here without asking."""
    server.add("/", Canned(401, LIMIT))
    client = omdb(server, recorder)
    for imdb_id in ("tt0000001", "tt0000002"):
        with pytest.raises(SourceError):
            client.by_imdb_id(imdb_id)
    assert [r["origin"] for r in rows] == ["service", "refused"]
    assert [r["attempts"] for r in rows] == [1, 0]


def test_an_open_circuit_is_a_local_refusal(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(503, b""))
    client = tmdb(server, recorder, max_retries=0, circuit_failure_threshold=2,
                  circuit_cooldown_seconds=30)  # fmt: skip
    for _ in range(3):
        with pytest.raises(SourceError):
            client.find_by_imdb_id("tt0936501")
    assert [wire(r) for r in rows] == [
        ("service", 1, {"http_5xx": 1}),
        ("service", 1, {"http_5xx": 1}),
        ("refused", 0, None),
    ]
    assert rows[-1]["error_type"] == "circuit_open"
