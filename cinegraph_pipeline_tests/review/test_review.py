"""The review queue: the asset listing flagged films, and `cinegraph-review` settling them
against the sandbox's TMDb (real HTTP on 127.0.0.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, select

from cinegraph_pipeline.assets.review import review_queue
from cinegraph_pipeline.review.cli import main
from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.catalog import FilmTruth
from cinegraph_pipeline.sources.records import FilmData
from cinegraph_pipeline.storage.film_records import accept_review
from cinegraph_pipeline.storage.models import ApiLookupMetric, Movie
from cinegraph_pipeline.storage.resource import DatabaseResource
from cinegraph_pipeline.storage.writes import movie_ids, upsert_nominations
from cinegraph_pipeline_tests.health.rows import NOW, movie, nomination, store_movies


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig()) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    sandbox_server.reset()
    for name, value in sandbox_server.env().items():
        monkeypatch.setenv(name, value)
    return sandbox_server


def on_tmdb(sandbox: SandboxServer, count: int = 2) -> list[FilmTruth]:
    return [
        t
        for t in sandbox.catalog.truths()
        if t.on_tmdb and t.tmdb_id and t.tmdb_imdb_id == t.imdb_id
    ][:count]


def flag(engine: Engine, truth: FilmTruth, candidates: list[dict], kind: str = "minimal") -> None:
    """The film as a lookup left it: stored `kind`, flagged, with its candidates, nominated
    at cannes|2016."""
    store_movies(
        engine,
        [
            movie(
                truth.imdb_id,
                kind,
                title=truth.title,
                year=truth.year,
                needs_review=True,
                review_candidates=candidates,
                imdb_rating=7.1,
            )
        ],
    )
    with engine.begin() as conn:
        ids = movie_ids(conn, [truth.imdb_id])
        upsert_nominations(conn, [nomination(truth.imdb_id, movie_id=ids[truth.imdb_id])])


def candidate(truth: FilmTruth, tmdb_id: int | None = None, score: float = 0.71) -> dict:
    return {
        "source": "tmdb",
        "id": str(tmdb_id or truth.tmdb_id),
        "title": truth.tmdb_title,
        "year": truth.tmdb_year,
        "score": score,
    }


def stored(engine: Engine, imdb_id: str) -> Any:
    """The film's `movies` row (columns as attributes)."""
    with engine.connect() as conn:
        return conn.execute(select(Movie.__table__).where(Movie.imdb_id == imdb_id)).one()


