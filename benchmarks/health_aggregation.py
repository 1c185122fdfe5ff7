"""How long one `api_health` computation takes over 1,000,000 metric rows.

    .venv/bin/python -m benchmarks.health_aggregation [--rows N] [--backend sqlite|postgresql]

Seeds the rows fast (one executemany on SQLite, COPY on PostgreSQL, in a throwaway database
and, for PostgreSQL, a throwaway server), spread over 30 days with the realistic mix of
`cinegraph_pipeline.health.synthetic`, then times the SQL aggregation alone and the whole
asset body (aggregation, checks, metadata and the four PNG charts). Aim: under a second.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from cinegraph_pipeline.assets.api_health import build_api_health_result
from cinegraph_pipeline.health.aggregate import compute_health
from cinegraph_pipeline.health.synthetic import synthetic_rows
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import METRIC_COLUMNS

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


def _rows(count: int, now: datetime) -> Iterable[dict[str, Any]]:
    return synthetic_rows(count, now=now, days=30)


def seed_sqlite(engine: Engine, count: int, now: datetime) -> None:
    placeholders = ", ".join("?" for _ in METRIC_COLUMNS)
    sql = f"INSERT INTO api_lookup_metrics ({', '.join(METRIC_COLUMNS)}) VALUES ({placeholders})"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        batch: list[tuple[Any, ...]] = []
        for row in _rows(count, now):
            values = []
            for column in METRIC_COLUMNS:
                value = row[column]
                if column == "metadata":
                    value = json.dumps(value)
                elif column == "inserted_at":
                    value = value.strftime(SQLITE_TIME_FORMAT)
                elif isinstance(value, bool):
                    value = int(value)
                values.append(value)
            batch.append(tuple(values))
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)
        raw.commit()  # no ANALYZE: SQLite files rarely get one; the queries must not need it
    finally:
        raw.close()


def seed_postgres(engine: Engine, count: int, now: datetime) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(count, now):
        values = []
        for column in METRIC_COLUMNS:
            value = row[column]
            if column == "metadata":
                value = json.dumps(value)
            elif column == "inserted_at":
                value = value.isoformat()
            elif value is None:
                value = ""
            values.append(value)
        writer.writerow(values)
    buffer.seek(0)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.copy_expert(
            f"COPY api_lookup_metrics ({', '.join(METRIC_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
            buffer,
        )
        raw.commit()
    finally:
        raw.close()
    # What autovacuum does to a table this size soon after a bulk load.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE api_lookup_metrics"))


def _timed(function: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def run(engine: Engine, backend: str, rows: int, repeat: int) -> dict[str, Any]:
    upgrade(engine)
    now = datetime.now(UTC)
    started = time.perf_counter()
    (seed_sqlite if backend == "sqlite" else seed_postgres)(engine, rows, now)
    seeded = time.perf_counter() - started
    aggregation = _timed(lambda: compute_health(engine), repeat)
    result: dict[str, Any] = {
        "backend": backend,
        "rows": rows,
        "seed_s": round(seeded, 1),
        "aggregation_first_s": round(aggregation[0], 3),
        "aggregation_median_s": round(statistics.median(aggregation), 3),
    }
    whole = _timed(lambda: build_api_health_result(engine), repeat)
    result["asset_first_s"] = round(whole[0], 3)
    result["asset_median_s"] = round(statistics.median(whole), 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="cinegraph-bench-") as tmp:
                engine = create_database_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
                try:
                    print(json.dumps(run(engine, backend, args.rows, args.repeat)), flush=True)
                finally:
                    engine.dispose()
        else:
            from cinegraph_pipeline_tests.support.postgres import PostgresServer

            server = PostgresServer().start()
            try:
                engine = create_database_engine(server.url(server.create_database("bench")))
                try:
                    print(json.dumps(run(engine, backend, args.rows, args.repeat)), flush=True)
                finally:
                    engine.dispose()
            finally:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
