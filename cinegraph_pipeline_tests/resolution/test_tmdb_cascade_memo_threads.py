"""The TMDb resolver's memo holds when films are resolved on several threads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from cinegraph_pipeline.resolution.tmdb_cascade import TmdbResolver
from cinegraph_pipeline.sources.records import FilmQuery, TmdbMovie, TmdbSearchHit


class SlowTmdb:
    """Answers slowly and counts what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self._lock = threading.Lock()

    def _note(self, call: tuple[str, object]) -> None:
        with self._lock:
            self.calls.append(call)
        time.sleep(0.05)

    def find_by_imdb_id(
        self, imdb_id: str, *, fallback_level: int | None = 1
    ) -> list[TmdbSearchHit]:
        self._note(("find", imdb_id))
        return []

    def search_movie(
        self,
        query: str,
        *,
        year: int | None = None,
        primary_release_year: int | None = None,
        page: int = 1,
        fallback_level: int | None = None,
    ) -> list[TmdbSearchHit]:
        self._note(("search", (query, year)))
        return []

    def movie_details(
        self, tmdb_id: int, *, fallback_level: int | None = None, confidence: float | None = None
    ) -> TmdbMovie:
        raise AssertionError("no candidate, no details")


def test_a_request_in_flight_is_not_sent_again_by_another_thread() -> None:
    api = SlowTmdb()
    resolver = TmdbResolver(api)
    films = [FilmQuery(f"tt00000{i:02d}", "Beauty", None, 2011) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(resolver.resolve, films))
    assert all(o.status.value == "not_found" for o in outcomes)
    searches = [c for c in api.calls if c[0] == "search"]
    assert len(searches) == len(set(searches))  # each distinct search sent once
    assert len([c for c in api.calls if c[0] == "find"]) == 8
