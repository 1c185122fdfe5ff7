from __future__ import annotations

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import Client, pick, plain


def find_ids(client: Client, imdb_id: str) -> list[int]:
    body = client.tmdb(f"/find/{imdb_id}", external_source="imdb_id").json()
    return [hit["id"] for hit in body["movie_results"]]


def test_stats_count_calls_per_route_and_outcome(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    client.tmdb(f"/find/{film.imdb_id}", external_source="imdb_id")
    client.tmdb("/find/tt0000001", external_source="imdb_id")
    client.tmdb("/search/movie", query=film.tmdb_title)
    client.tmdb(f"/movie/{film.tmdb_id}", key="bad")
    client.omdb(i=film.imdb_id)
    client.omdb(t=film.title)
    client.imdb(f"/title/{film.imdb_id}/")
    client.imdb("/event/ev0000147/2016/1/")
    stats = client.admin("GET", "stats").json()
    routes = stats["routes"]
    assert routes["tmdb.find"] == {"total": 2, "ok": 1, "not_found": 1}
    assert routes["tmdb.search"] == {"total": 1, "ok": 1}
    assert routes["tmdb.movie"] == {"total": 1, "auth": 1}
    assert routes["omdb.by_id"]["total"] == routes["omdb.by_title"]["total"] == 1
    assert routes["imdb.title"] == {"total": 1, "ok": 1}
    assert routes["imdb.event"] == {"total": 1, "ok": 1}
    assert stats["total"] == 8
    assert stats["outcomes"]["auth"] == 1
    assert stats == {**sandbox.stats(), "total": 8}


def test_release_makes_an_absent_film_known_to_tmdb(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "omdb_only")
    assert not film.on_tmdb and film.tmdb_id is None
    assert find_ids(client, film.imdb_id) == []
    released = client.admin("POST", "release", {"imdb_id": film.imdb_id})
    assert released.status_code == 200
    truth = released.json()
    assert truth["on_tmdb"] is True and truth["expected_source"] == "tmdb"
    assert find_ids(client, film.imdb_id) == [truth["tmdb_id"]]
    details = client.tmdb(f"/movie/{truth['tmdb_id']}", append_to_response="external_ids").json()
    assert details["imdb_id"] == details["external_ids"]["imdb_id"] == film.imdb_id
    hits = client.tmdb("/search/movie", query=film.title).json()["results"]
    assert truth["tmdb_id"] in [hit["id"] for hit in hits]
    assert client.admin("GET", f"truth/{film.imdb_id}").json() == truth
    assert sandbox.stats()["released"] == [film.imdb_id]
    client.admin("POST", "reset")
    assert find_ids(client, film.imdb_id) == []
    assert sandbox.truth(film.imdb_id) == film


def test_release_fixes_missing_and_borrowed_imdb_ids(
    client: Client, sandbox: SandboxServer
) -> None:
    missing = pick(sandbox, "no_imdb_id")
    sandbox.release(missing.imdb_id)
    assert find_ids(client, missing.imdb_id) == [missing.tmdb_id]
    suspect = pick(sandbox, "suspect")
    assert find_ids(client, suspect.imdb_id) == [suspect.suspect_tmdb_id]
    truth = sandbox.release(suspect.imdb_id)
    assert truth.suspect_tmdb_id is None and truth.tmdb_imdb_id == suspect.imdb_id
    assert find_ids(client, suspect.imdb_id) == [suspect.tmdb_id]
    carrier = client.tmdb(f"/movie/{suspect.suspect_tmdb_id}").json()
    assert carrier["imdb_id"] is None


def test_release_errors(client: Client) -> None:
    assert client.admin("POST", "release", {"imdb_id": "tt0000001"}).status_code == 404
    assert client.admin("POST", "release", {"id": 3}).status_code == 400
    assert client.admin("GET", "no-such-thing").status_code == 404


def test_truth_route_lists_every_festival_film(client: Client, sandbox: SandboxServer) -> None:
    truths = client.admin("GET", "truth").json()
    assert len(truths) == len(sandbox.catalog.festival_films())
    sources = {t["expected_source"] for t in truths}
    assert sources == {"tmdb", "omdb", "imdb", "stub"}
    health = client.admin("GET", "health").json()
    assert health["ok"] is True and 2016 in health["editions"]


def test_admin_calls_are_not_counted(client: Client, sandbox: SandboxServer) -> None:
    client.admin("GET", "stats")
    client.admin("GET", "truth")
    assert sandbox.stats()["total"] == 0