def test_list_shows_the_flagged_films_with_their_candidates(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    first, second = on_tmdb(sandbox)
    flag(migrated_engine, first, [candidate(first), candidate(second, score=0.69)])
    flag(migrated_engine, second, [], kind="stub")
    assert main(["--url", database_url, "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 films waiting for review")
    assert f"{first.imdb_id}  {first.title}" in out and "cannes|2016" in out
    assert f"candidate tmdb {first.tmdb_id}: {first.tmdb_title}" in out
    assert "ambiguous candidates" in out
    assert "unknown after every retry" in out


def test_accept_fetches_the_tmdb_record_and_upgrades_the_film(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    (truth,) = on_tmdb(sandbox, 1)
    flag(migrated_engine, truth, [candidate(truth)])
    assert main(["--url", database_url, "accept", truth.imdb_id, str(truth.tmdb_id)]) == 0
    assert f"{truth.imdb_id} is now full from TMDb movie {truth.tmdb_id}" in capsys.readouterr().out
    film = stored(migrated_engine, truth.imdb_id)
    assert (film.import_type, film.data_source, film.tmdb_id) == ("full", "tmdb", truth.tmdb_id)
    assert (film.needs_review, film.review_candidates, film.needs_enrichment) == (False, [], False)
    assert film.imdb_rating == 7.1  # kept: TMDb has no IMDb rating
    assert film.title == truth.tmdb_title
    # The TMDb call is recorded like any other, attributed to the film.
    with migrated_engine.connect() as conn:
        (row,) = conn.execute(select(ApiLookupMetric.__table__)).mappings().all()
    assert (row["source"], row["operation"], row["target_identifier"]) == (
        "tmdb",
        "details",
        truth.imdb_id,
    )
    assert row["success"] and row["origin"] == "service" and row["attempts"] == 1
    assert row["metadata"]["step"] == "cinegraph-review"
    assert main(["--url", database_url, "list"]) == 0
    assert "no film is waiting for review" in capsys.readouterr().out


def test_accept_refuses_a_record_that_names_another_film_unless_forced(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    first, other = on_tmdb(sandbox)
    flag(migrated_engine, first, [candidate(other)])
    assert main(["--url", database_url, "accept", first.imdb_id, str(other.tmdb_id)]) == 1
    assert f"names {other.imdb_id}, not {first.imdb_id}" in capsys.readouterr().err
    assert stored(migrated_engine, first.imdb_id).needs_review is True
    args = ["--url", database_url, "accept", first.imdb_id, str(other.tmdb_id), "--force"]
    assert main(args) == 0
    assert stored(migrated_engine, first.imdb_id).tmdb_id == other.tmdb_id


def test_accept_refuses_to_make_a_series_a_tmdb_movie_even_forced(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    (truth,) = on_tmdb(sandbox, 1)
    store_movies(
        migrated_engine,
        [
            movie(
                "tt7700001",
                "minimal",
                title=truth.title,
                year=truth.year,
                title_type="tvSeries",
                tmdb_tv_id=99,
                needs_review=True,
                review_candidates=[candidate(truth)],
            )
        ],
    )
    for extra in ([], ["--force"]):
        args = ["--url", database_url, "accept", "tt7700001", str(truth.tmdb_id), *extra]
        assert main(args) == 1
        assert "tt7700001 is a series (tvSeries)" in capsys.readouterr().err
    film = stored(migrated_engine, "tt7700001")
    assert (film.tmdb_id, film.tmdb_tv_id, film.import_type) == (None, 99, "minimal")
    with migrated_engine.connect() as conn:  # TMDb was not even asked
        assert conn.execute(select(ApiLookupMetric.__table__)).all() == []
        with pytest.raises(ValueError, match="series"):
            film_data = FilmData(imdb_id="tt7700001", title="A Film", tmdb_id=1)
            accept_review(conn, "tt7700001", film_data, NOW)


def test_accept_reports_an_unknown_tmdb_id_and_an_unknown_film(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    (truth,) = on_tmdb(sandbox, 1)
    flag(migrated_engine, truth, [candidate(truth)])
    assert main(["--url", database_url, "accept", truth.imdb_id, "999999999"]) == 1
    assert "TMDb has no movie 999999999" in capsys.readouterr().err
    assert stored(migrated_engine, truth.imdb_id).import_type == "minimal"
    assert main(["--url", database_url, "accept", "tt0000000", "1"]) == 1
    assert "no film tt0000000 in the film database" in capsys.readouterr().err


def test_dismiss_takes_a_film_off_the_queue_as_it_is(
    sandbox: SandboxServer,
    migrated_engine: Engine,
    database_url: str,
    capsys: pytest.CaptureFixture,
) -> None:
    (truth,) = on_tmdb(sandbox, 1)
    flag(migrated_engine, truth, [candidate(truth)], kind="stub")
    assert main(["--url", database_url, "dismiss", truth.imdb_id]) == 0
    film = stored(migrated_engine, truth.imdb_id)
    assert (film.import_type, film.needs_review, film.review_candidates) == ("stub", False, [])
    assert film.needs_enrichment is True  # the enrichment keeps trying it
    assert main(["--url", database_url, "dismiss", truth.imdb_id]) == 1
    assert "is not waiting for review" in capsys.readouterr().err


def test_the_review_queue_asset_lists_films_with_candidates(
    sandbox: SandboxServer, migrated_engine: Engine, database_url: str
) -> None:
    first, second = on_tmdb(sandbox)
    flag(migrated_engine, first, [candidate(first), candidate(second, score=0.69)])
    flag(migrated_engine, second, [], kind="stub")
    result = dg.materialize(
        [review_queue], resources={"database": DatabaseResource(url=database_url)}
    )
    metadata = result.asset_materializations_for_node("review_queue")[0].metadata
    assert (metadata["waiting"].value, metadata["with_candidates"].value) == (2, 1)
    rows = [r.data for r in metadata["queue"].records]
    ambiguous = [r for r in rows if r["imdb id"] == first.imdb_id]
    assert [r["settle with"] for r in ambiguous] == [
        f"cinegraph-review accept {first.imdb_id} {first.tmdb_id}",
        f"cinegraph-review accept {first.imdb_id} {second.tmdb_id}",
    ]
    assert ambiguous[0]["candidate"].startswith(f"{first.tmdb_id} {first.tmdb_title}")
    assert [r["score"] for r in ambiguous] == [0.71, 0.69]
    (stub,) = [r for r in rows if r["imdb id"] == second.imdb_id]
    assert stub["candidate"] is None and stub["editions"] == "cannes|2016"
    assert stub["settle with"] == f"cinegraph-review dismiss {second.imdb_id}"


def test_the_console_script_is_installed(sqlite_url: str) -> None:
    script = Path(sys.executable).with_name("cinegraph-review")
    done = subprocess.run(
        [str(script), "--url", sqlite_url, "list"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "no film is waiting for review" in done.stdout
