"""`python -m cinegraph_pipeline.demo`: run the pipeline once on this machine and summarize."""

from __future__ import annotations

import sys
import time

import dagster as dg

from cinegraph_pipeline.definitions import defs


def main() -> int:
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        job = defs.get_implicit_global_asset_job_def()
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        if not result.success:
            print("demo: the run failed; see the Dagster UI (scripts/ui) for details")
            return 1
        event = instance.get_latest_materialization_event(dg.AssetKey("film_database"))
        assert event is not None and event.asset_materialization is not None
        metadata = event.asset_materialization.metadata
    print(f"film database: {metadata['database'].value}")
    print(
        f"movies: {metadata['movies'].value}  nominations: {metadata['nominations'].value}  "
        f"metric rows: {metadata['metric_rows'].value}  "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
