"""How many IMDb GraphQL calls the IMDb stage makes for n films, against the sandbox.

    .venv/bin/python -m benchmarks.imdb_graphql_titles [--films 1 250 251 1000 1400]

For each n, n distinct festival films (catalog copies included) are asked through the
stage's own route (`fetch_titles`: `titles(ids:)` batches of at most 250); the figures are
the GraphQL calls (must be at most ceil(n/250)), their metric rows, the titles answered and
those left to the title pages, and the wall time. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.sources.imdb import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.routes import fetch_titles


class Rows:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(self, **fields: Any) -> None:
        self.rows.append(fields)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, nargs="+", default=[1, 250, 251, 1000, 1400])
    args = parser.parse_args()
    copies = max(0, math.ceil(max(args.films) / 340) - 1)
    with SandboxServer(SandboxConfig(catalog_copies=copies)) as sandbox:
        ids = [film.imdb_id for film in sandbox.catalog.festival_films()]
        resource = ImdbGraphqlResource(
            base_url=sandbox.env()["IMDB_GRAPHQL_URL"], cache_backend="none", requests_per_second=0
        )
        for n in args.films:
            rows = Rows()
            started = time.perf_counter()
            with resource.client(rows) as client:
                batches = fetch_titles(client, ids[:n])
            seconds = time.perf_counter() - started
            report = {
                "films": n,
                "graphql_calls": batches.calls,
                "bound_ceil_n_250": math.ceil(n / 250),
                "metric_rows": len(rows.rows),
                "ids_in_metadata": sum(len(r["metadata"]["ids"]) for r in rows.rows),
                "answered": len(batches.answered),
                "left_to_title_pages": len(batches.unanswered),
                "seconds": round(seconds, 3),
            }
            print(json.dumps(report))


if __name__ == "__main__":
    main()
