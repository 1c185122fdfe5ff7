"""Title search over the TMDb records, the way TMDb's `/search/movie` behaves: case and
accents ignored, every query word must start a word of one title (title, original title or
an alternative title), best matches and then the most popular first."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

from .catalog import TmdbRecord
from .text import words


class TitleIndex:
    def __init__(self, records: Iterable[TmdbRecord]) -> None:
        self._records = {record.tmdb_id: record for record in records}
        by_word: defaultdict[str, set[int]] = defaultdict(set)
        for record in self._records.values():
            for title in record.search_titles:
                for word in title:
                    by_word[word].add(record.tmdb_id)
        self._words = sorted(by_word)
        self._by_word = dict(by_word)

    def _with_prefix(self, prefix: str) -> set[int]:
        found: set[int] = set()
        start = bisect.bisect_left(self._words, prefix)
        for word in self._words[start:]:
            if not word.startswith(prefix):
                break
            found |= self._by_word[word]
        return found

    def search(self, query: str) -> list[tuple[int, TmdbRecord]]:
        """(relevance, record) for every record matching the query, best first; relevance is
        2 for a whole-title match, 1 when a title starts with the query, else 0."""
        query_words = words(query)
        if not query_words:
            return []
        candidates: set[int] | None = None
        for word in sorted(set(query_words), key=len, reverse=True):
            found = self._with_prefix(word)
            candidates = found if candidates is None else candidates & found
            if not candidates:
                return []
        hits: list[tuple[int, TmdbRecord]] = []
        for tmdb_id in candidates or ():
            record = self._records[tmdb_id]
            relevance = max(
                (_relevance(title, query_words) for title in record.search_titles), default=-1
            )
            if relevance >= 0:
                hits.append((relevance, record))
        hits.sort(key=lambda hit: (-hit[0], -hit[1].popularity, hit[1].tmdb_id))
        return hits


def _relevance(title: tuple[str, ...], query: tuple[str, ...]) -> int:
    if not all(any(word.startswith(q) for word in title) for q in query):
        return -1
    if title == query:
        return 2
    if title[: len(query)] == query:
        return 1
    return 0
