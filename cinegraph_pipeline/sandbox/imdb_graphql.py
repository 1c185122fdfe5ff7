"""IMDb's GraphQL API (`POST /imdb-graphql/`), executed by graphql-core over a schema with
exactly the fields MISSION.md lists: a query asking for anything else fails as it does at
IMDb (HTTP 200, `{"errors": [...], "data": null}`). Connections give at most 500 edges a
page behind opaque cursors; `titles` takes at most 250 ids, `null` for an id IMDb lacks.

Editions come from the same catalog functions as the event pages (`imdb_events`), so every
edition the sandbox serves as a page is served here too, with the same nodes."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_schema, graphql_sync

from .catalog import Catalog, Film, image_url, synopsis
from .codes import COUNTRIES, LANGUAGES
from .imdb_events import Synthetic, edition_awards, event_ids, event_years, find_edition
from .text import stable_int
from .web import Request, Response, json_response

MAX_PAGE = 500
MAX_TITLES = 250
SERIES_TYPES = frozenset({"tvSeries", "tvMiniSeries"})
TITLE_TYPE_TEXT = {
    "movie": "Movie",
    "tvMovie": "TV Movie",
    "short": "Short",
    "tvSeries": "TV Series",
    "tvMiniSeries": "TV Mini Series",
    "tvSpecial": "TV Special",
    "video": "Video",
}

SDL = """
type Query {
  nominationEvent(id: ID!): Event
  nominationEventEdition(id: ID!): EventEdition
  titles(ids: [ID!]!): [Title]!
  title(id: ID!): Title
}

type DisplayableText { text: String }
type Markdown { plainText: String }

type Event {
  name: DisplayableText
  editions: [EventEdition!]!
}

type EventEdition {
  id: ID!
  year: Int!
  instanceWithinYear: Int!
  awards: [Award!]!
}

type PageInfo { hasNextPage: Boolean! endCursor: String }

type Award {
  id: ID!
  text: String
  nominationCategories(first: Int, after: String): AwardNominationCategoryConnection!
}

type AwardNominationCategoryConnection {
  total: Int!
  pageInfo: PageInfo!
  edges: [AwardNominationCategoryEdge!]!
}
type AwardNominationCategoryEdge { node: AwardNominationCategory! }
type AwardCategory { text: String }
type AwardNominationCategory {
  category: AwardCategory
  nominations(first: Int, after: String): AwardNominationConnection!
}

type AwardNominationConnection {
  total: Int!
  pageInfo: PageInfo!
  edges: [AwardNominationEdge!]!
}
type AwardNominationEdge { node: AwardNomination! }
type AwardNomination {
  isWinner: Boolean!
  notes: Markdown
  awardedEntities: AwardedEntities
}

union AwardedEntities = AwardedTitles | AwardedNames
type AwardedTitles {
  awardTitles: [AwardedTitle!]!
  secondaryAwardNames: [AwardedName!]!
}
type AwardedNames {
  awardNames: [AwardedName!]!
  secondaryAwardTitles: [AwardedTitle!]!
}
type AwardedTitle { title: Title }
type AwardedName { name: Name }

type NameText { text: String }
type Name { id: ID! nameText: NameText }

type TitleText { text: String }
type TitleType { id: ID! text: String isSeries: Boolean isEpisode: Boolean }
type YearRange { year: Int endYear: Int }
type ReleaseDate { day: Int month: Int year: Int }
type Runtime { seconds: Int }
type Genre { id: ID! text: String }
type Genres { genres: [Genre!]! }
type Country { id: ID! text: String }
type CountriesOfOrigin { countries: [Country!]! }
type SpokenLanguage { id: ID! text: String }
type SpokenLanguages { spokenLanguages: [SpokenLanguage!]! }
type Plot { plotText: Markdown }
type RatingsSummary { aggregateRating: Float voteCount: Int }
type Image { url: String }
type CreditCategory { id: ID! text: String }
type Credit { name: Name }
type PrincipalCreditsForCategory { category: CreditCategory credits: [Credit!]! }
input PrincipalCreditsFilter { categories: [String!] }

