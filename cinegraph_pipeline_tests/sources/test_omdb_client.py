"""OmdbClient against a local server: Response/Error mapping, daily quota, cache, keys."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.http.limits import MemoryQuotaStore
from cinegraph_pipeline.sources.omdb.client import OmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder
from cinegraph_pipeline.storage.engine import create_database_engine, shared_engine
from cinegraph_pipeline.storage.quota_counters import DatabaseQuotaStore

from .conftest import OMDB_KEY, Rows, assert_no_secret, fast_options
from .localserver import Canned, LocalServer, unused_port
from .test_parse_omdb import MATRIX

NOT_FOUND = {"Response": "False", "Error": "Movie not found!"}
BAD_ID = {"Response": "False", "Error": "Incorrect IMDb ID."}
BAD_KEY = {"Response": "False", "Error": "Invalid API key!"}
NO_KEY = {"Response": "False", "Error": "No API key provided."}
LIMIT = {"Response": "False", "Error": "Request limit reached!"}


def omdb(server: LocalServer, recorder: MetricsRecorder, **options: Any) -> OmdbClient:
    key = options.pop("api_key", OMDB_KEY)
    quota = options.pop("daily_quota", 1000)
    store = options.pop("quota_store", None) or MemoryQuotaStore()
    return OmdbClient(
        fast_options(server.url("/"), **options),
        recorder,
        api_key=key,
        daily_quota=quota,
        quota_store=store,
    )


def test_by_imdb_id(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add("/", Canned(200, MATRIX))
    record = omdb(server, recorder, cost_per_call_usd=0.0001).by_imdb_id("tt0133093")
    assert (record.imdb_id, record.runtime, record.imdb_votes) == ("tt0133093", 136, 2345678)
    (seen,) = server.seen
    assert seen.query["i"] == ["tt0133093"] and seen.query["apikey"] == [OMDB_KEY]
    row = rows.only()
    assert (row["source"], row["operation"], row["target_identifier"]) == (
        "omdb",
        "omdb_by_id",
        "tt0133093",
    )
    assert (row["success"], row["cost_usd"]) == (True, 0.0001)


def test_by_title(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add("/", Canned(200, MATRIX))
    record = omdb(server, recorder).by_title("The  Matrix", 1999)
    assert record.title == "The Matrix"
    (seen,) = server.seen
    assert (seen.query["t"], seen.query["y"], seen.query["type"]) == (
        ["The Matrix"],
        ["1999"],
        ["movie"],
    )
    assert rows.only()["target_identifier"] == "The Matrix (1999)"
    assert rows.only()["operation"] == "omdb_by_title"


@pytest.mark.parametrize("answer", [NOT_FOUND, BAD_ID], ids=["movie-not-found", "incorrect-id"])
def test_not_found_comes_with_http_200(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, answer: dict[str, str]
) -> None:
    server.add("/", Canned(200, answer))
    with pytest.raises(SourceError) as caught:
        omdb(server, recorder).by_imdb_id("tt9999999")
    assert caught.value.error_type is ErrorType.NOT_FOUND
    row = rows.only()
    assert (row["success"], row["error_type"]) == (True, "not_found")


@pytest.mark.parametrize("answer", [BAD_KEY, NO_KEY], ids=["invalid-key", "no-key"])
def test_bad_key_is_auth_naming_the_variable(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, answer: dict[str, str]
) -> None:
    server.add("/", Canned(401, answer))
    with pytest.raises(SourceError) as caught:
        omdb(server, recorder).by_imdb_id("tt0133093")
    assert caught.value.error_type is ErrorType.AUTH
    assert "OMDB_API_KEY" in caught.value.message
    assert len(server.seen) == 1  # a 401 is not retried
    assert rows.only()["error_type"] == "auth"


def test_missing_key_is_auth_without_calling(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    with pytest.raises(SourceError) as caught:
        omdb(server, recorder, api_key=None).by_imdb_id("tt0133093")
    assert caught.value.error_type is ErrorType.AUTH and "OMDB_API_KEY" in caught.value.message
    assert server.seen == [] and rows.only()["error_type"] == "auth"


def test_request_limit_reached_stops_calling_for_the_day(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add("/", Canned(401, LIMIT))
    client = omdb(server, recorder)
    with pytest.raises(SourceError) as caught:
        client.by_imdb_id("tt0133093")
    assert caught.value.error_type is ErrorType.QUOTA_EXHAUSTED
    with pytest.raises(SourceError) as caught:
        client.by_imdb_id("tt0088247")
    assert caught.value.error_type is ErrorType.QUOTA_EXHAUSTED
    assert len(server.seen) == 1  # the second call never left
    assert client.quota.used == client.quota.limit
    assert [r["error_type"] for r in rows] == ["quota_exhausted", "quota_exhausted"]
    assert rows[1]["cost_usd"] == 0.0


def test_daily_quota_is_respected_without_calling(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, sqlite_url: str
) -> None:
    server.add("/", Canned(200, MATRIX))
    first = omdb(
        server, recorder, daily_quota=2, quota_store=DatabaseQuotaStore(shared_engine(sqlite_url))
    )
    first.by_imdb_id("tt0000001")
    first.by_imdb_id("tt0000002")
    # another run the same day, same key: the count is shared through the film database
    second = omdb(
        server,
        recorder,
        daily_quota=2,
        quota_store=DatabaseQuotaStore(create_database_engine(sqlite_url)),
    )
    with pytest.raises(SourceError) as caught:
        second.by_imdb_id("tt0000003")
    assert caught.value.error_type is ErrorType.QUOTA_EXHAUSTED
    assert len(server.seen) == 2
    assert second.quota.used == 2
    assert [r["error_type"] for r in rows] == [None, None, "quota_exhausted"]
    assert rows[2]["success"] is False


def test_cache_hit_is_served_even_when_the_quota_is_spent(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.add("/", Canned(200, MATRIX))
    options = {"cache_backend": "sqlite", "cache_dir": str(tmp_path), "cost_per_call_usd": 0.01}
    omdb(server, recorder, **options).by_imdb_id("tt0133093")
    again = omdb(server, recorder, **options)
    again.quota.exhaust()  # today's quota is spent, yet a cached answer costs no request
    assert again.by_imdb_id("tt0133093").title == "The Matrix"
    assert len(server.seen) == 1
    assert (rows[1]["cached"], rows[1]["cost_usd"], rows[1]["success"]) == (True, 0.0, True)
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("*.sqlite*"))
    assert b"tt0133093" in stored and OMDB_KEY.encode() not in stored


def test_not_found_answers_are_never_cached(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.add("/", Canned(200, NOT_FOUND))
    options = {"cache_backend": "sqlite", "cache_dir": str(tmp_path)}
    for _ in range(2):  # two runs: fresh memo each time
        with pytest.raises(SourceError), omdb(server, recorder, **options) as client:
            client.by_imdb_id("tt7777777")
    assert len(server.seen) == 2
    assert [r["cached"] for r in rows] == [False, False]


def test_5xx_retried_and_key_never_logged(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.add("/", Canned(503, b"down"), Canned(200, MATRIX))
    assert omdb(server, recorder).by_imdb_id("tt0133093")
    assert rows.only()["metadata"]["retries"] == 1
    assert_no_secret(rows, caplog.text)


def test_a_record_gives_the_films_data(server: LocalServer, recorder: MetricsRecorder) -> None:
    server.add("/", Canned(200, MATRIX))
    film = omdb(server, recorder).by_imdb_id("tt0133093").to_film_data()
    assert (film.imdb_id, film.year, film.release_date) == ("tt0133093", 1999, "1999-03-31")


def test_refused_connection_gives_the_quota_back(recorder: MetricsRecorder, rows: Rows) -> None:
    client = OmdbClient(
        fast_options(f"http://127.0.0.1:{unused_port()}/"),
        recorder,
        api_key=OMDB_KEY,
        daily_quota=10,
        quota_store=MemoryQuotaStore(),
    )
    with pytest.raises(SourceError) as caught:
        client.by_imdb_id("tt0133093")
    assert caught.value.error_type is ErrorType.NETWORK
    assert client.quota.used == 0  # OMDb never saw the three attempts
    assert rows.only()["metadata"]["retries"] == 2
