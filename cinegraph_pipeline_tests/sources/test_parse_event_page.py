"""IMDb event pages, synthetic per MISSION.md (no recording exists)."""

from __future__ import annotations

import json

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, Operation, Source, SourceError
from cinegraph_pipeline.sources.imdb.event_page import parse_event_page
from cinegraph_pipeline.sources.records import AwardedFilm, AwardedPerson

from .pages import award, category, event_page, film, nomination, person

TONI = film("tt4048272", "Toni Erdmann", "Toni Erdmann", 2016)
ELLE = film("tt3716530", "Elle", year=2016)
PATERSON = film("tt5247022", "Paterson", year=2016)
SALESMAN = film("tt5186714", "The Salesman", "Forushande", 2016)
DANIEL_BLAKE = film("tt5168192", "I, Daniel Blake", year=2016)


def cannes_2016() -> str:
    return event_page(
        [
            award(
                "Palme d'Or",
                category(
                    None,
                    nomination(winner=True, titles=[DANIEL_BLAKE],
                               secondary_names=[person("nm0516360", "Ken Loach")]),
                    nomination(titles=[TONI]),
                    nomination(titles=[ELLE]),
                ),
            ),
            award(
                "Best Actor",
                category(
                    "Best Actor",
                    nomination(winner=True, names=[person("nm1410815", "Shahab Hosseini")],
                               secondary_titles=[SALESMAN], notes="For his role as Emad"),
                ),
            ),
            award(
                "Best Screenplay",
                category(
                    "Best Screenplay",
                    nomination(winner=True, titles=[SALESMAN],
                               names=[person("nm1410815x", "Asghar Farhadi")]),
                    nomination(
                        titles=[PATERSON],
                        names=[person("nm0000464", "Jim Jarmusch"),
                               person("nm9999999", "Co Writer")],
                    ),
                ),
            ),
            award(
                "Un Certain Regard",
                category("Best Screenplay", nomination(titles=[TONI])),
            ),
        ],
        years=[2017, 2016, 2015, 2016],
    )  # fmt: skip


def test_every_nomination_is_kept() -> None:
    edition = parse_event_page(cannes_2016(), "ev0000147", 2016)
    assert (edition.event_id, edition.year) == ("ev0000147", 2016)
    assert len(edition.nominations) == 7
    assert edition.edition_years == (2015, 2016, 2017)


def test_film_first_nomination_with_null_category_uses_award_text() -> None:
    edition = parse_event_page(cannes_2016(), "ev0000147", 2016)
    palme = [n for n in edition.nominations if n.award == "Palme d'Or"]
    assert [n.category for n in palme] == ["Palme d'Or"] * 3
    winner = palme[0]
    assert winner.winner is True
    assert winner.films == (
        AwardedFilm("tt5168192", "I, Daniel Blake", "I, Daniel Blake", 2016, "movie"),
    )
    assert winner.people == (AwardedPerson("nm0516360", "Ken Loach"),)
    assert [n.winner for n in palme] == [True, False, False]


def test_person_first_nomination_takes_the_film_from_secondary_titles() -> None:
    edition = parse_event_page(cannes_2016(), "ev0000147", 2016)
    (actor,) = [n for n in edition.nominations if n.award == "Best Actor"]
    assert actor.people == (AwardedPerson("nm1410815", "Shahab Hosseini"),)
    assert actor.films == (AwardedFilm("tt5186714", "The Salesman", "Forushande", 2016, "movie"),)
    assert actor.notes == "For his role as Emad"


def test_two_people_on_one_film_are_both_kept() -> None:
    edition = parse_event_page(cannes_2016(), "ev0000147", 2016)
    (paterson,) = [n for n in edition.nominations if n.films and n.films[0].title == "Paterson"]
    assert [p.name for p in paterson.people] == ["Jim Jarmusch", "Co Writer"]


def test_two_awards_sharing_a_category_name_stay_apart() -> None:
    edition = parse_event_page(cannes_2016(), "ev0000147", 2016)
    screenplay = [n for n in edition.nominations if n.category == "Best Screenplay"]
    assert sorted({n.award for n in screenplay}) == ["Best Screenplay", "Un Certain Regard"]
    assert len(screenplay) == 3


def test_script_attribute_order_does_not_matter() -> None:
    html = event_page([award("Palme d'Or", category(None, nomination(titles=[TONI])))],
                      id_first=False)  # fmt: skip
    edition = parse_event_page(html, "ev0000147", 2016)
    assert edition.nominations[0].films[0].imdb_id == "tt4048272"


def test_notes_as_markdown_object() -> None:
    nom = nomination(titles=[TONI])
    nom["node"]["notes"] = {"plainText": "Tied with Elle"}
    edition = parse_event_page(event_page([award("Prize", category(None, nom))]), "ev1", 2016)
    assert edition.nominations[0].notes == "Tied with Elle"


def _broken_pages() -> dict[str, str]:
    no_edition = {"props": {"pageProps": {}}}
    missing_film_id = event_page(
        [
            award(
                "Palme d'Or",
                category(None, nomination(titles=[{"title": {"titleText": {"text": "?"}}}])),
            )
        ]
    )
    return {
        "no-script": "<html><body><h1>Cannes 2016</h1></body></html>",
        "invalid-json": '<script id="__NEXT_DATA__" type="application/json">{"props": </script>',
        "no-edition": f'<script id="__NEXT_DATA__">{json.dumps(no_edition)}</script>',
        "empty-awards": event_page([]),
        "award-without-categories": event_page([{"text": "Palme d'Or"}]),
        "film-without-id": missing_film_id,
        "not-an-object": '<script id="__NEXT_DATA__">[1, 2]</script>',
        "nominations-not-a-list": event_page(
            [award("X", {"node": {"category": None, "nominations": {"edges": {}}}})]
        ),
        "empty-body": "",
    }


@pytest.mark.parametrize("name", list(_broken_pages()))
def test_broken_event_pages_are_parse_errors(name: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_event_page(_broken_pages()[name], "ev0000147", 2016)
    error = caught.value
    assert error.error_type is ErrorType.PARSE_ERROR
    assert (error.source, error.operation) == (Source.FESTIVAL_SCRAPER, Operation.EVENT_PAGE)