type Title {
  id: ID!
  titleText: TitleText
  originalTitleText: TitleText
  titleType: TitleType
  releaseYear: YearRange
  releaseDate: ReleaseDate
  runtime: Runtime
  genres: Genres
  countriesOfOrigin: CountriesOfOrigin
  spokenLanguages: SpokenLanguages
  plot: Plot
  ratingsSummary: RatingsSummary
  primaryImage: Image
  principalCredits(filter: PrincipalCreditsFilter): [PrincipalCreditsForCategory!]
}
"""


def schema() -> GraphQLSchema:
    return build_schema(SDL)


def encode_cursor(index: int) -> str:
    return base64.b64encode(f"cinegraph:{index}".encode()).decode("ascii")


def decode_cursor(cursor: str | None) -> int:
    """The index of the first edge after `cursor` (0 without one)."""
    if cursor is None:
        return 0
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "cinegraph" or not number.isdigit():
            raise ValueError(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphQLError(f"Invalid cursor: {cursor!r}") from None
    return int(number) + 1


def connection(items: list[Any], first: int | None, after: str | None) -> dict[str, Any]:
    """A page of at most 500 edges after `after`."""
    if first is not None and first < 0:
        raise GraphQLError("Argument 'first' must not be negative.")
    size = MAX_PAGE if first is None else min(first, MAX_PAGE)
    start = decode_cursor(after)
    page = items[start : start + size]
    end = start + len(page)
    return {
        "total": len(items),
        "pageInfo": {
            "hasNextPage": end < len(items),
            "endCursor": encode_cursor(end - 1) if page else None,
        },
        "edges": [{"node": node} for node in page],
    }


def _pager(items: list[Any]) -> Callable[..., dict[str, Any]]:
    def resolve(_info: Any, first: int | None = None, after: str | None = None) -> dict[str, Any]:
        return connection(items, first, after)

    return resolve


class GraphqlService:
    def __init__(self, catalog: Catalog, synthetic: Synthetic | None = None) -> None:
        self.catalog = catalog
        self.synthetic = dict(synthetic or {})
        self.schema = schema()
        self._editions: dict[str, tuple[str, int]] = {}
        for event_id in event_ids(catalog, self.synthetic):
            for year in event_years(catalog, event_id, self.synthetic):
                self._editions[edition_id(event_id, year)] = (event_id, year)

    def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return _error_response(405, "GraphQL requests are POST requests.")
        if "application/json" not in (request.header("content-type") or ""):
            return _error_response(415, "Content-Type must be application/json.")
        try:
            body = request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error_response(400, "The request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _error_response(400, "The request has no query.")
        variables = body.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _error_response(400, "variables must be an object.")
        result = graphql_sync(
            self.schema,
            body["query"],
            root_value=_Root(self),
            variable_values=variables,
            operation_name=body.get("operationName"),
        )
        payload = result.formatted
        if "errors" in payload and "data" not in payload:
            payload["data"] = None
        outcome = "graphql_error" if result.errors else "ok"
        return json_response(payload, 200, outcome)

    # -- resolvers ------------------------------------------------------------------------

    def event(self, event_id: str) -> dict[str, Any] | None:
        years = event_years(self.catalog, event_id, self.synthetic)
        if not years:
            return None
        name = find_edition(self.catalog, event_id, years[0], self.synthetic)
        return {
            "name": {"text": name.name if name else event_id},
            "editions": [
                {"id": edition_id(event_id, year), "year": year, "instanceWithinYear": 1}
                for year in years
            ],
        }

    def edition(self, opaque_id: str) -> dict[str, Any] | None:
        known = self._editions.get(opaque_id)
        if known is None:
            return None
        event_id, year = known
        edition = find_edition(self.catalog, event_id, year, self.synthetic)
        if edition is None:
            return None
        awards = edition_awards(self.catalog, edition.nominations, year)
        return {
            "id": opaque_id,
            "year": year,
            "instanceWithinYear": 1,
            "awards": [self._award(award) for award in awards],
        }

    def _award(self, award: dict[str, Any]) -> dict[str, Any]:
        categories = [
            {
                "category": edge["node"]["category"],
                "nominations": _pager(
                    [self._nomination(n["node"]) for n in edge["node"]["nominations"]["edges"]]
                ),
            }
            for edge in award["nominationCategories"]["edges"]
        ]
        return {
            "id": award["id"],
            "text": award["text"],
            "nominationCategories": _pager(categories),
        }

    def _nomination(self, node: dict[str, Any]) -> dict[str, Any]:
        entities = dict(node["awardedEntities"])
        for key in ("awardTitles", "secondaryAwardTitles"):
            if key in entities:
                entities[key] = [self._awarded_title(entry) for entry in entities[key]]
        return {**node, "awardedEntities": entities}

    def _awarded_title(self, entry: dict[str, Any]) -> dict[str, Any]:
        """The edition names its films whatever their own pages say (a film no source knows
        is still listed)."""
        film = self.catalog.film(entry["title"]["id"])
        if film is None:
            return entry
        return {"title": lambda _info: title_node(self.catalog, film, as_listed=True)}

    def title(self, imdb_id: str) -> dict[str, Any] | None:
        film = self.catalog.film(imdb_id)
        if film is None or not self.catalog.on_imdb(imdb_id):
            return None
        return title_node(self.catalog, film)

    def titles(self, ids: list[str]) -> list[dict[str, Any] | None]:
        if len(ids) > MAX_TITLES:
            raise GraphQLError(f"titles accepts at most {MAX_TITLES} ids, got {len(ids)}.")
        return [self.title(imdb_id) for imdb_id in ids]


class _Root:
    def __init__(self, service: GraphqlService) -> None:
        self._service = service

    def nominationEvent(self, _info: Any, id: str) -> dict[str, Any] | None:
        return self._service.event(id)

    def nominationEventEdition(self, _info: Any, id: str) -> dict[str, Any] | None:
        return self._service.edition(id)

    def titles(self, _info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
        return self._service.titles(ids)

    def title(self, _info: Any, id: str) -> dict[str, Any] | None:
        return self._service.title(id)


def edition_id(event_id: str, year: int) -> str:
    """The opaque edition id (like IMDb's `ee0163152`)."""
    return f"ee{stable_int('edition', event_id, year) % 10**7:07d}"


def title_node(catalog: Catalog, film: Film, *, as_listed: bool = False) -> dict[str, Any]:
    """A `Title`. Its `titleText` is the English title, as on the title page; an edition
    names its films `as_listed` (the title the festival shows, as on the event page)."""
    rating = catalog.rating(film)
    released = catalog.release_date(film)
    series = film.title_type in SERIES_TYPES
    credits = [
        ("director", "Director" if len(film.directors) == 1 else "Directors", film.directors),
        ("cast", "Stars", film.cast),
    ]

    def principal_credits(_info: Any, filter: dict[str, Any] | None = None) -> list[Any]:
        wanted = (filter or {}).get("categories")
        return [
            {
                "category": {"id": category_id, "text": text},
                "credits": [
                    {"name": {"id": p.imdb_id, "nameText": {"text": p.name}}} for p in people
                ],
            }
            for category_id, text, people in credits
            if people and (not wanted or category_id in wanted)
        ]

    return {
        "id": film.imdb_id,
        "titleText": {"text": catalog.display_title(film) if as_listed else film.title},
        "originalTitleText": {"text": film.original_title},
        "titleType": {
            "id": film.title_type,
            "text": TITLE_TYPE_TEXT.get(film.title_type, film.title_type),
            "isSeries": series,
            "isEpisode": False,
        },
        "releaseYear": {"year": film.year, "endYear": film.year + 1 if series else None},
        "releaseDate": {"day": released.day, "month": released.month, "year": released.year},
        "runtime": {"seconds": film.runtime * 60} if film.runtime else None,
        "genres": {"genres": [{"id": g, "text": g} for g in film.genres]},
        "countriesOfOrigin": {
            "countries": [
                {"id": code, "text": COUNTRIES[code].name}
                for code in film.countries
                if code in COUNTRIES
            ]
        },
        "spokenLanguages": {
            "spokenLanguages": [
                {"id": code, "text": LANGUAGES[code].english}
                for code in film.languages
                if code in LANGUAGES
            ]
        },
        "plot": {"plotText": {"plainText": synopsis(film)}},
        "ratingsSummary": {"aggregateRating": rating.value, "voteCount": rating.votes},
        "primaryImage": {"url": image_url(film)},
        "principalCredits": principal_credits,
    }


def server_error(status: int) -> Response:
    return json_response(
        {"errors": [{"message": f"Internal server error ({status})"}], "data": None},
        status,
        "http_5xx",
    )


def _error_response(status: int, message: str) -> Response:
    return json_response({"errors": [{"message": message}], "data": None}, status, "bad_request")
