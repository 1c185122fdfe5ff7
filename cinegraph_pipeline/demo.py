"""`python -m cinegraph_pipeline.demo`: import one festival edition from the bundled sandbox.

Starts the sandbox (TMDb, OMDb and IMDb formats over real film data) on a free local port,
points the pipeline at it through the standard environment names, materializes the edition's
`festival_import` assets in the Dagster instance of `$DAGSTER_HOME`, and prints a summary.
With `--real`, it uses the services and keys already set in the environment instead.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime

import dagster as dg
from sqlalchemy import case, func, select

from cinegraph_pipeline import config
from cinegraph_pipeline.jobs import festival_import_job
from cinegraph_pipeline.partitions import parse_edition
from cinegraph_pipeline.storage.engine import DatabaseConfigError, shared_engine
from cinegraph_pipeline.storage.models import ApiLookupMetric


def _summary(started_at: datetime, metadata: dict[str, dg.MetadataValue], seconds: float) -> str:
    engine = shared_engine(config.database_url())
    # Calls that reached the service; requests include retries; cached: cache hits and replays.
    reached = ApiLookupMetric.origin == "service"
    with engine.connect() as conn:
        per_source = conn.execute(
            select(
                ApiLookupMetric.source,
                func.sum(case((reached, 1), else_=0)),
                func.sum(case((reached & ApiLookupMetric.success.is_(True), 1), else_=0)),
                func.avg(ApiLookupMetric.response_time_ms),
                func.sum(ApiLookupMetric.cost_usd),
                func.sum(ApiLookupMetric.attempts),
                func.sum(case((ApiLookupMetric.cached.is_(True), 1), else_=0)),
            )
            .where(ApiLookupMetric.inserted_at >= started_at)
            .group_by(ApiLookupMetric.source)
            .order_by(ApiLookupMetric.source)
        ).all()
    value = {key: metadata[key].value for key in metadata}
    lines = [
        f"films: {value['films']}  nominations: {value['nominations']}",
        f"full: {value['full']}  minimal: {value['minimal']}  stub: {value['stub']}  "
        f"pending: {value['pending']}",
        "source            calls  success  avg ms  requests  cached",
    ]
    calls = 0
    cost = 0.0
    for source, count, ok, avg_ms, source_cost, requests, cached in per_source:
        calls += count
        cost += float(source_cost or 0.0)
        rate = f"{ok / count:>7.1%}" if count else "    n/a"
        lines.append(
            f"{source:<16} {count:>6} {rate}  {avg_ms or 0:>6.0f}  {requests:>8}  {cached:>6}"
        )
    lines.append(f"calls: {calls}  cost: ${cost:.4f}  time: {seconds:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="cannes|2011", help="partition key, e.g. cannes|2016")
    parser.add_argument(
        "--real", action="store_true", help="use the real services configured in the environment"
    )
    args = parser.parse_args(argv)
    try:
        parse_edition(args.edition)
    except ValueError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2

    with ExitStack() as stack:
        if not args.real:
            from cinegraph_pipeline.sandbox.server import SandboxConfig, SandboxServer

            sandbox = stack.enter_context(SandboxServer(SandboxConfig()).start())
            os.environ.update(sandbox.env())
            print(f"sandbox: {sandbox.base_url}")
        try:
            shared_engine(config.database_url())
        except DatabaseConfigError as exc:
            print(f"demo: {exc}", file=sys.stderr)
            return 2
        # Definitions read the environment when loaded: after the sandbox has set it.
        from cinegraph_pipeline.definitions import defs

        started_at = datetime.now(UTC)
        started = time.monotonic()
        with dg.DagsterInstance.get() as instance:
            job = defs.resolve_job_def(festival_import_job.name)
            result = job.execute_in_process(
                instance=instance,
                partition_key=args.edition,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            )
            if not result.success:
                for failure in result.get_step_failure_events():
                    error = failure.step_failure_data.error
                    reason = error.message.strip() if error else "no message"
                    reason = re.sub(r"^[\w.]*Failure: ", "", reason)
                    print(f"demo: step {failure.step_key} failed: {reason}", file=sys.stderr)
                print("demo: the run failed; open the Dagster UI (scripts/ui) for the details")
                return 1
            event = instance.get_latest_materialization_event(dg.AssetKey("edition_write"))
            assert event is not None and event.asset_materialization is not None
            metadata = dict(event.asset_materialization.metadata)
        print(f"edition {args.edition} imported into {config.database_url()}")
        print(_summary(started_at, metadata, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
