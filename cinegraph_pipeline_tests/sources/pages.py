"""Synthetic IMDb pages written from MISSION.md (no event page, non-English or TV-movie title
page was recorded): small, readable, and in the real structure."""

from __future__ import annotations

import json
from typing import Any


def film(tt: str, title: str, original: str | None = None, year: int | None = None) -> dict:
    return {
        "title": {
            "id": tt,
            "titleText": {"text": title},
            "originalTitleText": {"text": original or title},
            "releaseDate": {"year": year} if year else None,
            "titleType": {"id": "movie"},  # extra keys are normal
        }
    }


def person(nm: str, name: str) -> dict:
    return {"name": {"id": nm, "nameText": {"text": name}}}


def nomination(
    *,
    winner: bool = False,
    notes: str | None = None,
    titles: list[dict] | None = None,
    secondary_titles: list[dict] | None = None,
    names: list[dict] | None = None,
    secondary_names: list[dict] | None = None,
) -> dict:
    return {
        "node": {
            "isWinner": winner,
            "notes": notes,
            "awardedEntities": {
                "awardTitles": titles or [],
                "secondaryAwardTitles": secondary_titles or [],
                "awardNames": names or [],
                "secondaryAwardNames": secondary_names or [],
            },
        }
    }


def category(text: str | None, *nominations: dict) -> dict:
    return {
        "node": {
            "category": {"text": text} if text is not None else None,
            "nominations": {"edges": list(nominations)},
        }
    }


def award(text: str, *categories: dict) -> dict:
    return {"text": text, "id": f"aw-{text}", "nominationCategories": {"edges": list(categories)}}


def next_data_script(data: Any, *, id_first: bool = True) -> str:
    attrs = (
        'id="__NEXT_DATA__" type="application/json"'
        if id_first
        else "type='application/json' id='__NEXT_DATA__'"
    )
    return f"<script {attrs}>{json.dumps(data)}</script>"


def event_page(awards: list[dict], years: list[int] = (), *, id_first: bool = True) -> str:
    data = {
        "props": {
            "pageProps": {
                "edition": {"awards": awards, "year": 2016},
                "historyEventEditions": [{"year": y, "instanceWithinYear": 1} for y in years],
            }
        },
        "page": "/event/[eventId]/[year]/[instance]",
    }
    return (
        "<!DOCTYPE html><html><head><title>Cannes</title>"
        '<script src="/_next/static/chunks/main.js"></script></head><body>'
        f"<div id='__next'>page</div>{next_data_script(data, id_first=id_first)}</body></html>"
    )


def title_page(
    *,
    tt: str,
    name: str,
    title_text: str,
    alternate_name: str | None = None,
    original_text: str | None = None,
    year: int | None = 2020,
    title_type: str = "movie",
    date_published: str = "2021-05-01",
    with_ld: bool = True,
    with_next: bool = True,
) -> str:
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Movie",
        "url": f"/title/{tt}/",
        "name": name,
        "datePublished": date_published,
        "genre": ["Drama"],
        "director": [{"@type": "Person", "url": "/name/nm1/", "name": "A Director"}],
        "duration": "PT1H41M",
    }
    if alternate_name:
        ld["alternateName"] = alternate_name
    atf = {
        "id": tt,
        "titleText": {"text": title_text},
        "originalTitleText": {"text": original_text or name},
        "titleType": {"id": title_type, "text": "TV Movie"},
        "releaseYear": {"year": year} if year else None,
        "runtime": None,
        "genres": {"genres": [{"text": "Drama", "id": "Drama"}]},
        "ratingsSummary": {"aggregateRating": 6.9, "voteCount": 1234},
        "plot": {"plotText": {"plainText": "A plot."}},
    }
    parts = ["<html><head>"]
    if with_ld:
        parts.append(f'<script type="application/ld+json">{json.dumps(ld)}</script>')
    parts.append("</head><body>")
    if with_next:
        data = {"props": {"pageProps": {"tconst": tt, "aboveTheFoldData": atf}}}
        parts.append(next_data_script(data))
    parts.append("</body></html>")
    return "".join(parts)
