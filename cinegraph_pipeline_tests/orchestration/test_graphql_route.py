"""The IMDb routes end to end on the sandbox: GraphQL while IMDb's website answers every page
with a WAF challenge, and the event and title pages (direct, or through Zyte) when GraphQL
answers 5xx."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cinegraph_pipeline.definitions import FESTIVAL_IMPORT_ASSETS
from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.partitions import FESTIVALS, parse_edition
from cinegraph_pipeline.resources import build_resources
from cinegraph_pipeline.sandbox import Catalog, SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.catalog import CANNES_EVENT_ID
from cinegraph_pipeline.sources.imdb import ImdbResource
from cinegraph_pipeline.sources.tracking import NullRecorder
from cinegraph_pipeline.storage.models import ApiLookupMetric, FestivalNomination, Movie

from .conftest import MIXED_EDITION, engine_for


def _editions() -> list[str]:
    """Every Cannes edition of the sandbox and the latest edition of each other festival it
    serves, through the whole pipeline while every HTML page is a challenge."""
    served = Catalog.load(seed=SandboxConfig().seed).served_editions()
    slugs = {festival.imdb_event_id: festival.slug for festival in FESTIVALS}
    keys = [f"cannes|{year}" for year in sorted(served.pop(CANNES_EVENT_ID, []))]
    keys += [f"{slugs[e]}|{max(years)}" for e, years in sorted(served.items()) if e in slugs]
    return keys


EDITIONS = _editions()


def materialize(partition: str) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            FESTIVAL_IMPORT_ASSETS,
            partition_key=partition,
            instance=instance,
            resources=build_resources(),
        )
    assert result.success
    return result


def metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, Any]:
    return {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}


def metric_rows(url: str, partition: str) -> list[ApiLookupMetric]:
    with Session(engine_for(url)) as session:
        rows = session.scalars(select(ApiLookupMetric)).all()
    return [row for row in rows if row.metadata_.get("partition") == partition]


def expected_nominations(sandbox: SandboxServer, partition: str) -> int:
    """Rows the edition's event page gives (read with faults off, before the test's)."""
    edition = parse_edition(partition)
    pages = ImdbResource(base_url=sandbox.env()["IMDB_BASE_URL"], cache_backend="none")
    with pages.client(NullRecorder()) as client:
        page = client.event_page(edition.festival.imdb_event_id, edition.year)
    return edition_nominations(edition.festival.slug, page).nomination_count


@pytest.mark.parametrize("partition", EDITIONS)
def test_with_every_html_page_challenged_editions_import_from_graphql(
    sandbox: SandboxServer, film_db: str, partition: str
) -> None:
    expected = expected_nominations(sandbox, partition)
    sandbox.set_faults(imdb_html_challenge=True)
    result = materialize(partition)

    scraped = metadata(result, "edition_nominations_scraped")
    assert scraped["route"] == "graphql"
    assert scraped["nominations"] == expected
    write = metadata(result, "edition_write")
    assert write["nominations"] == expected and write["lost_nominations"] == 0
    edition = parse_edition(partition)
    engine = engine_for(film_db)
    with Session(engine) as session:
        stored = session.scalar(
            select(func.count())
            .select_from(FestivalNomination)
            .where(
                FestivalNomination.festival == edition.festival.slug,
                FestivalNomination.year == edition.year,
            )
        )
        movies = {m.imdb_id: m for m in session.scalars(select(Movie))}
    assert stored == expected

    truths = [sandbox.truth(i) for i in movies]
    for truth in truths:
        movie = movies[truth.imdb_id]
        if truth.expected_source == "imdb":  # OMDb misses it: its record comes from GraphQL
            assert (movie.import_type, movie.data_source) == ("minimal", "imdb"), truth.imdb_id
        elif truth.expected_source == "stub":
            # IMDb answers null and the title page is walled off: deferred, never lost.
            assert movie.import_type == "pending", truth.imdb_id
        else:
            assert movie.import_type in ("full", "minimal"), truth.imdb_id
        assert movie.title_type is not None

    rows = metric_rows(film_db, partition)
    operations = Counter((row.source, row.operation) for row in rows)
    assert operations[("festival_scraper", "graphql_event")] == 1
    assert operations[("festival_scraper", "graphql_edition")] >= 1
    assert ("festival_scraper", "event_page") not in operations
    imdb_stage = metadata(result, "edition_imdb_matches")
    waiting = imdb_stage["tried"]
    assert operations[("imdb", "graphql_titles")] == imdb_stage["graphql_calls"]
    assert imdb_stage["graphql_calls"] <= math.ceil(waiting / 250)
    # Title pages only for what GraphQL did not answer (here: films no source knows).
    title_pages = [row for row in rows if row.operation == "title_page"]
    assert len(title_pages) == imdb_stage["title_pages_needed"]
    assert {sandbox.truth(row.target_identifier).expected_source for row in title_pages} <= {"stub"}


def test_with_graphql_failing_editions_fall_back_to_the_pages(
    sandbox: SandboxServer, film_db: str
) -> None:
    expected = expected_nominations(sandbox, MIXED_EDITION)
    sandbox.set_faults(graphql_5xx_share=1.0)
    result = materialize(MIXED_EDITION)

    scraped = metadata(result, "edition_nominations_scraped")
    assert (scraped["route"], scraped["nominations"]) == ("event_page", expected)
    write = metadata(result, "edition_write")
    assert write["lost_nominations"] == 0 and write["pending"] == 0
    rows = metric_rows(film_db, MIXED_EDITION)
    by_operation = Counter((row.operation, row.success) for row in rows)
    assert by_operation[("graphql_event", False)] == 1
    assert by_operation[("event_page", True)] == 1
    assert by_operation[("graphql_titles", False)] == 1
    imdb_stage = metadata(result, "edition_imdb_matches")
    assert imdb_stage["graphql_failed_calls"] == 1
    assert by_operation[("title_page", True)] == imdb_stage["tried"] > 0


def test_with_graphql_failing_and_pages_walled_off_zyte_serves_the_edition(
    sandbox: SandboxServer, film_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = expected_nominations(sandbox, MIXED_EDITION)
    monkeypatch.setenv("ZYTE_API_KEY", "sandbox")
    sandbox.set_faults(graphql_5xx_share=1.0, imdb_html_challenge=True)
    result = materialize(MIXED_EDITION)

    scraped = metadata(result, "edition_nominations_scraped")
    assert (scraped["route"], scraped["nominations"]) == ("zyte", expected)
    assert metadata(result, "edition_write")["pending"] == 0
    pages = [r for r in metric_rows(film_db, MIXED_EDITION) if r.operation == "event_page"]
    assert [(r.success, r.metadata_.get("via")) for r in pages] == [(True, "zyte")]
