"""TmdbClient.find_tv_ids against a local server: a series is answered under `tv_results`."""

from __future__ import annotations

from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder

from .conftest import TMDB_KEY, Rows, fast_options
from .localserver import Canned, LocalServer

PATH = "/3/find/tt1234567"


def empty(**results: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    keys = ("movie_results", "person_results", "tv_results", "tv_episode_results")
    return {key: results.get(key, []) for key in keys}


def client(server: LocalServer, recorder: MetricsRecorder) -> TmdbClient:
    return TmdbClient(fast_options(server.url("/3")), recorder, api_key=TMDB_KEY)


def test_a_series_is_found_under_tv_results(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    series = {"id": 4242, "name": "Top of the Lake", "first_air_date": "2013-03-18"}
    server.add(PATH, Canned(200, empty(tv_results=[series])))
    assert client(server, recorder).find_tv_ids("tt1234567") == [4242]
    row = rows.only()
    assert (row["operation"], row["success"], row["metadata"]["media"]) == ("find", True, "tv")
    assert row["error_type"] is None


def test_no_series_is_a_not_found_row(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    movie = {"id": 1, "title": "Top of the Lake", "release_date": "2013-01-01"}
    server.add(PATH, Canned(200, empty(movie_results=[movie])))
    assert client(server, recorder).find_tv_ids("tt1234567") == []
    assert rows.only()["error_type"] == "not_found"
