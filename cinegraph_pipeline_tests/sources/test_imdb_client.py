"""ImdbClient against local servers: direct pages, IMDb's blocks, event pages, and the Zyte
API route with its budget."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.http.limits import MemoryQuotaStore
from cinegraph_pipeline.sources.imdb.client import ImdbClient
from cinegraph_pipeline.sources.imdb.zyte import ZyteOptions
from cinegraph_pipeline.sources.tracking import MetricsRecorder

from .conftest import ZYTE_KEY, Rows, assert_no_secret, fast_options, fixture_bytes
from .localserver import Canned, LocalServer, Seen
from .pages import award, category, event_page, film, nomination

MATRIX_PATH = "/title/tt0133093/"
EVENT_PATH = "/event/ev0000147/2016/1/"


def matrix_page() -> bytes:
    return fixture_bytes("flexget", "imdb_title", "imdb_title_tt0133093_20230526.html")


def small_event() -> str:
    return event_page(
        [
            award(
                "Palme d'Or", category(None, nomination(titles=[film("tt4048272", "Toni Erdmann")]))
            )
        ],
        years=[2015, 2016],
    )


def imdb(server: LocalServer, recorder: MetricsRecorder, **options: Any) -> ImdbClient:
    zyte = options.pop("zyte", None)
    base_url = options.pop("base_url", server.url(""))
    return ImdbClient(
        fast_options(base_url, **options), recorder, zyte=zyte, quota_store=MemoryQuotaStore()
    )


def test_title_page_direct(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(MATRIX_PATH, Canned(200, matrix_page()))
    page = imdb(server, recorder).title_page("tt0133093")
    assert (page.imdb_id, page.title, page.year, page.title_type) == (
        "tt0133093",
        "The Matrix",
        1999,
        "movie",
    )
    (seen,) = server.seen
    assert seen.headers["Accept-Language"].startswith("en-US")
    row = rows.only()
    assert (row["source"], row["operation"], row["target_identifier"]) == (
        "imdb",
        "title_page",
        "tt0133093",
    )
    assert row["success"] is True and "via" not in row["metadata"]


@pytest.mark.parametrize(
    "answer",
    [
        Canned(202, b"", {"x-amzn-waf-action": "challenge"}),
        Canned(405, b"<html>captcha</html>", {"x-amzn-waf-action": "captcha"}),
        Canned(403, b"<html>Forbidden</html>"),
    ],
    ids=["waf-challenge-202", "captcha-405", "forbidden-403"],
)
def test_blocks_are_blocked_never_pages_never_not_found(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, answer: Canned
) -> None:
    server.add(MATRIX_PATH, answer)
    client = imdb(server, recorder)
    with pytest.raises(SourceError) as caught:
        client.title_page("tt0133093")
    assert caught.value.error_type is ErrorType.BLOCKED
    assert caught.value.status_code == answer.status
    assert len(server.seen) == 1  # retrying a block at once only digs deeper
    row = rows.only()
    assert (row["success"], row["error_type"]) == (False, "blocked")
    assert row["metadata"]["http_status"] == answer.status


def test_blocked_pages_are_not_cached(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.add(MATRIX_PATH, Canned(202, b"", {"x-amzn-waf-action": "challenge"}))
    for _ in range(2):
        with (
            pytest.raises(SourceError),
            imdb(server, recorder, cache_backend="sqlite", cache_dir=str(tmp_path)) as client,
        ):
            client.title_page("tt0133093")
    assert len(server.seen) == 2 and [r["cached"] for r in rows] == [False, False]


def test_404_is_not_found(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add("/title/tt9999999/", Canned(404, b"<html>404</html>"))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder).title_page("tt9999999")
    assert caught.value.error_type is ErrorType.NOT_FOUND
    assert (rows.only()["success"], rows.only()["error_type"]) == (True, "not_found")


def test_a_404_message_carries_the_error_page_title(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    server.add(
        "/event/ev0000681/2020/1/",
        Canned(404, b"<html><head><title>404 Error - no edition 2020 here</title></head></html>"),
    )
    server.add("/event/ev0000681/2021/1/", Canned(404, b"<html>404</html>"))
    client = imdb(server, recorder)
    with pytest.raises(SourceError) as caught:
        client.event_page("ev0000681", 2020)
    assert caught.value.error_type is ErrorType.NOT_FOUND
    assert (
        caught.value.message == "IMDb has no such page (HTTP 404): 404 Error - no edition 2020 here"
    )
    with pytest.raises(SourceError) as untitled:
        client.event_page("ev0000681", 2021)
    assert untitled.value.message == "IMDb has no such page (HTTP 404)"


def test_page_without_json_ld_is_a_parse_error_row(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(MATRIX_PATH, Canned(200, b"<html><body>maintenance</body></html>"))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder).title_page("tt0133093")
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert rows.only()["error_type"] == "parse_error"


def test_20_mb_page_is_a_parse_error(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(MATRIX_PATH, Canned(200, b"<html>" + b"a" * (20 * 1024 * 1024), no_length=True))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder).title_page("tt0133093")
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert rows.only()["error_type"] == "parse_error"


def test_event_page(server: LocalServer, recorder: MetricsRecorder, rows: Rows) -> None:
    server.add(EVENT_PATH, Canned(200, small_event()))
    edition = imdb(server, recorder).event_page("ev0000147", 2016)
    assert edition.nominations[0].films[0].imdb_id == "tt4048272"
    assert edition.edition_years == (2015, 2016)
    row = rows.only()
    assert (row["source"], row["operation"], row["target_identifier"]) == (
        "festival_scraper",
        "event_page",
        "ev0000147/2016",
    )


def test_event_page_without_script_is_a_parse_error(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(EVENT_PATH, Canned(200, b"<html><body>Cannes 2016</body></html>"))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder).event_page("ev0000147", 2016)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    row = rows.only()
    assert (row["source"], row["error_type"]) == ("festival_scraper", "parse_error")


# --- through the Zyte API --------------------------------------------------------------


class FakeZyte:
    """Speaks the Zyte API: Basic auth with the key, {"url", "httpResponseBody"} in,
    {"statusCode", "httpResponseBody" (base64)} out."""

    def __init__(self, pages: dict[str, tuple[int, bytes]]) -> None:
        self.pages = pages
        self.asked: list[dict[str, Any]] = []

    def __call__(self, seen: Seen) -> Canned:
        expected = "Basic " + base64.b64encode(f"{ZYTE_KEY}:".encode()).decode()
        if seen.headers.get("Authorization") != expected:
            problem = {"type": "/auth/key-not-found", "title": "Authentication Key Not Found"}
            return Canned(401, {**problem, "status": 401})
        request = json.loads(seen.body)
        self.asked.append(request)
        assert request["httpResponseBody"] is True
        path = "/" + request["url"].split("/", 3)[3]
        status, page = self.pages.get(path, (404, b"<html>404</html>"))
        body = base64.b64encode(page).decode()
        return Canned(200, {"url": request["url"], "statusCode": status, "httpResponseBody": body})


def zyte_options(server: LocalServer, **overrides: Any) -> ZyteOptions:
    values: dict[str, Any] = {
        "api_key": ZYTE_KEY,
        "api_url": server.url("/v1/extract"),
        "cost_per_request_usd": 0.002,
        "daily_budget_usd": 1.0,
        "requests_per_second": 0,
    }
    values.update(overrides)
    return ZyteOptions(**values)


def test_title_page_through_zyte(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    zyte = FakeZyte({MATRIX_PATH: (200, matrix_page())})
    server.respond("/v1/extract", zyte)
    client = imdb(server, recorder, base_url="https://www.imdb.com", zyte=zyte_options(server))
    page = client.title_page("tt0133093")
    assert page.title == "The Matrix" and client.via == "zyte"
    assert zyte.asked == [
        {"url": "https://www.imdb.com/title/tt0133093/", "httpResponseBody": True}
    ]
    (seen,) = server.seen
    assert seen.method == "POST"
    row = rows.only()
    assert (row["source"], row["operation"], row["success"]) == ("imdb", "title_page", True)
    assert row["metadata"]["via"] == "zyte" and row["cost_usd"] == 0.002


def test_event_page_through_zyte_keeps_its_source(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.respond("/v1/extract", FakeZyte({EVENT_PATH: (200, small_event().encode())}))
    client = imdb(server, recorder, zyte=zyte_options(server))
    assert client.event_page("ev0000147", 2016).nominations
    row = rows.only()
    assert (row["source"], row["metadata"]["via"]) == ("festival_scraper", "zyte")


@pytest.mark.parametrize(
    ("target_status", "expected"),
    [(404, ErrorType.NOT_FOUND), (403, ErrorType.BLOCKED), (405, ErrorType.BLOCKED),
     (202, ErrorType.BLOCKED), (503, ErrorType.HTTP_5XX)],
)  # fmt: skip
def test_target_status_through_zyte_is_mapped_like_a_direct_fetch(
    server: LocalServer,
    recorder: MetricsRecorder,
    rows: Rows,
    target_status: int,
    expected: ErrorType,
) -> None:
    server.respond("/v1/extract", FakeZyte({MATRIX_PATH: (target_status, b"")}))
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder, zyte=zyte_options(server)).title_page("tt0133093")
    assert caught.value.error_type is expected
    assert rows.only()["error_type"] == expected.value


def test_bad_zyte_key_is_auth_naming_the_variable(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.respond("/v1/extract", FakeZyte({}))
    options = zyte_options(server, api_key="zyteSECRETkey777-but-wrong")
    with pytest.raises(SourceError) as caught:
        imdb(server, recorder, zyte=options).title_page("tt0133093")
    assert caught.value.error_type is ErrorType.AUTH
    assert "ZYTE_API_KEY" in caught.value.message
    assert_no_secret(rows, caplog.text, caught.value)


def test_zyte_ban_520_is_blocked_after_retries_and_not_charged(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    problem = {"type": "/download/temporary-error", "title": "Temporary Download Error"}
    server.add("/v1/extract", Canned(520, problem))
    client = imdb(server, recorder, zyte=zyte_options(server))
    with pytest.raises(SourceError) as caught:
        client.title_page("tt0133093")
    assert caught.value.error_type is ErrorType.BLOCKED
    assert "Temporary Download Error" in caught.value.message
    assert len(server.seen) == 3
    row = rows.only()
    assert row["metadata"]["retries"] == 2
    assert row["cost_usd"] == 0.0  # Zyte charges for successful answers only
    assert client.budget is not None and client.budget.used == 0.0


def test_zyte_budget_stops_calls_without_calling(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.respond("/v1/extract", FakeZyte({}))
    options = zyte_options(server, cost_per_request_usd=0.01, daily_budget_usd=0.02)
    client = imdb(server, recorder, zyte=options)
    for n in range(3):
        with pytest.raises(SourceError):
            client.title_page(f"tt000000{n}")
    assert len(server.seen) == 2
    assert [r["error_type"] for r in rows] == ["not_found", "not_found", "quota_exhausted"]
    assert [r["cost_usd"] for r in rows] == [0.01, 0.01, 0.0]
    assert client.budget is not None and client.budget.used == pytest.approx(0.02)


def test_zyte_key_not_in_cache_file(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, tmp_path: Path
) -> None:
    server.respond("/v1/extract", FakeZyte({MATRIX_PATH: (200, matrix_page())}))
    options = {"cache_backend": "sqlite", "cache_dir": str(tmp_path)}
    for _ in range(2):
        with imdb(server, recorder, zyte=zyte_options(server), **options) as client:
            client.title_page("tt0133093")
    assert len(server.seen) == 1
    assert rows[1]["cached"] is True and rows[1]["cost_usd"] == 0.0
    assert rows[1]["metadata"]["via"] == "zyte"
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("*.sqlite*"))
    basic = base64.b64encode(f"{ZYTE_KEY}:".encode())
    assert stored and ZYTE_KEY.encode() not in stored and basic not in stored


def test_a_title_page_gives_the_films_data(server: LocalServer, recorder: MetricsRecorder) -> None:
    server.add(MATRIX_PATH, Canned(200, matrix_page()))
    film_data = imdb(server, recorder).title_page("tt0133093").to_film_data()
    assert (film_data.imdb_id, film_data.year, film_data.imdb_votes) == ("tt0133093", 1999, 1956171)
