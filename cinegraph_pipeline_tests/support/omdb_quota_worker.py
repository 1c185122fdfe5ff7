"""One host's worth of OMDb calls, for the shared-quota test: run as its own process, with
the OMDb resource a step would build (OMDB_BASE_URL, OMDB_API_KEY, CINEGRAPH_DATABASE_URL
from the environment), it asks for `--calls` distinct films once `--go` exists and prints
`{"answered": n, "quota_exhausted": m}`."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tracking import NullRecorder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--first", type=int, required=True, help="number of the first film id")
    parser.add_argument("--quota", type=int, required=True)
    parser.add_argument("--go", type=Path, required=True)
    args = parser.parse_args()
    resource = OmdbResource.from_env(
        daily_quota=args.quota, cache_backend="none", requests_per_second=0.0, max_retries=0
    )
    counts = {"answered": 0, "quota_exhausted": 0}
    with resource.client(NullRecorder()) as client:
        while not args.go.exists():
            time.sleep(0.01)
        for number in range(args.first, args.first + args.calls):
            try:
                client.by_imdb_id(f"tt{number:07d}")
                counts["answered"] += 1
            except SourceError as error:
                if error.error_type is ErrorType.QUOTA_EXHAUSTED:
                    counts["quota_exhausted"] += 1
                elif error.error_type is ErrorType.NOT_FOUND:
                    counts["answered"] += 1
                else:
                    raise
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
