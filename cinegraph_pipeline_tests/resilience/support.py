"""What the resilience tests share: resources tuned for fast failure, edition runs, and the
film database as comparable values."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import Engine, select

from cinegraph_pipeline import config
from cinegraph_pipeline.assets.festival_import.common import (
    FINAL_ATTEMPT_TAG,
    RETRY_ATTEMPT_TAG,
    give_up_run_config,
)
from cinegraph_pipeline.assets.festival_import.state_io import (
    EDITION_STATE_IO_MANAGER,
    EditionStateIOManager,
)
from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.partitions import parse_edition
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.omdb.resource import OmdbResource
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.sources.tracking import NullRecorder
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).with_name("dagster"))

# Columns that differ between two correct runs: keys, clocks, and dates computed from them.
VOLATILE_MOVIE_COLUMNS = frozenset(
    {"id", "created_at", "updated_at", "next_tmdb_retry_at", "last_enrichment_attempt"}
)
NominationKey = tuple[str, int, str, str, str, str]


def fast_resources(
    env: Mapping[str, str],
    database_url: str,
    cache_dir: Path,
    *,
    max_retries: int = 1,
    read_timeout: float = 5.0,
    **per_source: Mapping[str, Any],
) -> dict[str, Any]:
    """Resources pointed at `env` (a sandbox's `env()`) with backoffs short enough for tests,
    no client-side rate limits, their own HTTP cache directory, and the OMDb daily quota
    counted per run (each run is "another day")."""
    common: dict[str, Any] = {
        "connect_timeout_seconds": 1.0,
        "read_timeout_seconds": read_timeout,
        "max_retries": max_retries,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
        "retry_after_max_seconds": 0.2,
        "circuit_cooldown_seconds": 0.2,
        "requests_per_second": 0.0,
        "cache_dir": str(cache_dir),
    }
    database = DatabaseResource(url=database_url)
    return {
        "tmdb": TmdbResource(
            api_key=env.get(config.TMDB_API_KEY_VAR),
            api_token=env.get(config.TMDB_API_TOKEN_VAR),
            base_url=env[config.TMDB_BASE_URL_VAR],
            **{**common, **per_source.get("tmdb", {})},
        ),
        "omdb": OmdbResource(
            api_key=env.get(config.OMDB_API_KEY_VAR),
            base_url=env[config.OMDB_BASE_URL_VAR],
            quota_database_url="memory",
            **{**common, **per_source.get("omdb", {})},
        ),
        "imdb": ImdbResource(
            base_url=env[config.IMDB_BASE_URL_VAR],
            zyte_api_key=env.get(config.ZYTE_API_KEY_VAR),
            zyte_api_url=env.get(config.ZYTE_API_URL_VAR, config.DEFAULT_ZYTE_API_URL),
            zyte_requests_per_second=0.0,
            quota_database_url="memory",
            **{**common, **per_source.get("imdb", {})},
        ),
        "imdb_graphql": ImdbGraphqlResource(
            base_url=env[config.IMDB_GRAPHQL_URL_VAR],
            **{**common, **per_source.get("imdb_graphql", {})},
        ),
        "database": database,
        EDITION_STATE_IO_MANAGER: EditionStateIOManager(database=database),
    }


def materialize_edition(
    partition: str,
    resources: Mapping[str, Any],
    instance: dg.DagsterInstance,
    *,
    tags: Mapping[str, str] | None = None,
    run_config: Mapping[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of the edition's `festival_import` assets, as the job would run them."""
    return dg.materialize(
        FESTIVAL_IMPORT_ASSETS,
        partition_key=partition,
        resources=dict(resources),
        instance=instance,
        tags=dict(tags or {}),
        run_config=dict(run_config or {}),
        raise_on_error=False,
    )


@dataclass
class RetriedImport:
    runs: list[dg.ExecuteInProcessResult]
    final_attempt_used: bool


def import_with_retries(
    partition: str,
    resources: Mapping[str, Any],
    instance: dg.DagsterInstance,
    engine_of: Callable[[], Engine],
    *,
    max_attempts: int,
    after_run: Callable[[int, dg.ExecuteInProcessResult], None] | None = None,
) -> RetriedImport:
    """The edition as the deferred-editions sensor would drive it: a first run, then re-runs
    tagged `cinegraph/retry_attempt` while a run failed or films are still `pending`, the
    last one tagged `cinegraph/final_attempt` and giving up on what is still pending (no
    waiting between them)."""
    runs: list[dg.ExecuteInProcessResult] = []
    attempt = 0
    while True:
        tags: dict[str, str] = {}
        final = attempt >= max_attempts
        if attempt:
            tags[RETRY_ATTEMPT_TAG] = str(attempt)
        if final:
            tags[FINAL_ATTEMPT_TAG] = "true"
        result = materialize_edition(
            partition,
            resources,
            instance,
            tags=tags,
            run_config=give_up_run_config() if final else None,
        )
        runs.append(result)
        if after_run is not None:
            after_run(attempt, result)
        if final or (result.success and not pending_films(engine_of(), partition)):
            return RetriedImport(runs, final)
        attempt += 1


def pending_films(engine: Engine, partition: str) -> list[str]:
    edition = parse_edition(partition)
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(Movie.imdb_id)
                .join(FestivalNomination, FestivalNomination.movie_id == Movie.id)
                .where(
                    FestivalNomination.festival == edition.festival.slug,
                    FestivalNomination.year == edition.year,
                    Movie.import_type == "pending",
                )
                .distinct()
            )
        )


