"""The IMDb events the sandbox serves editions of: their ids, the pipeline's festival slugs,
and what their event pages and premieres show (name, place, month, premiere country)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    slug: str  # the pipeline's festival slug (partition key part)
    name: str  # as IMDb names the event
    location: str
    month: int  # when the edition takes place
    country: str  # ISO code of the premiere's country
    festival: bool  # a film festival (films premiere there), not an award ceremony


EVENTS: tuple[Event, ...] = (
    Event("ev0000147", "cannes", "Cannes Film Festival", "Cannes, France", 5, "FR", True),
    Event("ev0000681", "venice", "Venice Film Festival", "Venice, Italy", 9, "IT", True),
    Event(
        "ev0000091",
        "berlin",
        "Berlin International Film Festival",
        "Berlin, Germany",
        2,
        "DE",
        True,
    ),
    Event("ev0000631", "sundance", "Sundance Film Festival", "Park City, Utah, USA", 1, "US", True),
    Event(
        "ev0000659",
        "tiff",
        "Toronto International Film Festival",
        "Toronto, Canada",
        9,
        "CA",
        True,
    ),
    Event("ev0000003", "oscars", "Academy Awards, USA", "Los Angeles, USA", 3, "US", False),
    Event("ev0000292", "golden_globes", "Golden Globes, USA", "Los Angeles, USA", 1, "US", False),
    Event("ev0000123", "bafta", "BAFTA Awards", "London, United Kingdom", 2, "GB", False),
)
EVENTS_BY_ID: dict[str, Event] = {event.event_id: event for event in EVENTS}
CANNES = EVENTS[0]


def year_ranges(years: Iterable[int]) -> str:
    """2000, 2001, 2002, 2005 -> "2000-2002, 2005"."""
    ordered = sorted(set(years))
    parts: list[str] = []
    start = previous = None
    for year in [*ordered, None]:
        if previous is not None and year == previous + 1:
            previous = year
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = year
    return ", ".join(parts)


def describe_editions(editions: Mapping[str, Iterable[int]]) -> str:
    """Editions by event id -> "cannes 2010-2019; venice 2000-2009; ...", in EVENTS order
    (unknown event ids, e.g. synthetic editions, by id at the end)."""
    known = [event.event_id for event in EVENTS if event.event_id in editions]
    others = sorted(set(editions) - set(known))
    parts = []
    for event_id in known + others:
        years = list(editions[event_id])
        if years:
            label = EVENTS_BY_ID[event_id].slug if event_id in EVENTS_BY_ID else event_id
            parts.append(f"{label} {year_ranges(years)}")
    return "; ".join(parts)
