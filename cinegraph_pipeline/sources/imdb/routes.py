"""GraphQL first, the pages as the fallback: an edition, an event's editions, and titles.

IMDb's website answers plain clients with WAF challenges, so its GraphQL API is the main
route; the event and title pages (directly, or through Zyte when a key is set) serve only
what GraphQL could not. When GraphQL says "no such edition", the page may still have it, but
when the page cannot be read either, GraphQL's "not found" stands (a final answer, not a
retry). A query IMDb's schema rejects (`internal_error`) is our bug and is raised, never
papered over by a page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..errors import ErrorType, SourceError
from ..records import EventEdition, ImdbTitle
from .client import ImdbClient
from .graphql import ImdbGraphqlClient

logger = logging.getLogger(__name__)

# GraphQL answers no page can mend: our query is wrong.
_FINAL = frozenset({ErrorType.INTERNAL_ERROR, ErrorType.AUTH})


def page_route(pages: ImdbClient) -> str:
    return "zyte" if pages.via == "zyte" else "event_page"


def fetch_edition(
    graphql: ImdbGraphqlClient, pages: ImdbClient, event_id: str, year: int
) -> EventEdition:
    """The whole edition from GraphQL, else from its event page (`route` says which)."""
    try:
        return graphql.edition(event_id, year)
    except SourceError as exc:
        if exc.error_type in _FINAL:
            raise
        logger.warning(
            "IMDb GraphQL could not give %s/%s (%s: %s); reading the event page (%s)",
            event_id,
            year,
            exc.error_type,
            exc.message,
            pages.via,
        )
        graphql_error = exc
    try:
        return replace(pages.event_page(event_id, year), route=page_route(pages))
    except SourceError as exc:
        if graphql_error.error_type is not ErrorType.NOT_FOUND:
            raise
        if exc.error_type is not ErrorType.NOT_FOUND:
            raise graphql_error from exc  # the page cannot say otherwise: GraphQL's answer
        raise SourceError(  # both say so: the page's words first (they may name the server)
            exc.source,
            exc.operation,
            ErrorType.NOT_FOUND,
            f"{exc.message}; GraphQL: {graphql_error.message}",
            status_code=exc.status_code,
        ) from exc


def event_years(
    graphql: ImdbGraphqlClient, pages: ImdbClient, event_id: str, probes: Iterable[int]
) -> tuple[tuple[int, ...], str]:
    """Every edition year IMDb lists for the event, and the route that told it: GraphQL's
    `nominationEvent`, else the `historyEventEditions` of the first probed page that exists.
    Raises the last error when neither answered."""
    try:
        return graphql.event(event_id).years, "graphql"
    except SourceError as exc:
        if exc.error_type in _FINAL:
            raise
        graphql_error = exc
    error = graphql_error
    for year in probes:
        try:
            return pages.event_page(event_id, year).edition_years, page_route(pages)
        except SourceError as exc:
            error = exc
            if exc.error_type is not ErrorType.NOT_FOUND:
                break
    raise graphql_error if graphql_error.error_type is ErrorType.NOT_FOUND else error


@dataclass
class TitleBatches:
    """What GraphQL answered for a stage's films, and what is left for the title pages."""

    answered: dict[str, ImdbTitle] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    calls: int = 0
    failed_calls: int = 0


def fetch_titles(graphql: ImdbGraphqlClient, imdb_ids: Iterable[str]) -> TitleBatches:
    """`titles(ids:)` for every id, at most 250 a call (ceil(n/250) calls). A batch that fails
    (5xx, timeout...) leaves its ids to the title pages; an `internal_error` is raised."""
    result = TitleBatches()
    for batch in graphql.batches(list(imdb_ids)):
        result.calls += 1
        try:
            found = graphql.titles(batch)
        except SourceError as exc:
            if exc.error_type is ErrorType.INTERNAL_ERROR:
                raise
            result.failed_calls += 1
            result.unanswered.extend(batch)
            continue
        for imdb_id in batch:
            title = found.get(imdb_id)
            if title is None:
                result.unanswered.append(imdb_id)
            else:
                result.answered[imdb_id] = title
    return result


class GraphqlFirstTitles:
    """The IMDb stage's title source (`ImdbTitleApi`): GraphQL's answer when there is one,
    else the film's title page (directly or through Zyte)."""

    def __init__(self, pages: ImdbClient, batches: TitleBatches) -> None:
        self.pages = pages
        self.batches = batches

    def title_page(self, imdb_id: str) -> ImdbTitle:
        answered = self.batches.answered.get(imdb_id)
        return answered if answered is not None else self.pages.title_page(imdb_id)
