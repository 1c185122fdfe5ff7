from __future__ import annotations

import base64

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import Client, json_ld, plain


def test_fetches_imdb_pages_base64(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    url = f"{client.env['IMDB_BASE_URL']}/title/{film.imdb_id}/"
    response = client.zyte(url)
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == url
    assert body["statusCode"] == 200
    page = base64.b64decode(body["httpResponseBody"]).decode("utf-8")
    assert json_ld(page)["url"] == f"/title/{film.imdb_id}/"
    assert page == client.imdb(f"/title/{film.imdb_id}/").text


def test_accepts_imdb_urls_and_reports_the_target_status(
    client: Client, sandbox: SandboxServer
) -> None:
    film = plain(sandbox)
    real = client.zyte(f"https://www.imdb.com/title/{film.imdb_id}/").json()
    assert real["statusCode"] == 200
    missing = client.zyte("https://www.imdb.com/title/tt0000001/").json()
    assert missing["statusCode"] == 404
    assert "404" in base64.b64decode(missing["httpResponseBody"]).decode()


def test_is_never_waf_blocked(client: Client, sandbox: SandboxServer) -> None:
    sandbox.set_faults(imdb_waf_share=1.0)
    film = plain(sandbox)
    assert client.imdb(f"/title/{film.imdb_id}/").status_code in (202, 403, 405)
    body = client.zyte(f"{client.env['IMDB_BASE_URL']}/title/{film.imdb_id}/").json()
    assert body["statusCode"] == 200
    routes = sandbox.stats()["routes"]
    assert routes["imdb.title.via_zyte"] == {"total": 1, "ok": 1}
    assert routes["zyte.extract"] == {"total": 1, "ok": 1}


def test_auth_and_request_errors(client: Client, sandbox: SandboxServer) -> None:
    url = f"{client.env['IMDB_BASE_URL']}/title/{plain(sandbox).imdb_id}/"
    wrong = client.zyte(url, key="wrong")
    assert wrong.status_code == 401
    assert wrong.json()["type"] == "/auth/key-not-found"
    no_auth = client.http.post(client.env["ZYTE_API_URL"], json={"url": url}, timeout=10)
    assert no_auth.status_code == 401
    no_url = client.http.post(
        client.env["ZYTE_API_URL"],
        json={"httpResponseBody": True},
        auth=("sandbox", ""),
        timeout=10,
    )
    assert no_url.status_code == 400
    assert (
        client.http.get(client.env["ZYTE_API_URL"], auth=("sandbox", ""), timeout=10).status_code
        == 405
    )
