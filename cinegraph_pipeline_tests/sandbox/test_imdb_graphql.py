"""The sandbox's IMDb GraphQL API: a real GraphQL engine over MISSION.md's fields, pages of at
most 500 edges, `titles` of at most 250 ids, the same editions as the event pages, and its
faults (GraphQL 5xx; every HTML page a WAF challenge)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.sandbox import SandboxConfig, SandboxServer
from cinegraph_pipeline.sandbox.settings import SyntheticEdition
from cinegraph_pipeline.sources.imdb import ImdbGraphqlResource, ImdbResource
from cinegraph_pipeline.sources.imdb.graphql_queries import TITLE_FIELDS
from cinegraph_pipeline.sources.tracking import NullRecorder

from .helpers import Client

CANNES = "ev0000147"


def post(client: Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    response = client.http.post(
        client.env["IMDB_GRAPHQL_URL"],
        json={"query": query, "variables": variables or {}},
        headers={"x-imdb-client-name": "imdb-web-next"},
        timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def test_the_export_lines_point_at_the_graphql_api(sandbox: SandboxServer) -> None:
    assert sandbox.env()["IMDB_GRAPHQL_URL"] == f"{sandbox.base_url}/imdb-graphql/"


def test_an_unknown_field_fails_as_at_imdb(client: Client) -> None:
    answer = post(client, '{ title(id: "tt1234567") { id plotSummary } }')
    assert answer["data"] is None
    assert "plotSummary" in answer["errors"][0]["message"]


def test_the_events_editions_and_a_page_of_nominations(client: Client) -> None:
    event = post(
        client,
        "query($id: ID!) { nominationEvent(id: $id) { name { text } "
        "editions { id year instanceWithinYear } } }",
        {"id": CANNES},
    )
    editions = event["data"]["nominationEvent"]["editions"]
    years = sorted(edition["year"] for edition in editions)
    assert years == client.server.catalog.edition_years()
    assert all(edition["id"].startswith("ee") for edition in editions)
    assert post(client, '{ nominationEvent(id: "ev0000000") { name { text } } }') == {
        "data": {"nominationEvent": None}
    }
    edition_id = next(e["id"] for e in editions if e["year"] == 2016)
    answer = post(
        client,
        "query($id: ID!) { nominationEventEdition(id: $id) { year awards { id text "
        "nominationCategories(first: 1) { total pageInfo { hasNextPage endCursor } "
        "edges { node { category { text } nominations(first: 2) { total "
        "pageInfo { hasNextPage endCursor } edges { node { isWinner } } } } } } } } }",
        {"id": edition_id},
    )
    awards = answer["data"]["nominationEventEdition"]["awards"]
    assert awards and all(len(a["nominationCategories"]["edges"]) <= 1 for a in awards)
    assert all(
        len(e["node"]["nominations"]["edges"]) <= 2
        for a in awards
        for e in a["nominationCategories"]["edges"]
    )


def test_titles_answers_null_for_unknown_ids_and_refuses_more_than_250(client: Client) -> None:
    known = next(t.imdb_id for t in client.server.catalog.truths() if t.on_imdb)
    nowhere = next(t.imdb_id for t in client.server.catalog.truths() if not t.on_imdb)
    query = f"query($ids: [ID!]!) {{ titles(ids: $ids) {{ {TITLE_FIELDS} }} }}"
    titles = post(client, query, {"ids": [known, "tt0000001", nowhere]})["data"]["titles"]
    assert titles[0]["id"] == known and titles[1] is None and titles[2] is None
    assert titles[0]["principalCredits"][0]["category"]["id"] == "director"
    too_many = post(client, query, {"ids": [f"tt{n:07d}" for n in range(251)]})
    assert too_many["data"] is None and "250" in too_many["errors"][0]["message"]


def test_graphql_editions_give_the_event_pages_rows(sandbox: SandboxServer) -> None:
    env = sandbox.env()
    graphql = ImdbGraphqlResource(
        base_url=env["IMDB_GRAPHQL_URL"], cache_backend="none", requests_per_second=0
    )
    pages = ImdbResource(base_url=env["IMDB_BASE_URL"], cache_backend="none", requests_per_second=0)
    served = sandbox.catalog.served_editions()
    assert len(served) > 1  # every festival the sandbox serves, not only Cannes
    with graphql.client(NullRecorder()) as api, pages.client(NullRecorder()) as site:
        for event_id, years in served.items():
            assert api.event(event_id).years == tuple(sorted(years))
            for year in years:
                from_api = edition_nominations(event_id, api.edition(event_id, year))
                from_page = edition_nominations(event_id, site.event_page(event_id, year))
                assert from_api.rows == from_page.rows, (event_id, year)
                assert from_api.films == from_page.films


def test_graphql_5xx_fault(client: Client) -> None:
    client.server.set_faults(graphql_5xx_share=1.0)
    response = client.http.post(
        client.env["IMDB_GRAPHQL_URL"], json={"query": '{ title(id: "tt1") { id } }'}, timeout=10
    )
    assert response.status_code >= 500


def test_every_html_page_answers_a_challenge_but_graphql_and_zyte_do_not(client: Client) -> None:
    client.server.set_faults(imdb_html_challenge=True)
    film = next(t for t in client.server.catalog.truths() if t.on_imdb)
    for path in (f"/title/{film.imdb_id}/", f"/event/{CANNES}/2016/1/"):
        blocked = client.imdb(path)
        assert (blocked.status_code, blocked.content) == (202, b"")
        assert blocked.headers["x-amzn-waf-action"] == "challenge"
    assert post(client, f'{{ title(id: "{film.imdb_id}") {{ id }} }}')["data"]["title"]
    assert client.zyte(f"https://www.imdb.com/title/{film.imdb_id}/").json()["statusCode"] == 200


@pytest.fixture(scope="module")
def large_sandbox() -> Iterator[SandboxServer]:
    """Locarno 2001 as one award of 620 nominations: two pages of its one category."""
    edition = SyntheticEdition("ev0000400", 2001, 620, salt="large", award_size=620)
    with SandboxServer(SandboxConfig(catalog_copies=1, synthetic_editions=(edition,))) as server:
        yield server


def test_a_category_of_more_than_500_nominations_is_fetched_whole(
    large_sandbox: SandboxServer,
) -> None:
    env = large_sandbox.env()
    rows: list[dict[str, Any]] = []

    class Rows:
        def record(self, **fields: Any) -> None:
            rows.append(fields)

    graphql = ImdbGraphqlResource(
        base_url=env["IMDB_GRAPHQL_URL"], cache_backend="none", requests_per_second=0
    )
    with graphql.client(Rows()) as api:
        edition = api.edition("ev0000400", 2001)
    assert len(edition.nominations) == 620
    assert len({n.films[0].imdb_id for n in edition.nominations}) == 620
    pages = [r for r in rows if r["operation"] == "graphql_edition"]
    assert len(pages) == 2  # the first page, then the category's second page of 120
    raw = requests.post(
        env["IMDB_GRAPHQL_URL"],
        json={
            "query": "query($id: ID!) { nominationEventEdition(id: $id) { awards { "
            "nominationCategories { edges { node { nominations(first: 1000) { total "
            "pageInfo { hasNextPage } edges { node { isWinner } } } } } } } } }",
            "variables": {"id": edition_ids(env, "ev0000400")[2001]},
        },
        timeout=10,
    ).json()
    nominations = raw["data"]["nominationEventEdition"]["awards"][0]["nominationCategories"][
        "edges"
    ][0]["node"]["nominations"]
    assert (nominations["total"], len(nominations["edges"])) == (620, 500)
    assert nominations["pageInfo"]["hasNextPage"] is True


def edition_ids(env: dict[str, str], event_id: str) -> dict[int, str]:
    answer = requests.post(
        env["IMDB_GRAPHQL_URL"],
        json={"query": f'{{ nominationEvent(id: "{event_id}") {{ editions {{ id year }} }} }}'},
        timeout=10,
    ).json()
    return {e["year"]: e["id"] for e in answer["data"]["nominationEvent"]["editions"]}
