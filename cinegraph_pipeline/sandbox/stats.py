"""Request counts per route and per answer type, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._faults: Counter[str] = Counter()

    def record(self, route: str, outcome: str) -> None:
        with self._lock:
            self._routes[route][outcome] += 1

    def fault(self, kind: str) -> None:
        """Counts an injected fault that does not show in the outcome (latency, slow)."""
        with self._lock:
            self._faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            self._routes.clear()
            self._faults.clear()

    def snapshot(self) -> dict[str, object]:
        """`{"total": n, "routes": {route: {"total": n, outcome: n}}, "outcomes": {...},
        "faults": {...}}`; routes are like `tmdb.find`, `omdb.by_id`, `imdb.title`."""
        with self._lock:
            routes = {
                route: {"total": sum(counts.values()), **dict(sorted(counts.items()))}
                for route, counts in sorted(self._routes.items())
            }
            outcomes: Counter[str] = Counter()
            for counts in self._routes.values():
                outcomes.update(counts)
            return {
                "total": sum(outcomes.values()),
                "routes": routes,
                "outcomes": dict(sorted(outcomes.items())),
                "faults": dict(sorted(self._faults.items())),
            }
