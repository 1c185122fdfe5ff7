"""An IMDb event page (`/event/{ev}/{year}/1/`) to `EventEdition`.

Every nomination is kept (MISSION.md): two awards sharing a category name stay apart, two
people on one film stay two people. A page that does not have the expected shape is a
parse_error for the whole edition, never a partial list that would silently lose nominations.
"""

from __future__ import annotations

from typing import Any

from ..errors import Operation, Source
from ..http.adapter import DEFAULT_MAX_BODY_BYTES
from ..parsing import as_int, clean_text, dig, parse_failure
from ..records import AwardedFilm, AwardedPerson, EventEdition, Nomination
from .html import next_data, script_soup

_OP = (Source.FESTIVAL_SCRAPER, Operation.EVENT_PAGE)
Op = tuple[Source, Operation]


def parse_event_page(
    html: bytes | str, event_id: str, year: int, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> EventEdition:
    soup = script_soup(html, *_OP, max_bytes=max_bytes)
    page = dig(next_data(soup, *_OP), "props", "pageProps")
    awards = dig(page, "edition", "awards")
    if not isinstance(awards, list):
        raise parse_failure(*_OP, "no props.pageProps.edition.awards list")
    if not awards:
        raise parse_failure(*_OP, f"{event_id}/{year}: the edition lists no awards")
    return EventEdition(
        event_id=event_id,
        year=year,
        nominations=parse_awards(awards),
        edition_years=_edition_years(dig(page, "historyEventEditions")),
    )


def parse_awards(awards: list[Any], op: Op = _OP) -> tuple[Nomination, ...]:
    """The nominations of `edition.awards` (event page) or `nominationEventEdition.awards`
    (GraphQL): the same shape, parsed by the same rules."""
    nominations: list[Nomination] = []
    for index, award in enumerate(awards):
        nominations.extend(_award_nominations(award, index, op))
    return tuple(nominations)


def _award_nominations(award: Any, index: int, op: Op) -> list[Nomination]:
    if not isinstance(award, dict):
        raise parse_failure(*op, f"award #{index} is not an object")
    award_text = clean_text(award.get("text"))
    if award_text is None:
        raise parse_failure(*op, f"award #{index} has no text")
    edges = dig(award, "nominationCategories", "edges")
    if not isinstance(edges, list):
        raise parse_failure(*op, f"award {award_text!r} has no nominationCategories.edges")
    found: list[Nomination] = []
    for edge in edges:
        node = dig(edge, "node")
        if not isinstance(node, dict):
            raise parse_failure(*op, f"award {award_text!r}: category edge without node")
        category = clean_text(dig(node, "category", "text")) or award_text
        nomination_edges = dig(node, "nominations", "edges")
        if not isinstance(nomination_edges, list):
            raise parse_failure(*op, f"{award_text!r}/{category!r}: no nominations.edges")
        for nomination_edge in nomination_edges:
            found.append(_nomination(dig(nomination_edge, "node"), award_text, category, op))
    return found


def _nomination(node: Any, award: str, category: str, op: Op) -> Nomination:
    if not isinstance(node, dict):
        raise parse_failure(*op, f"{award!r}/{category!r}: nomination edge without node")
    entities = node.get("awardedEntities") or {}
    if not isinstance(entities, dict):
        raise parse_failure(*op, f"{award!r}/{category!r}: awardedEntities is not an object")
    primary_titles = _films(entities.get("awardTitles"), award, category, op)
    films = primary_titles or _films(entities.get("secondaryAwardTitles"), award, category, op)
    people = _people(entities.get("awardNames"), award, category, op) + _people(
        entities.get("secondaryAwardNames"), award, category, op
    )
    return Nomination(
        award=award,
        category=category,
        winner=node.get("isWinner") is True,
        notes=_notes(node.get("notes")),
        films=films,
        people=_dedupe_people(people),
    )


def _films(entries: Any, award: str, category: str, op: Op) -> tuple[AwardedFilm, ...]:
    films: list[AwardedFilm] = []
    for entry in entries or []:
        title = dig(entry, "title")
        imdb_id = clean_text(dig(title, "id"))
        if imdb_id is None or not imdb_id.startswith("tt"):
            raise parse_failure(*op, f"{award!r}/{category!r}: a film without a tt id")
        original = clean_text(dig(title, "originalTitleText", "text"))
        name = clean_text(dig(title, "titleText", "text")) or original
        if name is None:
            raise parse_failure(*op, f"{award!r}/{category!r}: film {imdb_id} has no title")
        films.append(
            AwardedFilm(
                imdb_id=imdb_id,
                title=name,
                original_title=original,
                year=as_int(dig(title, "releaseDate", "year"))
                or as_int(dig(title, "releaseYear", "year")),
                title_type=clean_text(dig(title, "titleType", "id")),
            )
        )
    return tuple(films)


def _people(entries: Any, award: str, category: str, op: Op) -> tuple[AwardedPerson, ...]:
    people: list[AwardedPerson] = []
    for entry in entries or []:
        name = dig(entry, "name")
        imdb_id = clean_text(dig(name, "id"))
        text = clean_text(dig(name, "nameText", "text"))
        if imdb_id is None or text is None:
            raise parse_failure(*op, f"{award!r}/{category!r}: a person without id or name")
        people.append(AwardedPerson(imdb_id=imdb_id, name=text))
    return tuple(people)


def _dedupe_people(people: tuple[AwardedPerson, ...]) -> tuple[AwardedPerson, ...]:
    seen: dict[str, AwardedPerson] = {}
    for person in people:
        seen.setdefault(person.imdb_id, person)
    return tuple(seen.values())


def _notes(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("plainText") or value.get("text") or value.get("plaidHtml")
    return clean_text(value)


def _edition_years(value: Any) -> tuple[int, ...]:
    years = {as_int(dig(item, "year")) for item in value} if isinstance(value, list) else set()
    return tuple(sorted(y for y in years if y is not None))
