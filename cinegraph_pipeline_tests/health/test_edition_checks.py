"""Per-edition checks: stub share and lost nominations, as functions and as asset checks."""

# No `from __future__ import annotations`: Dagster reads the context annotation.

from collections.abc import Sequence
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine

from cinegraph_pipeline.checks.edition import (
    edition_check_results,
    edition_check_specs,
    find_lost_nominations,
    lost_metric_rows_result,
    lost_nominations_result,
    pending_share_result,
    stub_share_result,
)
from cinegraph_pipeline.partitions import edition_partitions, parse_edition
from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.writes import movie_ids, upsert_movies, upsert_nominations
from cinegraph_pipeline_tests.health.rows import movie, nomination


def write_edition(
    engine: Engine,
    films: Sequence[tuple[str, str]],
    *,
    unlinked: Sequence[str] = (),
    festival: str = "cannes",
    year: int = 2016,
) -> None:
    """Movies (imdb id, import type) and one linked nomination each; `unlinked` films get a
    nomination without movie_id (and no movies row when not in `films`)."""
    with engine.begin() as conn:
        upsert_movies(conn, [movie(imdb_id, kind) for imdb_id, kind in films])
        ids = movie_ids(conn, [imdb_id for imdb_id, _ in films])
        rows: list[dict[str, Any]] = [
            nomination(imdb_id, festival=festival, year=year, movie_id=ids[imdb_id])
            for imdb_id, _ in films
            if imdb_id not in unlinked
        ]
        rows += [nomination(imdb_id, festival=festival, year=year) for imdb_id in unlinked]
        rows.append(nomination("", festival=festival, year=year, category="Honorary"))
        upsert_nominations(conn, rows)


def films(full: int, stubs: int, prefix: str = "tt1") -> list[tuple[str, str]]:
    return [(f"{prefix}{i:06d}", "full") for i in range(full)] + [
        (f"{prefix}9{i:05d}", "stub") for i in range(stubs)
    ]


@pytest.mark.parametrize(("stubs", "passed"), [(1, True), (3, False)])
def test_stub_share(migrated_engine: Engine, stubs: int, passed: bool) -> None:
    write_edition(migrated_engine, films(20 - stubs, stubs))
    write_edition(migrated_engine, films(0, 10, prefix="tt2"), festival="venice")
    result = stub_share_result(migrated_engine, "cannes", 2016)
    assert result.passed is passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["measured"].value == pytest.approx(stubs / 20)
    assert result.metadata["threshold"].value == 0.10
    assert result.metadata["films"].value == 20
    assert result.metadata["stubs"].value == stubs


def test_stub_share_of_an_edition_not_written_yet_passes(migrated_engine: Engine) -> None:
    result = stub_share_result(migrated_engine, "berlin", 2020)
    assert result.passed and result.metadata["films"].value == 0


@pytest.mark.parametrize(("pending", "passed"), [(1, True), (2, False)])
def test_pending_share(migrated_engine: Engine, pending: int, passed: bool) -> None:
    """20 films of which `pending` are still deferred and 2 are stubs: the pending share is
    judged on its own (5% by default), beside the stub share."""
    rows = films(18 - pending, 2) + [(f"tt3{i:06d}", "pending") for i in range(pending)]
    write_edition(migrated_engine, rows)
    result = pending_share_result(migrated_engine, "cannes", 2016)
    assert result.passed is passed
    assert result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["measured"].value == pytest.approx(pending / 20)
    assert (result.metadata["pending"].value, result.metadata["stubs"].value) == (pending, 2)
    assert result.metadata["threshold"].value == 0.05
    assert stub_share_result(migrated_engine, "cannes", 2016).metadata["pending"].value == pending


def test_lost_metric_rows_fail_their_check() -> None:
    assert lost_metric_rows_result(0).passed
    result = lost_metric_rows_result(7)
    assert not result.passed and result.metadata["measured"].value == 7
    assert "7 metric rows could not be written" in (result.description or "")


def test_no_lost_nominations_passes_when_every_film_is_linked(migrated_engine: Engine) -> None:
    write_edition(migrated_engine, films(5, 1))
    result = lost_nominations_result(migrated_engine, "cannes", 2016)
    assert result.passed
    assert result.metadata["measured"].value == 0
    assert result.metadata["nominations"].value == 6  # the film-less nomination is not counted


def test_unlinked_and_missing_films_are_lost(migrated_engine: Engine) -> None:
    write_edition(migrated_engine, films(5, 0), unlinked=["tt1000001", "tt7777777"])
    found = find_lost_nominations(migrated_engine, "cannes", 2016)
    assert found.lost == 2
    assert [entry.split()[0] for entry in found.sample] == ["tt1000001", "tt7777777"]
    result = lost_nominations_result(migrated_engine, "cannes", 2016)
    assert not result.passed
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["measured"].value == 2
    assert "tt7777777" in result.metadata["lost_sample"].value


def test_a_nomination_linked_to_another_film_is_lost(migrated_engine: Engine) -> None:
    with migrated_engine.begin() as conn:
        upsert_movies(conn, [movie("tt0000001"), movie("tt0000002")])
        ids = movie_ids(conn, ["tt0000001"])
        upsert_nominations(conn, [nomination("tt0000002", movie_id=ids["tt0000001"])])
    assert find_lost_nominations(migrated_engine, "cannes", 2016).lost == 1


def test_the_specs_let_the_edition_asset_evaluate_the_checks_itself(sqlite_url: str) -> None:
    engine = create_database_engine(sqlite_url)
    upgrade(engine)
    write_edition(engine, films(9, 1))

    @dg.asset(
        key="edition_write",
        partitions_def=edition_partitions,
        check_specs=edition_check_specs("edition_write"),
    )
    def edition_write(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        """A stand-in that checks the edition it wrote."""
        edition = parse_edition(context.partition_key)
        return dg.MaterializeResult(
            check_results=edition_check_results(engine, edition.festival.slug, edition.year)
        )

    result = dg.materialize([edition_write], partition_key="cannes|2016")
    engine.dispose()
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["stub_share"].passed
    assert evaluations["pending_share"].passed
    assert evaluations["no_lost_nominations"].passed
    assert evaluations["no_lost_metric_rows"].passed
