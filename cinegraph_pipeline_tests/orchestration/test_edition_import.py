"""Festival editions imported end to end on the sandbox with `dg.materialize`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cinegraph_pipeline.assets.enrichment import placeholder_enrichment
from cinegraph_pipeline.assets.festival_import.scrape import edition_nominations_scraped
from cinegraph_pipeline.assets.festival_import.stages import edition_tmdb_matches
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import SandboxServer
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie
from cinegraph_pipeline_tests.orchestration.conftest import (
    MIXED_EDITION,
    engine_for,
    run_edition,
    snapshot,
)

EXPECTED_TYPE = {"tmdb": "full", "omdb": "minimal", "imdb": "minimal", "stub": "stub"}


def import_edition(
    instance: dg.DagsterInstance, partition: str = MIXED_EDITION
) -> dg.ExecuteInProcessResult:
    result = run_edition(instance, partition)
    assert result.success
    return result


def test_an_edition_is_imported_with_every_film_where_it_belongs(
    sandbox: SandboxServer, film_db: str
) -> None:
    with dg.instance_for_test() as instance:
        result = import_edition(instance)
        write = result.asset_materializations_for_node("edition_write")[0].metadata
        checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) == {
        "stub_share",
        "pending_share",
        "no_lost_nominations",
        "no_lost_metric_rows",
    }
    assert checks["no_lost_nominations"].passed
    assert checks["stub_share"].passed  # 2 stubs of 46 films
    engine = engine_for(film_db)
    with Session(engine) as session:
        movies = {m.imdb_id: m for m in session.scalars(select(Movie))}
        nominations = session.scalars(select(FestivalNomination)).all()
        metric_sources = Counter(session.scalars(select(ApiLookupMetric.source)).all())
    assert len(nominations) == write["nominations"].value > 0
    assert all(n.festival == "cannes" and n.year == 2011 for n in nominations)
    assert all(n.movie_id is not None for n in nominations if n.film_imdb_id)
    assert len(movies) == write["films"].value
    kinds = Counter()
    for imdb_id, movie in movies.items():
        truth = sandbox.truth(imdb_id)
        assert movie.import_type == EXPECTED_TYPE[truth.expected_source], imdb_id
        if truth.expected_source == "tmdb":
            assert movie.tmdb_id == truth.tmdb_id, imdb_id
        kinds[movie.import_type] += 1
    assert kinds["full"] and kinds["minimal"] and kinds["stub"]
    assert write["full"].value == kinds["full"]
    assert write["stub"].value == kinds["stub"]
    assert write["lost_nominations"].value == 0
    assert write["calls"].value > 0
    assert sum(write[f"resolved_level_{n}"].value for n in range(1, 7)) == kinds["full"]
    assert set(metric_sources) == {"festival_scraper", "tmdb", "omdb", "imdb"}
    stubs = [m for m in movies.values() if m.import_type == "stub"]
    assert all(m.needs_enrichment and m.next_tmdb_retry_at is not None for m in stubs)


def test_a_second_run_of_the_same_edition_changes_nothing(
    sandbox: SandboxServer, film_db: str
) -> None:
    engine = engine_for(film_db)
    with dg.instance_for_test() as instance:
        import_edition(instance)
        first = snapshot(engine)
        with engine.connect() as conn:
            metrics_after_first = conn.scalar(select(func.count()).select_from(ApiLookupMetric))
        result = import_edition(instance)
    write = result.asset_materializations_for_node("edition_write")[0].metadata
    assert snapshot(engine) == first
    assert write["looked_up"].value == 0
    assert write["movies_inserted"].value == write["movies_updated"].value == 0
    assert write["nominations_inserted"].value == write["nominations_updated"].value == 0
    with engine.connect() as conn:
        metrics_after_second = conn.scalar(select(func.count()).select_from(ApiLookupMetric))
    # Only the edition is fetched again (GraphQL: its event, then its one page); metrics are
    # append-only.
    assert metrics_after_second == metrics_after_first + 2


def test_enrichment_upgrades_a_film_the_sandbox_releases_to_tmdb(
    sandbox: SandboxServer, film_db: str
) -> None:
    engine = engine_for(film_db)
    with dg.instance_for_test() as instance:
        import_edition(instance)
        with Session(engine, expire_on_commit=False) as session:
            placeholders = {
                m.imdb_id: m
                for m in session.scalars(
                    # A series with its TMDb series id waits for no enrichment.
                    select(Movie).where(
                        Movie.import_type.in_(("minimal", "stub")), Movie.needs_enrichment
                    )
                )
            }
        released_id = next(i for i, m in placeholders.items() if m.import_type == "stub")
        minimal_id = next(i for i, m in placeholders.items() if m.import_type == "minimal")
        minimal_before = placeholders[minimal_id]
        sandbox.release(released_id)
        sandbox.release(minimal_id)

        # Not due yet: nothing is tried.
        early = dg.materialize(
            [placeholder_enrichment], instance=instance, resources=build_resources()
        )
        assert (
            early.asset_materializations_for_node("placeholder_enrichment")[0]
            .metadata["tried"]
            .value
            == 0
        )

        later = (datetime.now(UTC) + timedelta(days=8)).isoformat()
        result = dg.materialize(
            [placeholder_enrichment],
            instance=instance,
            resources=build_resources(),
            run_config={"ops": {"placeholder_enrichment": {"config": {"as_of": later}}}},
        )
    metadata = result.asset_materializations_for_node("placeholder_enrichment")[0].metadata
    assert metadata["due"].value == len(placeholders)
    assert metadata["upgraded"].value == 2
    assert metadata["still_pending"].value == len(placeholders) - 2
    # The enrichment's own figures: what still waits, and how long TMDb took (8 days here;
    # no placeholder is 30 days old yet, so the 30-day share is undefined, not 0).
    assert metadata["placeholders_waiting"].value == len(placeholders) - 2
    assert metadata["avg_days_until_tmdb"].value == pytest.approx(8, abs=0.1)
    assert metadata["upgraded_to_tmdb_within_30d_share"].value is None
    assert [r.data["outcome"] for r in metadata["preview"].records].count("upgraded") == 2
    with Session(engine) as session:
        movies = {m.imdb_id: m for m in session.scalars(select(Movie))}
    upgraded = movies[released_id]
    assert (upgraded.import_type, upgraded.data_source) == ("full", "tmdb")
    assert upgraded.tmdb_id == sandbox.truth(released_id).tmdb_id
    assert upgraded.needs_enrichment is False and upgraded.next_tmdb_retry_at is None
    from_omdb = movies[minimal_id]
    assert from_omdb.import_type == "full"
    # What OMDb gave stays where TMDb has nothing.
    if minimal_before.imdb_rating is not None:
        assert from_omdb.imdb_rating == minimal_before.imdb_rating
    waiting = [
        m for i, m in movies.items() if i in placeholders and i not in (released_id, minimal_id)
    ]
    for movie in waiting:
        assert movie.placeholder_retry_count == 1
        assert movie.next_tmdb_retry_at.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(days=20)


@pytest.mark.parametrize("partition", ["cannes|2016"])
def test_an_edition_with_no_key_fails_naming_the_variable(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch, partition: str
) -> None:
    monkeypatch.delenv("TMDB_API_KEY")
    with dg.instance_for_test() as instance:
        result = run_edition(instance, partition)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "edition_tmdb_matches"
    assert "TMDB_API_KEY" in str(failure.event_specific_data.error)


def test_a_key_set_only_in_the_runs_environment_is_used(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kubernetes `env_secrets`, ECS task secrets: the key is absent where the code location
    loads and present where the run executes."""
    key = sandbox.env()["TMDB_API_KEY"]
    monkeypatch.delenv("TMDB_API_KEY")
    resources = build_resources()  # loaded without the key
    monkeypatch.setenv("TMDB_API_KEY", key)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [edition_nominations_scraped, edition_tmdb_matches],
            partition_key=MIXED_EDITION,
            instance=instance,
            resources=resources,
        )
    assert result.success
    progress = result.output_for_node("edition_tmdb_matches")
    (tmdb,) = progress.stages
    assert tmdb.resolved > 0 and tmdb.errors == {}
    with engine_for(film_db).connect() as conn:
        auth = conn.scalar(
            select(func.count())
            .select_from(ApiLookupMetric)
            .where(ApiLookupMetric.source == "tmdb", ApiLookupMetric.error_type == "auth")
        )
    assert auth == 0


