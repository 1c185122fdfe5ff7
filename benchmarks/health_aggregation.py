"""How long one `api_health` computation takes over 1,000,000 metric rows.

    .venv/bin/python -m benchmarks.health_aggregation [--rows N] [--backend sqlite|postgresql]

Seeds the rows fast (one executemany on SQLite, COPY on PostgreSQL, in a throwaway database
and, for PostgreSQL, a throwaway server), spread over 30 days with the realistic mix of
`benchmarks.synthetic_traffic`, and the `movies` rows of the films they looked up (one
per film, the same bulk path: the match rates and TMDb levels join the films to them), then
times the SQL aggregation alone and the whole asset body (aggregation, checks, metadata
tables; and with the four opt-in PNG charts). Aim: under a second. The films' rows are
created over the 30 days and each has one nomination, for the per-festival import health.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Engine, text

from benchmarks.synthetic_traffic import SyntheticTraffic
from cinegraph_pipeline.assets.api_health import ApiHealthConfig, build_api_health_result
from cinegraph_pipeline.health.aggregate import compute_health
from cinegraph_pipeline.partitions import FESTIVALS
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import (
    METRIC_COLUMNS,
    ApiLookupMetric,
    FestivalNomination,
    Movie,
)

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite
TABLES = {
    "api_lookup_metrics": ApiLookupMetric.__table__,
    "movies": Movie.__table__,
    "festival_nominations": FestivalNomination.__table__,
}
Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _converters(table: str, columns: Sequence[str], target: str) -> list[Converter]:
    """Per column, how a Python value is written by executemany (`sqlite`) or in COPY's CSV
    (`csv`), decided once from the column types rather than per value."""
    converters: list[Converter] = []
    for name in columns:
        kind = TABLES[table].c[name].type
        if isinstance(kind, JSON):
            null = None if target == "sqlite" else ""
            converters.append(lambda v, null=null: null if v is None else json.dumps(v))
        elif isinstance(kind, DateTime):
            converters.append(
                (lambda v: v.astimezone(UTC).strftime(SQLITE_TIME_FORMAT) if v else None)
                if target == "sqlite"
                else (lambda v: v.isoformat() if v else "")
            )
        elif isinstance(kind, Boolean) and target == "sqlite":
            converters.append(int)
        elif target == "csv":
            converters.append(lambda v: "" if v is None else v)
        else:
            converters.append(_identity)
    return converters


def _movie_rows(traffic: SyntheticTraffic, now: datetime) -> tuple[list[str], list[dict[str, Any]]]:
    """The movies rows with the columns `upsert_movies` would add (bulk loads bypass it),
    created over the 30 days of the traffic."""
    movies = traffic.movies()
    span = timedelta(days=30)
    rows = [
        {
            **movie,
            "placeholder_retry_count": 0,
            "created_at": now - span * (1 - index / len(movies)),
            "updated_at": now,
        }
        for index, movie in enumerate(movies)
    ]
    return (list(rows[0]) if rows else []), rows


def _nomination_rows(movies: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[dict]]:
    """One nomination per film, spread over the festivals and years; `movie_id` is the
    film's position, the id a fresh table gives the bulk-loaded rows."""
    rows = [
        {
            "festival": FESTIVALS[index % len(FESTIVALS)].slug,
            "year": 2000 + index % 26,
            "award": "Official Selection",
            "category": "Competition",
            "film_imdb_id": movie["imdb_id"],
            "film_title": movie["title"],
            # A person, not '': COPY's CSV reads an empty unquoted field as NULL.
            "person_imdb_id": "nm0000001",
            "person_name": "A Director",
            "winner": False,
            "notes": None,
            "movie_id": index + 1,
        }
        for index, movie in enumerate(movies)
    ]
    return (list(rows[0]) if rows else []), rows


@contextmanager
def _no_collection() -> Iterator[None]:
    """The generator keeps every film it created: without this, the cyclic garbage collector
    walks them again and again while the rows are built (seconds at a million rows)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _sqlite_insert(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> None:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    pairs = list(zip(columns, _converters(table, columns, "sqlite"), strict=True))
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(convert(row[column]) for column, convert in pairs))
        if len(batch) == 50_000:
            cursor.executemany(sql, batch)
            batch.clear()
    cursor.executemany(sql, batch)


def seed_sqlite(engine: Engine, count: int, now: datetime) -> int:
    traffic = SyntheticTraffic(count, now=now, days=30)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _sqlite_insert(cursor, "api_lookup_metrics", METRIC_COLUMNS, traffic)
        columns, movies = _movie_rows(traffic, now)
        _sqlite_insert(cursor, "movies", columns, movies)
        columns, nominations = _nomination_rows(movies)
        _sqlite_insert(cursor, "festival_nominations", columns, nominations)
        raw.commit()  # no ANALYZE: SQLite files rarely get one; the queries must not need it
    finally:
        raw.close()
    return len(movies)


def _copy(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    pairs = list(zip(columns, _converters(table, columns, "csv"), strict=True))
    for row in rows:
        writer.writerow([convert(row[column]) for column, convert in pairs])
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def seed_postgres(engine: Engine, count: int, now: datetime) -> int:
    traffic = SyntheticTraffic(count, now=now, days=30)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        _copy(cursor, "api_lookup_metrics", METRIC_COLUMNS, traffic)
        columns, movies = _movie_rows(traffic, now)
        _copy(cursor, "movies", columns, movies)
        columns, nominations = _nomination_rows(movies)
        _copy(cursor, "festival_nominations", columns, nominations)
        raw.commit()
    finally:
        raw.close()
    # What autovacuum does to tables this size soon after a bulk load.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE api_lookup_metrics"))
        conn.execute(text("VACUUM ANALYZE movies"))
        conn.execute(text("VACUUM ANALYZE festival_nominations"))
    return len(movies)


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
    with _no_collection():
        movies = (seed_sqlite if backend == "sqlite" else seed_postgres)(engine, rows, now)
    seeded = time.perf_counter() - started
    aggregation = _timed(lambda: compute_health(engine), repeat)
    result: dict[str, Any] = {
        "backend": backend,
        "rows": rows,
        "movies": movies,
        "seed_s": round(seeded, 1),
        "aggregation_first_s": round(aggregation[0], 3),
        "aggregation_median_s": round(statistics.median(aggregation), 3),
    }
    whole = _timed(lambda: build_api_health_result(engine), repeat)
    result["asset_first_s"] = round(whole[0], 3)
    result["asset_median_s"] = round(statistics.median(whole), 3)
    charts = ApiHealthConfig(charts=True)
    with_charts = _timed(lambda: build_api_health_result(engine, charts), repeat)
    result["asset_with_charts_median_s"] = round(statistics.median(with_charts), 3)
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
