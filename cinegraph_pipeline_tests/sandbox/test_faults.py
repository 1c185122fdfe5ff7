from __future__ import annotations

import statistics
import time

import pytest
import requests

from cinegraph_pipeline.sandbox import Faults, SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.faults import FaultInjector

from .helpers import Client, plain


def test_faults_are_off_by_default(client: Client, sandbox: SandboxServer) -> None:
    assert sandbox.app.faults.faults == Faults()
    film = plain(sandbox)
    for _ in range(20):
        assert client.tmdb(f"/movie/{film.tmdb_id}").status_code == 200
        assert client.imdb(f"/title/{film.imdb_id}/").status_code == 200
    assert sandbox.stats()["faults"] == {}


def test_latency_follows_the_configured_median(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(latency_median_ms=40, latency_sigma=0.3)
    film = plain(sandbox)
    timings = []
    for _ in range(12):
        started = time.perf_counter()
        client.omdb(i=film.imdb_id)
        timings.append(time.perf_counter() - started)
    # Only a lower bound: how much longer a loaded machine takes is not the sandbox's doing.
    assert statistics.median(timings) > 0.025
    assert sandbox.stats()["faults"]["latency"] == 12


def test_slow_answers_trigger_client_read_timeouts(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(slow_share=1.0, slow_delay_ms=1500)
    film = plain(sandbox)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.http.get(
            f"{client.env['TMDB_BASE_URL']}/movie/{film.tmdb_id}",
            params={"api_key": "sandbox"},
            timeout=(2, 0.3),
        )
    assert sandbox.stats()["faults"]["slow"] == 1


@pytest.mark.parametrize("service", ["tmdb", "omdb", "imdb", "zyte"])
def test_server_errors_per_service(client: Client, sandbox: SandboxServer, service: str) -> None:
    sandbox.set_faults(**{f"{service}_5xx_share": 1.0})
    film = plain(sandbox)
    calls = {
        "tmdb": lambda: client.tmdb(f"/movie/{film.tmdb_id}"),
        "omdb": lambda: client.omdb(i=film.imdb_id),
        "imdb": lambda: client.imdb(f"/title/{film.imdb_id}/"),
        "zyte": lambda: client.zyte(f"https://www.imdb.com/title/{film.imdb_id}/"),
    }
    statuses = {calls[service]().status_code for _ in range(12)}
    assert statuses and all(500 <= status < 600 for status in statuses)
    others = [name for name in calls if name != service]
    assert all(calls[name]().status_code == 200 for name in others)
    outcomes = sandbox.stats()["outcomes"]
    assert outcomes["http_5xx"] == 12


def test_tmdb_rate_limit_with_retry_after(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(tmdb_rate_limit_rps=5)
    film = plain(sandbox)
    responses = [client.tmdb(f"/movie/{film.tmdb_id}") for _ in range(8)]
    limited = [r for r in responses if r.status_code == 429]
    assert [r.status_code for r in responses[:5]] == [200] * 5
    assert limited
    assert limited[0].json() == {
        "success": False,
        "status_code": 25,
        "status_message": "Your request count (#) is over the allowed limit of (5).",
    }
    assert int(limited[0].headers["Retry-After"]) >= 1
    time.sleep(1.05)
    assert client.tmdb(f"/movie/{film.tmdb_id}").status_code == 200


def test_tmdb_rate_limit_without_retry_after(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(tmdb_rate_limit_rps=2, tmdb_retry_after=False)
    film = plain(sandbox)
    responses = [client.tmdb(f"/movie/{film.tmdb_id}") for _ in range(4)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited
    assert "Retry-After" not in limited[0].headers
    assert sandbox.stats()["outcomes"]["rate_limit"] == len(limited)


def test_tmdb_refuses_a_share_of_requests_whatever_the_rate(
    client: Client, sandbox: SandboxServer
) -> None:
    sandbox.set_faults(tmdb_429_share=1.0)
    film = plain(sandbox)
    responses = [client.tmdb(f"/movie/{film.tmdb_id}") for _ in range(3)]
    assert [r.status_code for r in responses] == [429, 429, 429]
    assert responses[0].json()["status_code"] == 25
    sandbox.set_faults(tmdb_429_share=0.0)
    assert client.tmdb(f"/movie/{film.tmdb_id}").status_code == 200
    assert sandbox.stats()["outcomes"]["rate_limit"] == 3


def test_imdb_waf_blocks(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(imdb_waf_share=1.0)
    film = plain(sandbox)
    seen = {}
    for _ in range(30):
        response = client.imdb(f"/title/{film.imdb_id}/")
        seen[response.status_code] = response
    assert set(seen) == {202, 403, 405}
    assert seen[202].text == ""
    assert seen[202].headers["x-amzn-waf-action"] == "challenge"
    assert seen[405].headers["x-amzn-waf-action"] == "captcha"
    assert "x-amzn-waf-action" not in seen[403].headers
    assert sandbox.stats()["routes"]["imdb.title"]["blocked"] == 30


def test_omdb_daily_limit(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(omdb_daily_limit=3)
    film = plain(sandbox)
    answers = [client.omdb(i=film.imdb_id) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 401]
    assert answers[-1].json() == {"Response": "False", "Error": "Request limit reached!"}
    sandbox.reset()
    assert client.omdb(i=film.imdb_id).status_code == 200


def test_faults_change_at_runtime_over_http(client: Client, sandbox: SandboxServer) -> None:
    changed = client.admin("POST", "faults", {"tmdb_5xx_share": 1, "tmdb_retry_after": "false"})
    assert changed.status_code == 200
    assert changed.json()["tmdb_5xx_share"] == 1.0
    assert changed.json()["tmdb_retry_after"] is False
    assert client.tmdb(f"/movie/{plain(sandbox).tmdb_id}").status_code >= 500
    assert client.admin("GET", "faults").json()["tmdb_5xx_share"] == 1.0
    for bad in ({"no_such_fault": 1}, {"imdb_waf_share": 2}, [1, 2]):
        assert client.admin("POST", "faults", bad).status_code == 400
    client.admin("POST", "reset")
    assert client.admin("GET", "faults").json()["tmdb_5xx_share"] == 0.0


def test_configured_faults_and_deterministic_draws() -> None:
    faults = Faults(imdb_waf_share=0.5, tmdb_5xx_share=0.3)
    first, second = FaultInjector(faults, seed=7), FaultInjector(faults, seed=7)
    draws = [(first.waf_block(), first.server_error("tmdb")) for _ in range(50)]
    assert draws == [(second.waf_block(), second.server_error("tmdb")) for _ in range(50)]
    assert any(block for block, _ in draws) and not all(block for block, _ in draws)
    with SandboxServer(SandboxConfig(faults=Faults(omdb_daily_limit=1))) as server:
        film = plain(server)
        url = server.env()["OMDB_BASE_URL"]
        params = {"apikey": "sandbox", "i": film.imdb_id}
        assert requests.get(url, params=params, timeout=5).status_code == 200
        assert requests.get(url, params=params, timeout=5).status_code == 401