def expected_nominations(imdb: ImdbResource, partition: str) -> set[NominationKey]:
    """The natural keys of every nomination the edition's event page lists (read with the
    product's own client and parser, so faults must be off)."""
    edition = parse_edition(partition)
    page = imdb.client(NullRecorder()).event_page(edition.festival.imdb_event_id, edition.year)
    rows = edition_nominations(edition.festival.slug, page).rows
    return {nomination_key(row) for row in rows}


def nomination_key(row: Mapping[str, Any]) -> NominationKey:
    return (
        row["festival"],
        int(row["year"]),
        row["award"],
        row["category"],
        row["film_imdb_id"],
        row["person_imdb_id"],
    )


@dataclass(frozen=True)
class FilmState:
    """The film database minus what legitimately differs between two correct runs: movies
    by IMDb id (without ids and clocks), nominations by natural key with their film's IMDb id
    in place of the row id."""

    movies: dict[str, dict[str, Any]]
    nominations: dict[NominationKey, dict[str, Any]]
    movie_rows: int
    nomination_rows: int


def film_state(engine: Engine) -> FilmState:
    movies: dict[str, dict[str, Any]] = {}
    id_to_imdb: dict[int, str] = {}
    with engine.connect() as conn:
        movie_rows = conn.execute(select(Movie.__table__)).mappings().all()
        for row in movie_rows:
            id_to_imdb[row["id"]] = row["imdb_id"]
            movies[row["imdb_id"]] = {
                k: v for k, v in row.items() if k not in VOLATILE_MOVIE_COLUMNS
            }
        nomination_rows = conn.execute(select(FestivalNomination.__table__)).mappings().all()
    nominations: dict[NominationKey, dict[str, Any]] = {}
    for row in nomination_rows:
        values = {k: v for k, v in row.items() if k not in ("id", "movie_id")}
        values["movie"] = id_to_imdb.get(row["movie_id"]) if row["movie_id"] else None
        nominations[nomination_key(row)] = values
    return FilmState(movies, nominations, len(movie_rows), len(nomination_rows))


def metric_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(ApiLookupMetric.__table__)).mappings()]


# -- runs in other processes ----------------------------------------------------------------


def cli_env(sandbox_env: Mapping[str, str], home: Path, database_url: str) -> dict[str, str]:
    """The environment of a `dagster` command pointed at a sandbox: the standard names only."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TMDB_", "OMDB_", "IMDB_", "ZYTE_", "CINEGRAPH_", "DAGSTER_PG"))
    }
    env.update(sandbox_env)
    env["DAGSTER_HOME"] = str(home)
    env[config.DATABASE_URL_VAR] = database_url
    return env


def prepare_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text((REPO_ROOT / "dagster.yaml").read_text())
    return home


def start_cli_import(partition: str, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """The README's `dagster asset materialize` of the edition's `festival_import` assets
    (steps in one process, the default executor), in its own process group (so that it can
    be killed whole)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                DAGSTER,
                "asset",
                "materialize",
                "-m",
                "cinegraph_pipeline.definitions",
                "--select",
                "group:festival_import",
                "--partition",
                partition,
            ],
            env=dict(env),
            cwd=str(REPO_ROOT),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the process group this test started."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextmanager
def reaped(*processes: subprocess.Popen[bytes]) -> Iterator[None]:
    """Kills what is still running when the block ends (a failing test leaves nothing)."""
    try:
        yield
    finally:
        for process in processes:
            if process.poll() is None:
                kill_group(process)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)
