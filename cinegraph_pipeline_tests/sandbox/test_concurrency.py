from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import plain


def test_a_hundred_concurrent_connections(sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    env = sandbox.env()
    urls = [
        f"{env['TMDB_BASE_URL']}/search/movie?api_key=sandbox&query={film.tmdb_title}",
        f"{env['OMDB_BASE_URL']}?apikey=sandbox&i={film.imdb_id}",
        f"{env['IMDB_BASE_URL']}/title/{film.imdb_id}/",
        f"{env['TMDB_BASE_URL']}/movie/{film.tmdb_id}?api_key=sandbox&append_to_response=credits",
    ]

    def call(index: int) -> int:
        with requests.Session() as session:  # one connection per worker
            return session.get(urls[index % len(urls)], timeout=20).status_code

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(call, range(300)))
    assert statuses == [200] * 300
    assert sandbox.stats()["total"] == 300
