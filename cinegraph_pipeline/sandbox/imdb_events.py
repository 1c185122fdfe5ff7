"""IMDb event pages (`/imdb/event/{ev}/{year}/1/`): the nominations as JSON in
`__NEXT_DATA__` at `props.pageProps.edition.awards[]`, the editions at
`props.pageProps.historyEventEditions[]`.

Film-first nominations (`AwardedTitles`) carry the film in `awardTitles` and, for the main
competitions, the directors in `secondaryAwardNames`; person-first ones (`AwardedNames`:
acting, directing) carry the people in `awardNames` and the film in `secondaryAwardTitles`.
As in GraphQL, each kind only has its own keys."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .catalog import Catalog, Film, Nomination, image_url
from .events import EVENTS_BY_ID, describe_editions
from .imdb_html import ASSET_PREFIX, BUILD_ID, decoy_json, next_data_tag, page
from .people import Person
from .text import stable_int
from .web import script_json

# Film-first awards whose IMDb listing names the directors beside the film.
_DIRECTOR_CREDITED = frozenset({"Palme d'Or", "Golden Camera", "Un Certain Regard Award"})


def synthetic_nominations(
    films: list[Film], year: int, award_size: int = 100
) -> tuple[Nomination, ...]:
    """One film-first nomination per film, in awards of at most `award_size` films (a long
    page; above 500, one category takes more than one GraphQL page)."""
    size = max(1, award_size)
    return tuple(
        Nomination(
            edition=year,
            award=f"Selection {index // size + 1}",
            category=None,
            film=film,
            winner=index % size == 0,
            person_role=None,
        )
        for index, film in enumerate(films)
    )


Synthetic = Mapping[tuple[str, int], tuple[Nomination, ...]]


@dataclass(frozen=True, slots=True)
class SandboxEdition:
    """One edition the sandbox serves (event page and GraphQL alike)."""

    event_id: str
    year: int
    name: str
    location: str
    month: int
    nominations: tuple[Nomination, ...]
    history: tuple[int, ...]  # every edition year of the event, newest first


def event_years(catalog: Catalog, event_id: str, synthetic: Synthetic | None = None) -> list[int]:
    """The years of an event the sandbox serves, newest first ([] for an unknown event)."""
    synthetic = synthetic or {}
    if any(e == event_id for e, _ in synthetic):
        return sorted((y for e, y in synthetic if e == event_id), reverse=True)
    return sorted(catalog.event_years(event_id), reverse=True)


def event_ids(catalog: Catalog, synthetic: Synthetic | None = None) -> list[str]:
    """Every event the sandbox serves."""
    return sorted({*catalog.served_editions(), *(e for e, _ in (synthetic or {}))})


def find_edition(
    catalog: Catalog, event_id: str, year: int, synthetic: Synthetic | None = None
) -> SandboxEdition | None:
    """An edition of the real data (`Catalog.served_editions`), or one of the `synthetic`
    editions (by event id and year); None when the sandbox has no such edition."""
    synthetic = synthetic or {}
    history = tuple(event_years(catalog, event_id, synthetic))
    if (event_id, year) in synthetic:
        return SandboxEdition(
            event_id,
            year,
            f"Sandbox event {event_id}",
            "127.0.0.1",
            5,
            synthetic[(event_id, year)],
            history,
        )
    served = catalog.event_nominations(event_id, year)
    event = EVENTS_BY_ID.get(event_id)
    if served is None or event is None:
        return None
    return SandboxEdition(event_id, year, event.name, event.location, event.month, served, history)


def event_page(
    catalog: Catalog,
    event_id: str,
    year: int,
    synthetic: Synthetic | None = None,
) -> str | None:
    """The event page, or None when the sandbox has no such edition."""
    edition = find_edition(catalog, event_id, year, synthetic)
    if edition is None:
        return None
    name, location, month = edition.name, edition.location, edition.month
    nominations, history = edition.nominations, list(edition.history)
    awards = edition_awards(catalog, nominations, year)
    edition_id = f"{event_id}/{year}/1"
    start_day = 11 + stable_int(event_id, year) % 6
    next_data = {
        "props": {
            "pageProps": {
                "editionInfo": {
                    "id": edition_id,
                    "year": year,
                    "instanceWithinYear": 1,
                    "event": {
                        "id": event_id,
                        "name": {"text": name, "__typename": "DisplayableText"},
                        "location": {"text": location, "__typename": "DisplayableText"},
                        "__typename": "Event",
                    },
                    "dateRange": {
                        "startDate": {
                            "dateComponents": {
                                "day": start_day,
                                "month": month,
                                "year": year,
                                "__typename": "DateComponents",
                            }
                        },
                        "endDate": {
                            "dateComponents": {
                                "day": start_day + 11,
                                "month": month,
                                "year": year,
                                "__typename": "DateComponents",
                            }
                        },
                    },
                    "__typename": "EventEdition",
                },
                "edition": {
                    "id": edition_id,
                    "awards": awards,
                    "__typename": "EventEdition",
                },
                "historyEventEditions": [
                    {
                        "id": f"{event_id}/{edition}/1",
                        "year": edition,
                        "instanceWithinYear": 1,
                        "__typename": "EventEdition",
                    }
                    for edition in history
                ],
                "requestContext": {"timestamp": "2024-05-02T09:14:03.118Z", "sidecar": {}},
            },
            "__N_SSP": True,
        },
        "page": "/event/[evconst]/[year]/[instance]",
        "query": {"evconst": event_id, "year": str(year), "instance": "1"},
        "buildId": BUILD_ID,
        "assetPrefix": ASSET_PREFIX,
        "isFallback": False,
        "gssp": True,
        "customServer": True,
        "scriptLoader": [],
    }
    summary = "".join(
        f'<li class="event-award"><h3>{html.escape(award["text"])}</h3></li>' for award in awards
    )
    body = (
        f'<h1 class="event-header__title">{html.escape(name)} {year}</h1>'
        f'<section data-testid="award-list"><ul>{summary}</ul></section>'
    )
    return page(
        f"{name} ({year}) - IMDb",
        f"The {name} {year} nominees and winners.",
        "",
        body,
        decoy_json(event_id, year)
        + next_data_tag(event_id, year)
        + script_json(next_data)
        + "</script>",
    )


def missing_edition_text(
    catalog: Catalog,
    event_id: str,
    year: int,
    synthetic: Mapping[tuple[str, int], tuple[Nomination, ...]] | None = None,
) -> str:
    """Why the sandbox has no page for an edition, naming the editions it does serve."""
    served = catalog.served_editions()
    for event, edition_year in synthetic or {}:
        served.setdefault(event, []).append(edition_year)
    event = EVENTS_BY_ID.get(event_id)
    what = f"{event.name} {year}" if event else f"event {event_id} {year}"
    return (
        f"the cinegraph sandbox has no edition {what} ({event_id}); "
        f"it serves {describe_editions(served)}"
    )


def edition_awards(catalog: Catalog, nominations: tuple[Nomination, ...], year: int) -> list[Any]:
    """`edition.awards` as the event page has it (GraphQL serves the same nodes)."""
    grouped: dict[str, dict[str | None, list[Nomination]]] = defaultdict(dict)
    for nomination in nominations:
        grouped[nomination.award].setdefault(nomination.category, []).append(nomination)
    awards = []
    for award, categories in grouped.items():
        edges = []
        for category, items in categories.items():
            ordered = sorted(items, key=lambda n: not n.winner)  # winners first, as IMDb does
            edges.append(
                {
                    "node": {
                        "category": (
                            {"id": _id("ac", award, category), "text": category}
                            if category
                            else None
                        ),
                        "nominations": {
                            "total": len(ordered),
                            "edges": [
                                {"node": _nomination(catalog, n, ordered, year)} for n in ordered
                            ],
                        },
                    }
                }
            )
        awards.append(
            {
                "id": _id("aw", award),
                "text": award,
                "nominationCategories": {"total": len(edges), "edges": edges},
                "__typename": "Award",
            }
        )
    return awards


def _nomination(
    catalog: Catalog, nomination: Nomination, siblings: list[Nomination], year: int
) -> dict[str, Any]:
    film = nomination.film
    winners = [n for n in siblings if n.winner]
    notes = None
    if nomination.winner and len(winners) > 1:
        others = [catalog.display_title(n.film) for n in winners if n is not nomination]
        text = "Tied with " + ", ".join(others) + "."
        notes = {"plainText": text, "plaidHtml": html.escape(text), "__typename": "Markdown"}
    node: dict[str, Any] = {
        "id": _id("an", year, nomination.award, nomination.category, film.imdb_id),
        "isWinner": nomination.winner,
        "winningRank": 1 if nomination.winner else None,
        "notes": notes,
    }
    title_entry = {"title": _title(catalog, film), "note": None}
    if nomination.people:
        node["awardedEntities"] = {
            "awardNames": [{"name": _name(p), "note": None} for p in nomination.people],
            "secondaryAwardTitles": [title_entry],
            "__typename": "AwardedNames",
        }
    else:
        directors = film.directors if nomination.award in _DIRECTOR_CREDITED else ()
        node["awardedEntities"] = {
            "awardTitles": [title_entry],
            "secondaryAwardNames": [{"name": _name(p), "note": None} for p in directors],
            "secondaryAwardCompanies": [],
            "__typename": "AwardedTitles",
        }
    return node


def _title(catalog: Catalog, film: Film) -> dict[str, Any]:
    released = catalog.release_date(film)
    return {
        "id": film.imdb_id,
        "titleText": {"text": catalog.display_title(film), "__typename": "TitleText"},
        "originalTitleText": {"text": film.original_title, "__typename": "TitleText"},
        "releaseDate": {
            "day": released.day,
            "month": released.month,
            "year": film.year,
            "__typename": "ReleaseDate",
        },
        "titleType": {"id": film.title_type, "__typename": "TitleType"},
        "primaryImage": {
            "url": image_url(film),
            "width": 1000,
            "height": 1481,
            "__typename": "Image",
        },
        "__typename": "Title",
    }


def _name(person: Person) -> dict[str, Any]:
    return {
        "id": person.imdb_id,
        "nameText": {"text": person.name, "__typename": "NameText"},
        "primaryImage": None,
        "__typename": "Name",
    }


def _id(prefix: str, *parts: object) -> str:
    return f"{prefix}{stable_int(prefix, *parts) % 10**7:07d}"
