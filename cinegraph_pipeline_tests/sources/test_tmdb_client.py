"""TmdbClient against a local server: every failure mode, and exactly the right rows."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.http.limits import BreakerState
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder

from .conftest import (
    TMDB_KEY,
    TMDB_TOKEN,
    Rows,
    SleepLog,
    assert_no_secret,
    fast_options,
    fixture_text,
)
from .localserver import Canned, LocalServer, unused_port

FIND = "/3/find/tt0936501"
DETAILS = "/3/movie/550"
SEARCH = "/3/search/movie"


def body(*parts: str) -> dict[str, Any]:
    return json.loads(fixture_text(*parts))


TAKEN = body("flexget", "tmdb_2017", "find_tt0936501_external_source_imdb_id.json")
EMPTY_FIND = {"movie_results": [], "person_results": [], "tv_results": []}
RATE_LIMITED = {"status_code": 25, "status_message": "Your request count is over the limit."}


def tmdb(server: LocalServer, recorder: MetricsRecorder, **options: Any) -> TmdbClient:
    key = options.pop("api_key", TMDB_KEY)
    token = options.pop("api_token", None)
    return TmdbClient(
        fast_options(server.url("/3"), **options), recorder, api_key=key, api_token=token
    )


def test_find_success_one_row(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(FIND, Canned(200, TAKEN))
    client = tmdb(server, recorder, cost_per_call_usd=0.001)
    hits = client.find_by_imdb_id("tt0936501")
    assert [(h.tmdb_id, h.title, h.year) for h in hits] == [(8681, "Taken", 2008)]
    (seen,) = server.requests_to(FIND)
    assert seen.query["external_source"] == ["imdb_id"]
    assert seen.query["api_key"] == [TMDB_KEY]
    row = rows.only()
    assert row["source"] == "tmdb" and row["operation"] == "find"
    assert row["target_identifier"] == "tt0936501"
    assert (row["success"], row["error_type"], row["cached"]) == (True, None, False)
    assert row["fallback_level"] == 1 and row["cost_usd"] == 0.001
    assert row["metadata"] == {"festival": "cannes", "partition": "cannes|2016", "run_id": "run-1"}
    assert row["response_time_ms"] >= 0


def test_empty_find_is_an_empty_list_and_a_not_found_row(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, EMPTY_FIND))
    assert tmdb(server, recorder).find_by_imdb_id("tt0936501") == []
    row = rows.only()
    assert (row["success"], row["error_type"]) == (True, "not_found")


def test_bearer_token_instead_of_key(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    tmdb(server, recorder, api_key=None, api_token=TMDB_TOKEN).find_by_imdb_id("tt0936501")
    (seen,) = server.requests_to(FIND)
    assert seen.headers["Authorization"] == f"Bearer {TMDB_TOKEN}"
    assert "api_key" not in seen.query
    assert_no_secret(rows)


def test_token_wins_when_both_credentials_are_set(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    tmdb(server, recorder, api_key=TMDB_KEY, api_token=TMDB_TOKEN).find_by_imdb_id("tt0936501")
    (seen,) = server.requests_to(FIND)
    assert seen.headers["Authorization"] == f"Bearer {TMDB_TOKEN}"
    assert "api_key" not in seen.query


def test_search_sends_the_real_parameters(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(
        SEARCH, Canned(200, body("flexget", "tmdb_2017", "search_movie_query_the_matrix.json"))
    )
    hits = tmdb(server, recorder).search_movie(
        "  The   Matrix ", year=1999, primary_release_year=1999, page=2, fallback_level=2
    )
    assert hits[0].tmdb_id == 603
    (seen,) = server.requests_to(SEARCH)
    assert seen.query["query"] == ["The Matrix"]
    assert (seen.query["year"], seen.query["primary_release_year"], seen.query["page"]) == (
        ["1999"],
        ["1999"],
        ["2"],
    )
    row = rows.only()
    assert (row["operation"], row["target_identifier"], row["fallback_level"]) == (
        "search",
        "The Matrix (1999)",
        2,
    )


def test_details_asks_everything_in_one_call(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(DETAILS, Canned(200, body("tmdb-api", "movie-details.json")))
    movie = tmdb(server, recorder).movie_details(550, fallback_level=3, confidence=0.74)
    assert movie.imdb_id == "tt0137523"
    (seen,) = server.requests_to(DETAILS)
    assert seen.query["append_to_response"] == [
        "credits,external_ids,alternative_titles,release_dates"
    ]
    row = rows.only()
    assert (row["operation"], row["target_identifier"]) == ("details", "550")
    assert (row["confidence_score"], row["fallback_level"]) == (0.74, 3)


def test_429_with_retry_after_is_honoured(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, sleeps: SleepLog
) -> None:
    server.add(FIND, Canned(429, RATE_LIMITED, {"Retry-After": "7"}), Canned(200, TAKEN))
    hits = tmdb(server, recorder, sleep=sleeps).find_by_imdb_id("tt0936501")
    assert hits and len(server.requests_to(FIND)) == 2
    assert sleeps == [7.0]
    row = rows.only()
    assert row["success"] is True and row["metadata"]["retries"] == 1
    assert row["response_time_ms"] < 7000  # the wait is not the service's latency


def test_429_without_retry_after_backs_off_then_is_rate_limit(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, sleeps: SleepLog
) -> None:
    server.add(FIND, Canned(429, RATE_LIMITED))
    client = tmdb(server, recorder, sleep=sleeps, max_retries=3, backoff_base_seconds=1.0,
                  backoff_max_seconds=3.0)  # fmt: skip
    with pytest.raises(SourceError) as caught:
        client.find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.RATE_LIMIT
    assert len(server.requests_to(FIND)) == 4
    assert len(sleeps) == 3
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0
    row = rows.only()
    assert (row["success"], row["error_type"]) == (False, "rate_limit")
    assert row["metadata"]["retries"] == 3 and row["metadata"]["http_status"] == 429
    assert "over the limit" in row["error_message"]


def test_too_long_retry_after_is_not_waited_for(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, sleeps: SleepLog
) -> None:
    server.add(FIND, Canned(429, RATE_LIMITED, {"Retry-After": "3600"}))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder, sleep=sleeps).find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.RATE_LIMIT
    assert caught.value.retry_after == 3600
    assert sleeps == [] and len(server.requests_to(FIND)) == 1
    assert rows.only()["error_type"] == "rate_limit"


def test_500_then_503_then_success(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(500, b"oops"), Canned(503, b"busy"), Canned(200, TAKEN))
    assert tmdb(server, recorder).find_by_imdb_id("tt0936501")
    row = rows.only()
    assert row["success"] is True and row["metadata"]["retries"] == 2


def test_persistent_5xx(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(FIND, Canned(502, b"<html>bad gateway</html>"))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder).find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.HTTP_5XX
    assert len(server.requests_to(FIND)) == 3
    assert rows.only()["error_type"] == "http_5xx"


def test_read_timeout(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(FIND, Canned(200, TAKEN, delay=0.5))
    client = tmdb(server, recorder, read_timeout_seconds=0.1, max_retries=1)
    with pytest.raises(SourceError) as caught:
        client.find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.TIMEOUT
    assert len(server.requests_to(FIND)) == 2
    row = rows.only()
    assert (row["success"], row["error_type"], row["metadata"]["retries"]) == (False, "timeout", 1)


def test_timeout_then_success(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(FIND, Canned(200, TAKEN, delay=0.5), Canned(200, TAKEN))
    assert tmdb(server, recorder, read_timeout_seconds=0.1).find_by_imdb_id("tt0936501")
    assert rows.only()["metadata"]["retries"] == 1


def test_connection_refused(
    recorder: MetricsRecorder, rows: Rows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = unused_port()
    client = TmdbClient(fast_options(f"http://127.0.0.1:{port}/3"), recorder, api_key=TMDB_KEY)
    with pytest.raises(SourceError) as caught:
        client.find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.NETWORK
    row = rows.only()
    assert (row["success"], row["error_type"], row["metadata"]["retries"]) == (False, "network", 2)
    # requests puts the whole URL, api_key included, in its exception text
    assert "api_key=REDACTED" in row["error_message"]
    assert_no_secret(rows, caught.value, caplog.text)


def test_truncated_json_is_a_parse_error_not_retried(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, b'{"movie_results": [{"id": 8681, "title": "Tak'))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder).find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert len(server.requests_to(FIND)) == 1
    assert rows.only()["error_type"] == "parse_error"


def test_body_cut_short_is_a_network_error(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, TAKEN, cut_short=True))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder, max_retries=0).find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.NETWORK
    assert rows.only()["error_type"] == "network"


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_oversized_body_is_a_parse_error(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, declared: bool
) -> None:
    server.add(DETAILS, Canned(200, b" " * (3 * 1024 * 1024), no_length=not declared))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder, max_body_bytes=1024 * 1024).movie_details(550)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert len(server.requests_to(DETAILS)) == 1
    assert rows.only()["error_type"] == "parse_error"


def test_bad_key_code_7_is_auth_naming_the_variables(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(401, body("tmdb-api", "invalid-api-key.json")))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder).find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.AUTH
    assert "TMDB_API_KEY" in caught.value.message and "TMDB_API_TOKEN" in caught.value.message
    assert len(server.requests_to(FIND)) == 1
    row = rows.only()
    assert (row["success"], row["error_type"]) == (False, "auth")


def test_no_credentials_is_auth_without_calling(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder, api_key=None).movie_details(550)
    assert caught.value.error_type is ErrorType.AUTH and "TMDB_API_KEY" in caught.value.message
    assert server.seen == []
    assert rows.only()["error_type"] == "auth"


def test_details_code_34_is_not_found_and_a_successful_row(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add("/3/movie/999999999", Canned(404, body("tmdb-api", "resource-not-found.json")))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder).movie_details(999999999)
    assert caught.value.error_type is ErrorType.NOT_FOUND
    row = rows.only()
    assert (row["success"], row["error_type"]) == (True, "not_found")


def test_memo_fetches_once_per_run(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    server.add("/3/find/tt0000001", Canned(200, EMPTY_FIND))
    server.add("/3/movie/1", Canned(404, body("tmdb-api", "resource-not-found.json")))
    client = tmdb(server, recorder)
    first = client.find_by_imdb_id("tt0936501")
    assert client.find_by_imdb_id("tt0936501", fallback_level=1) == first
    assert client.find_by_imdb_id("tt0000001") == client.find_by_imdb_id("tt0000001")
    for _ in range(2):
        with pytest.raises(SourceError):
            client.movie_details(1)
    assert len(server.seen) == 3
    assert len(rows) == 6
    replays = [r for r in rows if r["cached"]]
    assert len(replays) == 3
    assert all(r["metadata"]["cache"] == "run" and r["cost_usd"] == 0 for r in replays)
    assert [r["error_type"] for r in replays] == [None, "not_found", "not_found"]


def test_transient_errors_are_not_memoised(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(503, b""), Canned(503, b""), Canned(503, b""), Canned(200, TAKEN))
    client = tmdb(server, recorder)
    with pytest.raises(SourceError):
        client.find_by_imdb_id("tt0936501")
    assert client.find_by_imdb_id("tt0936501")
    assert [r["error_type"] for r in rows] == ["http_5xx", None]


def test_http_cache_hit_is_cached_with_no_cost_and_no_key_stored(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    server.add("/3/find/tt0000001", Canned(200, EMPTY_FIND))
    options = {"cache_backend": "sqlite", "cache_dir": str(tmp_path), "cost_per_call_usd": 0.01}
    with tmdb(server, recorder, **options) as first_run:
        first_run.find_by_imdb_id("tt0936501")
        first_run.find_by_imdb_id("tt0000001")
    # a later run (fresh memo), with ANOTHER key: the key is not part of the cache key
    with tmdb(server, recorder, api_key="anotherKEY0000", **options) as second_run:
        assert second_run.find_by_imdb_id("tt0936501")[0].tmdb_id == 8681
        assert second_run.find_by_imdb_id("tt0000001") == []
    assert len(server.requests_to(FIND)) == 1  # served from the cache the second time
    assert len(server.requests_to("/3/find/tt0000001")) == 2  # empty answers are not cached
    hit = rows[2]
    assert (hit["cached"], hit["cost_usd"], hit["success"]) == (True, 0.0, True)
    assert hit["metadata"]["cache"] == "http"
    assert rows[0]["cost_usd"] == 0.01
    cache_files = list(tmp_path.glob("*.sqlite*"))
    stored = b"".join(f.read_bytes() for f in cache_files)
    assert b"tt0936501" in stored  # the cache holds the request...
    assert TMDB_KEY.encode() not in stored and b"anotherKEY0000" not in stored


def test_bearer_token_is_not_stored_in_the_cache(
    server: LocalServer, recorder: MetricsRecorder, tmp_path: Path
) -> None:
    server.add(FIND, Canned(200, TAKEN))
    with tmdb(server, recorder, api_key=None, api_token=TMDB_TOKEN, cache_backend="sqlite",
              cache_dir=str(tmp_path)) as client:  # fmt: skip
        client.find_by_imdb_id("tt0936501")
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("*.sqlite*"))
    assert stored and TMDB_TOKEN.encode() not in stored


def test_circuit_breaker_opens_then_closes(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(FIND, Canned(503, b""))
    client = tmdb(server, recorder, max_retries=0, circuit_failure_threshold=3,
                  circuit_cooldown_seconds=0.3)  # fmt: skip
    for _ in range(3):
        with pytest.raises(SourceError) as caught:
            client.find_by_imdb_id("tt0936501")
        assert caught.value.error_type is ErrorType.HTTP_5XX
    assert client.breaker is not None and client.breaker.state is BreakerState.OPEN
    with pytest.raises(SourceError) as caught:
        client.find_by_imdb_id("tt0936501")
    assert caught.value.error_type is ErrorType.CIRCUIT_OPEN
    assert len(server.requests_to(FIND)) == 3  # the open circuit did not call
    assert [r["error_type"] for r in rows] == ["http_5xx"] * 3 + ["circuit_open"]
    assert rows[-1]["success"] is False and rows[-1]["cost_usd"] == 0

    time.sleep(0.35)
    server.add(FIND, Canned(200, TAKEN))
    assert client.find_by_imdb_id("tt0936501")  # the probe succeeds
    assert client.breaker.state is BreakerState.CLOSED
    assert rows[-1]["success"] is True and len(rows) == 5


def test_not_found_and_auth_do_not_open_the_circuit(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    server.add(FIND, Canned(200, EMPTY_FIND))
    client = tmdb(server, recorder, circuit_failure_threshold=1)
    for _ in range(3):
        client._tracker.memo.clear()
        assert client.find_by_imdb_id("tt0936501") == []
    assert client.breaker is not None and client.breaker.state is BreakerState.CLOSED


def test_rate_limit_holds_across_threads(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    for n in range(24):
        server.add(f"/3/find/tt{n:07d}", Canned(200, TAKEN))
    client = tmdb(server, recorder, requests_per_second=40, rate_limit_burst=1)

    def worker(offset: int) -> None:
        for n in range(offset, 24, 4):
            client.find_by_imdb_id(f"tt{n:07d}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert len(rows) == 24 and all(r["success"] for r in rows)
    assert elapsed >= 23 / 40 * 0.95, f"24 calls at 40/s took only {elapsed:.3f}s"
    stamps = sorted(s.at for s in server.seen)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert sum(gaps) / len(gaps) >= 1 / 40 * 0.9


def test_keys_never_reach_rows_or_logs(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.add(FIND, Canned(500, {"status_message": f"echo api_key={TMDB_KEY}"}))
    server.add(DETAILS, Canned(401, body("tmdb-api", "invalid-api-key.json")))
    client = tmdb(server, recorder)
    for call in (lambda: client.find_by_imdb_id("tt0936501"), lambda: client.movie_details(550)):
        with pytest.raises(SourceError) as caught:
            call()
        assert_no_secret(caught.value, caught.value.message)
    assert len(rows) == 2
    assert_no_secret(rows, caplog.text)


def test_a_broken_recorder_does_not_break_the_lookup(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def record(self, **fields: Any) -> None:
            raise RuntimeError("metrics store down")

    server.add(FIND, Canned(200, TAKEN))
    client = TmdbClient(fast_options(server.url("/3")), Broken(), api_key=TMDB_KEY)
    assert client.find_by_imdb_id("tt0936501")[0].tmdb_id == 8681
    assert "could not record a row: RuntimeError: metrics store down" in caplog.text


def test_movie_by_imdb_id_asks_everything_in_one_call(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add("/3/movie/tt0137523", Canned(200, body("tmdb-api", "movie-details.json")))
    movie = tmdb(server, recorder).movie_by_imdb_id("tt0137523")
    assert (movie.tmdb_id, movie.imdb_id) == (550, "tt0137523")
    (seen,) = server.requests_to("/3/movie/tt0137523")
    assert seen.query["append_to_response"] == [
        "credits,external_ids,alternative_titles,release_dates"
    ]
    row = rows.only()
    assert (row["operation"], row["target_identifier"], row["fallback_level"]) == (
        "details",
        "tt0137523",
        1,
    )


def test_movie_by_imdb_id_code_34_is_not_found(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add("/3/movie/tt0000001", Canned(404, body("tmdb-api", "resource-not-found.json")))
    with pytest.raises(SourceError) as caught:
        tmdb(server, recorder).movie_by_imdb_id("tt0000001")
    assert caught.value.error_type is ErrorType.NOT_FOUND
    assert (rows.only()["success"], rows.only()["error_type"]) == (True, "not_found")
