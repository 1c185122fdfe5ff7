"""Every nomination of a page is kept, one row per nomination x film x person."""

from __future__ import annotations

from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.sources.records import (
    AwardedFilm,
    AwardedPerson,
    EventEdition,
    Nomination,
)

TONI = AwardedFilm("tt4048272", "Toni Erdmann", "Toni Erdmann", 2016)
SALESMAN = AwardedFilm("tt5186714", "The Salesman", "Forushande", 2016)
HOSSEINI = AwardedPerson("nm1410815", "Shahab Hosseini")
ALIDOOSTI = AwardedPerson("nm1512986", "Taraneh Alidoosti")


def edition(*nominations: Nomination) -> EventEdition:
    return EventEdition(event_id="ev0000147", year=2016, nominations=nominations)


def test_film_first_and_person_first_nominations() -> None:
    result = edition_nominations(
        "cannes",
        edition(
            Nomination("Palme d'Or", "Palme d'Or", False, None, (TONI, SALESMAN), ()),
            Nomination("Best Actor", "Best Actor", True, None, (SALESMAN,), (HOSSEINI,)),
        ),
    )
    assert result.nomination_count == 3
    assert [f.imdb_id for f in result.films] == ["tt4048272", "tt5186714"]
    salesman = next(f for f in result.films if f.imdb_id == "tt5186714")
    assert salesman.original_title == "Forushande"
    toni = next(f for f in result.films if f.imdb_id == "tt4048272")
    assert toni.original_title is None  # same as the title: nothing to add
    actor = next(r for r in result.rows if r["award"] == "Best Actor")
    assert actor["person_imdb_id"] == "nm1410815"
    assert actor["film_imdb_id"] == "tt5186714"
    assert actor["winner"] is True
    palme = [r for r in result.rows if r["award"] == "Palme d'Or"]
    assert {r["person_imdb_id"] for r in palme} == {""}


def test_two_people_for_one_film_are_two_rows() -> None:
    result = edition_nominations(
        "cannes",
        edition(
            Nomination("Best Actor", "Acting", False, None, (SALESMAN,), (HOSSEINI, ALIDOOSTI))
        ),
    )
    assert sorted(r["person_name"] for r in result.rows) == [
        "Shahab Hosseini",
        "Taraneh Alidoosti",
    ]
    assert len(result.films) == 1


def test_awards_sharing_a_category_name_stay_apart() -> None:
    result = edition_nominations(
        "cannes",
        edition(
            Nomination("Palme d'Or", "Feature Film", True, None, (TONI,), ()),
            Nomination("Golden Camera", "Feature Film", False, None, (TONI,), ()),
        ),
    )
    assert sorted(r["award"] for r in result.rows) == ["Golden Camera", "Palme d'Or"]


def test_a_nomination_without_film_keeps_an_empty_key_and_repeats_merge() -> None:
    result = edition_nominations(
        "cannes",
        edition(
            Nomination("Honorary", "Honorary", True, "for his career", (), (HOSSEINI,)),
            Nomination("Best Actor", "Best Actor", False, None, (SALESMAN,), (HOSSEINI,)),
            Nomination("Best Actor", "Best Actor", True, "tie", (SALESMAN,), (HOSSEINI,)),
        ),
    )
    honorary = next(r for r in result.rows if r["award"] == "Honorary")
    assert honorary["film_imdb_id"] == "" and honorary["film_title"] == ""
    actor = [r for r in result.rows if r["award"] == "Best Actor"]
    assert len(actor) == 1 and actor[0]["winner"] is True and actor[0]["notes"] == "tie"
    assert [f.imdb_id for f in result.films] == ["tt5186714"]