def test_an_edition_of_another_festival_is_imported(sandbox: SandboxServer, film_db: str) -> None:
    with dg.instance_for_test() as instance:
        result = import_edition(instance, "venice|2005")
        write = result.asset_materializations_for_node("edition_write")[0].metadata
    expected = sandbox.catalog.event_nominations("ev0000681", 2005) or ()
    assert write["films"].value == len({n.film.imdb_id for n in expected}) > 5
    assert write["lost_nominations"].value == 0
    with Session(engine_for(film_db)) as session:
        festivals = set(session.scalars(select(FestivalNomination.festival)).all())
    assert festivals == {"venice"}


def test_an_edition_the_sandbox_lacks_fails_naming_the_sandbox(
    sandbox: SandboxServer, film_db: str
) -> None:
    with dg.instance_for_test() as instance:
        result = run_edition(instance, "venice|2020")
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "edition_nominations_scraped"
    message = str(failure.event_specific_data.error)
    assert "Venice Film Festival 2020" in message
    assert "cinegraph sandbox has no edition" in message
    assert sandbox.catalog.describe_editions() in message


def test_metric_rows_the_database_refuses_are_counted_and_fail_a_check(
    sandbox: SandboxServer, film_db: str
) -> None:
    """The film database refuses every metric row (a trigger): the lookups go on, each stage
    shows the rows it lost, and the edition's `no_lost_metric_rows` check fails."""
    engine = engine_for(film_db)
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_metrics BEFORE INSERT ON api_lookup_metrics "
            "BEGIN SELECT RAISE(ABORT, 'metrics refused'); END"
        )
    engine.dispose()
    with dg.instance_for_test() as instance:
        result = import_edition(instance)
        stages = {
            node: result.asset_materializations_for_node(node)[0].metadata
            for node in ("edition_nominations_scraped", "edition_tmdb_matches", "edition_write")
        }
        checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    # The edition's two GraphQL calls (its event, its one page of nominations).
    assert stages["edition_nominations_scraped"]["metric_rows_lost"].value == 2
    tmdb_lost = stages["edition_tmdb_matches"]["metric_rows_lost"].value
    # None of the TMDb stage's rows was written (its `calls` counts written rows): all lost.
    assert tmdb_lost > 0 and stages["edition_tmdb_matches"]["calls"].value == 0
    assert stages["edition_write"]["metric_rows_lost"].value >= tmdb_lost
    lost = checks["no_lost_metric_rows"]
    assert not lost.passed
    assert lost.metadata["measured"].value == stages["edition_write"]["metric_rows_lost"].value
    assert checks["no_lost_nominations"].passed
