from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import Client, json_ld, next_data, pick, plain

CANNES = "ev0000147"


def nominations(page: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(award, category, nomination node) for every nomination of an event page."""
    out = []
    for award in next_data(page)["props"]["pageProps"]["edition"]["awards"]:
        for category_edge in award["nominationCategories"]["edges"]:
            node = category_edge["node"]
            category = (node["category"] or {}).get("text") or award["text"]
            for edge in node["nominations"]["edges"]:
                out.append((award["text"], category, edge["node"]))
    return out


def test_event_page_lists_every_nomination_of_the_edition(
    client: Client, sandbox: SandboxServer
) -> None:
    response = client.imdb(f"/event/{CANNES}/2016/1/")
    assert response.status_code == 200
    found = nominations(response.text)
    expected = sandbox.catalog.editions[2016]
    assert len(found) == len(expected)
    film_ids = set()
    for _, _, node in found:
        entities = node["awardedEntities"]
        titles = entities.get("awardTitles", []) + entities.get("secondaryAwardTitles", [])
        assert len(titles) == 1
        film_ids.add(titles[0]["title"]["id"])
    assert film_ids == {n.film.imdb_id for n in expected}
    winners = [(a, c) for a, c, node in found if node["isWinner"]]
    assert ("Palme d'Or", "Palme d'Or") in winners


def test_film_first_and_person_first_nominations(client: Client) -> None:
    found = nominations(client.imdb(f"/event/{CANNES}/2016/1/").text)
    palme = [node for award, _, node in found if award == "Palme d'Or"]
    assert len(palme) > 10
    for node in palme:
        entities = node["awardedEntities"]
        title = entities["awardTitles"][0]["title"]
        assert title["id"].startswith("tt")
        assert title["titleText"]["text"]
        assert title["originalTitleText"]["text"]
        assert isinstance(title["releaseDate"]["year"], int)
        assert "awardNames" not in entities
    acting = [node for award, _, node in found if award in ("Best Actor", "Best Actress")]
    directing = [node for award, _, node in found if award == "Best Director"]
    assert acting and directing
    for node in acting + directing:
        entities = node["awardedEntities"]
        assert "awardTitles" not in entities
        people = entities["awardNames"]
        assert people and all(p["name"]["id"].startswith("nm") for p in people)
        assert all(p["name"]["nameText"]["text"] for p in people)
        assert entities["secondaryAwardTitles"][0]["title"]["id"].startswith("tt")
    # 2016's Best Director went to two films ex aequo: both winners say so in their notes
    tied = [node for node in directing if node["isWinner"]]
    assert len(tied) == 2
    assert all(node["notes"]["plainText"].startswith("Tied with") for node in tied)


def test_directors_keep_their_real_names(client: Client, sandbox: SandboxServer) -> None:
    found = nominations(client.imdb(f"/event/{CANNES}/2016/1/").text)
    for award, _, node in found:
        if award != "Best Director":
            continue
        film_id = node["awardedEntities"]["secondaryAwardTitles"][0]["title"]["id"]
        film = sandbox.catalog.film(film_id)
        assert film is not None
        names = [p["name"]["nameText"]["text"] for p in node["awardedEntities"]["awardNames"]]
        assert names == [person.name for person in film.directors]


def test_event_page_history_and_categories(client: Client, sandbox: SandboxServer) -> None:
    props = next_data(client.imdb(f"/event/{CANNES}/2012/1/").text)["props"]["pageProps"]
    years = [edition["year"] for edition in props["historyEventEditions"]]
    assert sorted(years) == sandbox.catalog.edition_years()
    assert 2016 in years and 2010 in years
    categories = [
        edge["node"]["category"]
        for award in props["edition"]["awards"]
        for edge in award["nominationCategories"]["edges"]
    ]
    assert None in categories
    assert any(category and category["text"] for category in categories)


def test_script_tags_vary_so_clients_need_an_html_parser(client: Client) -> None:
    openings = set()
    for year in range(2010, 2020):
        page = client.imdb(f"/event/{CANNES}/{year}/1/").text
        soup = BeautifulSoup(page, "html.parser")
        tag = soup.find("script", id="__NEXT_DATA__")
        assert tag is not None
        start = page.index('id="__NEXT_DATA__"')
        openings.add(page[page.rindex("<script", 0, start) : page.index(">", start) + 1])
        json_scripts = soup.find_all("script", type="application/json")
        assert json_scripts[0].get("id") != "__NEXT_DATA__"  # a decoy comes first
    assert len(openings) > 1


def test_unknown_event_or_edition_is_404(client: Client) -> None:
    for path in (f"/event/{CANNES}/1999/1/", "/event/ev0000681/2016/1/", "/nothing/here"):
        assert client.imdb(path).status_code == 404


def test_a_missing_edition_404_names_the_sandbox_and_what_it_serves(
    client: Client, sandbox: SandboxServer
) -> None:
    page = client.imdb("/event/ev0000681/2020/1/")
    assert page.status_code == 404
    title = BeautifulSoup(page.text, "html.parser").title
    assert title is not None
    text = title.get_text()
    assert "cinegraph sandbox has no edition Venice Film Festival 2020" in text
    assert "cannes 2010-2019" in text and "venice 2000-2009" in text
    assert text.endswith(sandbox.catalog.describe_editions())
    # other 404s keep IMDb's own title
    other = BeautifulSoup(client.imdb("/title/tt0000001/").text, "html.parser").title
    assert other is not None and other.get_text() == "404 Error - IMDb"


EIGHT_EVENTS = {
    "ev0000147": "Cannes Film Festival",
    "ev0000681": "Venice Film Festival",
    "ev0000091": "Berlin International Film Festival",
    "ev0000631": "Sundance Film Festival",
    "ev0000659": "Toronto International Film Festival",
    "ev0000003": "Academy Awards, USA",
    "ev0000292": "Golden Globes, USA",
    "ev0000123": "BAFTA Awards",
}


@pytest.mark.parametrize("event_id", sorted(EIGHT_EVENTS))
def test_every_event_has_served_editions_with_their_pages(
    client: Client, sandbox: SandboxServer, event_id: str
) -> None:
    years = sandbox.catalog.event_years(event_id)
    assert len(years) >= 5
    year = years[-1]
    props = next_data(client.imdb(f"/event/{event_id}/{year}/1/").text)["props"]["pageProps"]
    assert props["editionInfo"]["event"]["name"]["text"] == EIGHT_EVENTS[event_id]
    assert sorted(e["year"] for e in props["historyEventEditions"]) == years
    expected = sandbox.catalog.event_nominations(event_id, year) or ()
    listed = nominations(client.imdb(f"/event/{event_id}/{year}/1/").text)
    assert len(listed) == len(expected) >= 5
    # each film of the edition has its title page (unless nowhere) and a truth
    for nomination in expected[:5]:
        truth = sandbox.truth(nomination.film.imdb_id)
        assert (event_id, year) in truth.event_editions
        status = client.imdb(f"/title/{truth.imdb_id}/").status_code
        assert status == (404 if "nowhere" in truth.traits else 200)


def test_title_page_of_a_foreign_film(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "alt_title", exclude=("festival_original_title",))
    facts = sandbox.catalog.film(film.imdb_id)
    assert facts is not None
    page = client.imdb(f"/title/{film.imdb_id}/").text
    ld = json_ld(page)
    assert ld["@type"] == "Movie"
    assert ld["name"] == film.original_title
    assert ld["alternateName"] == film.title
    assert ld["director"][0]["name"] == facts.directors[0].name
    above = next_data(page)["props"]["pageProps"]["aboveTheFoldData"]
    assert above["titleText"]["text"] == film.title
    assert above["originalTitleText"]["text"] == film.original_title
    assert above["titleType"]["id"] == "movie"
    assert above["releaseYear"]["year"] == film.year
    assert above["runtime"]["seconds"] == (facts.runtime or 0) * 60
    main = next_data(page)["props"]["pageProps"]["mainColumnData"]
    codes = [c["id"] for c in main["countriesOfOrigin"]["countries"]]
    assert codes == list(facts.countries)


def test_title_page_when_imdb_shows_the_original_title(
    client: Client, sandbox: SandboxServer
) -> None:
    film = pick(sandbox, "festival_original_title")
    assert film.title == film.original_title
    english = sandbox.catalog.film(film.imdb_id)
    assert english is not None and english.title != english.original_title
    page = client.imdb(f"/title/{film.imdb_id}").text
    assert json_ld(page)["alternateName"] == english.title
    above = next_data(page)["props"]["pageProps"]["aboveTheFoldData"]
    assert above["titleText"]["text"] == english.original_title


def test_tv_movie_says_movie_in_json_ld(client: Client, sandbox: SandboxServer) -> None:
    tv = next(f for f in sandbox.catalog.films.values() if f.title_type == "tvMovie")
    page = client.imdb(f"/title/{tv.imdb_id}/").text
    assert json_ld(page)["@type"] == "Movie"
    assert next_data(page)["props"]["pageProps"]["aboveTheFoldData"]["titleType"]["id"] == "tvMovie"


def test_imdb_only_film_has_a_page_without_rating(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "imdb_only")
    page = client.imdb(f"/title/{film.imdb_id}/")
    assert page.status_code == 200
    assert "aggregateRating" not in json_ld(page.text)
    summary = next_data(page.text)["props"]["pageProps"]["aboveTheFoldData"]["ratingsSummary"]
    assert summary["aggregateRating"] is None


def test_unknown_title_and_films_nowhere_are_404(client: Client, sandbox: SandboxServer) -> None:
    nowhere = pick(sandbox, "nowhere")
    assert client.imdb(f"/title/{nowhere.imdb_id}/").status_code == 404
    assert client.imdb("/title/tt0000001/").status_code == 404
    # the event page still lists the film nobody knows
    event_id, year = nowhere.event_editions[0]
    listed = nominations(client.imdb(f"/event/{event_id}/{year}/1/").text)
    ids = {
        t["title"]["id"]
        for _, _, node in listed
        for key in ("awardTitles", "secondaryAwardTitles")
        for t in node["awardedEntities"].get(key, [])
    }
    assert nowhere.imdb_id in ids


def test_plain_film_page_reads_like_the_festival(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    ld = json_ld(client.imdb(f"/title/{film.imdb_id}/").text)
    assert ld["name"] == film.original_title
    assert ld["datePublished"][:4] == str(film.year)
    assert ld["duration"].startswith("PT")
    assert 1 <= ld["aggregateRating"]["ratingValue"] <= 10
