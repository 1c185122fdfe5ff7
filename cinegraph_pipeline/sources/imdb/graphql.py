"""IMDb's GraphQL API (`IMDB_GRAPHQL_URL`): event editions (source `festival_scraper`,
operations `graphql_event`, `graphql_edition`) and title batches (source `imdb`, operation
`graphql_titles`). Every request is one tracked call with one metric row.

Anonymous `POST` of `{"query", "variables"}` with `Content-Type: application/json` and
`x-imdb-client-name: imdb-web-next`. Connections give at most 500 edges a page: every one is
followed through `pageInfo.endCursor` and its edges counted against `total`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from ..calls import CallTracker, TrackedClient
from ..errors import ErrorType, Operation, Source, SourceError
from ..options import HttpOptions, build_transport
from ..parsing import clean_text, dig, load_json, parse_failure
from ..records import EditionRef, EventEdition, EventInfo, ImdbTitle
from ..tracking import Recorder
from . import graphql_queries as queries
from .event_page import parse_awards
from .graphql_parse import (
    GraphqlAnswer,
    check_total,
    classify_reply,
    edition_awards,
    page_of,
    parse_event,
    parse_titles,
)

GRAPHQL_HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json",
    "x-imdb-client-name": "imdb-web-next",
    "Accept-Language": "en-US,en;q=0.9",
}
_EDITION_OP = (Source.FESTIVAL_SCRAPER, Operation.GRAPHQL_EDITION)
# A guard against a server whose cursors never end: no real edition needs this many pages.
MAX_PAGES_PER_EDITION = 2_000


class ImdbGraphqlClient(TrackedClient):
    """Thread-safe; one per run."""

    source = Source.IMDB

    def __init__(
        self,
        options: HttpOptions,
        recorder: Recorder,
        *,
        page_size: int = queries.PAGE_SIZE,
        titles_per_call: int = queries.TITLES_PER_CALL,
    ) -> None:
        self.options = options
        self.page_size = max(1, min(page_size, queries.PAGE_SIZE))
        self.titles_per_call = max(1, min(titles_per_call, queries.TITLES_PER_CALL))
        breaker = options.breaker()
        self._transport = build_transport(
            options,
            source=Source.IMDB,
            cache_name="imdb_graphql",
            cacheable=_cacheable,
            breaker=breaker,
            headers=GRAPHQL_HEADERS,
            cache_methods=("POST",),
        )
        self._tracker = CallTracker(recorder, breaker=breaker)

    # -- events and editions --------------------------------------------------------------

    def event(self, event_id: str) -> EventInfo:
        """`nominationEvent`: the event's editions; `not_found` when IMDb knows no event."""
        event_id = event_id.strip()

        def fetch() -> EventInfo:
            answer = self._post(
                Source.FESTIVAL_SCRAPER,
                Operation.GRAPHQL_EVENT,
                queries.EVENT_QUERY,
                {"id": event_id},
            )
            return parse_event(answer, event_id)

        return self._tracker.call(
            source=Source.FESTIVAL_SCRAPER,
            operation=Operation.GRAPHQL_EVENT,
            target=event_id,
            fetch=fetch,
            memo_key=("graphql_event", event_id),
            metadata={"route": "graphql"},
        )

    def edition(self, event_id: str, year: int) -> EventEdition:
        """Every nomination of the edition, all connections followed to their end; `not_found`
        when the event lists no such year, `parse_error` when an answer falls short of its
        `total` (nothing is returned then: an edition is whole or absent)."""
        info = self.event(event_id)
        ref = edition_of_year(info, int(year))
        if ref is None:
            raise SourceError(
                Source.FESTIVAL_SCRAPER,
                Operation.GRAPHQL_EVENT,
                ErrorType.NOT_FOUND,
                f"IMDb lists no {year} edition of {event_id} ({_years_text(info.years)})",
            )
        awards = _EditionPager(self, ref, f"{event_id}/{int(year)}").awards()
        return EventEdition(
            event_id=event_id,
            year=int(year),
            nominations=parse_awards(awards, _EDITION_OP),
            edition_years=info.years,
            route="graphql",
        )

    def edition_page(
        self,
        ref: EditionRef,
        target: str,
        page: int,
        *,
        categories_first: int,
        categories_after: str | None = None,
        nominations_after: str | None = None,
    ) -> list[dict[str, Any]]:
        """One request for an edition's page: the awards as answered."""
        variables = {
            "id": ref.edition_id,
            "n": self.page_size,
            "categoriesFirst": categories_first,
            "categoriesAfter": categories_after,
            "nominationsAfter": nominations_after,
        }

        def fetch() -> list[dict[str, Any]]:
            answer = self._post(*_EDITION_OP, queries.EDITION_QUERY, variables)
            return edition_awards(answer, target)

        return self._tracker.call(
            source=Source.FESTIVAL_SCRAPER,
            operation=Operation.GRAPHQL_EDITION,
            target=target,
            fetch=fetch,
            metadata={"route": "graphql", "edition_id": ref.edition_id, "page": page},
        )

    # -- titles ---------------------------------------------------------------------------

    def titles(self, imdb_ids: Sequence[str]) -> dict[str, ImdbTitle | None]:
        """`titles(ids:)` for at most `titles_per_call` ids, in one request: each id's title,
        None for the ids IMDb answered `null` for."""
        ids = list(dict.fromkeys(i.strip() for i in imdb_ids if i and i.strip()))
        if len(ids) > self.titles_per_call:
            raise ValueError(f"at most {self.titles_per_call} ids per titles call, not {len(ids)}")
        if not ids:
            return {}

        def fetch() -> dict[str, ImdbTitle | None]:
            answer = self._post(
                Source.IMDB, Operation.GRAPHQL_TITLES, queries.TITLES_QUERY, {"ids": ids}
            )
            return parse_titles(answer, ids)

        return self._tracker.call(
            source=Source.IMDB,
            operation=Operation.GRAPHQL_TITLES,
            target=f"{ids[0]}..{ids[-1]} ({len(ids)} titles)" if len(ids) > 1 else ids[0],
            fetch=fetch,
            is_not_found=lambda found: not any(found.values()),
            metadata={"ids": ids, "batch_size": len(ids)},
        )

    def batches(self, imdb_ids: Sequence[str]) -> list[list[str]]:
        ids = list(dict.fromkeys(imdb_ids))
        step = self.titles_per_call
        return [ids[start : start + step] for start in range(0, len(ids), step)]

    # -- transport --------------------------------------------------------------------------

    def _post(
        self, source: Source, operation: Operation, query: str, variables: dict[str, Any]
    ) -> GraphqlAnswer:
        reply = self._transport.request(
            "POST",
            self.options.base_url,
            operation=operation,
            source=source,
            json={"query": query, "variables": variables},
        )
        return classify_reply(reply, source, operation)


def _years_text(years: tuple[int, ...]) -> str:
    if not years:
        return "no editions listed"
    return f"{len(years)} editions listed, {years[0]}-{years[-1]}"


def edition_of_year(info: EventInfo, year: int) -> EditionRef | None:
    """The edition of that year (the first instance when a year has several)."""
    matching = sorted(
        (ref for ref in info.editions if ref.year == year), key=lambda r: r.instance_within_year
    )
    return matching[0] if matching else None


class _EditionPager:
    """Collects an edition's awards with every connection complete."""

    def __init__(self, client: ImdbGraphqlClient, ref: EditionRef, target: str) -> None:
        self.client = client
        self.ref = ref
        self.target = target
        self.pages = 0

    def awards(self) -> list[dict[str, Any]]:
        first = self._request(categories_first=self.client.page_size)
        complete = []
        for award in first:
            award_id = str(award["id"])
            label = f"{self.target} award {clean_text(award.get('text')) or award_id!r}"
            categories = self._categories(award_id, award.get("nominationCategories"), label)
            complete.append(
                {
                    "id": award_id,
                    "text": award.get("text"),
                    "nominationCategories": {"edges": [{"node": c} for c in categories]},
                }
            )
        return complete

    def _request(
        self,
        *,
        categories_first: int,
        categories_after: str | None = None,
        nominations_after: str | None = None,
    ) -> list[dict[str, Any]]:
        self.pages += 1
        if self.pages > MAX_PAGES_PER_EDITION:
            raise parse_failure(
                *_EDITION_OP, f"{self.target}: more than {MAX_PAGES_PER_EDITION} pages; stopped"
            )
        return self.client.edition_page(
            self.ref,
            self.target,
            self.pages,
            categories_first=categories_first,
            categories_after=categories_after,
            nominations_after=nominations_after,
        )

    def _award(self, awards: list[dict[str, Any]], award_id: str, label: str) -> dict[str, Any]:
        for award in awards:
            if str(award.get("id")) == award_id:
                return award
        raise parse_failure(*_EDITION_OP, f"{label}: missing from a later page")

    def _categories(self, award_id: str, connection: Any, label: str) -> list[dict[str, Any]]:
        page = page_of(connection, f"{label} nominationCategories")
        total = page.total
        collected: list[dict[str, Any]] = []
        start: str | None = None
        while True:
            for index, edge in enumerate(page.edges):
                node = dig(edge, "node")
                if not isinstance(node, dict):
                    raise parse_failure(*_EDITION_OP, f"{label}: a category edge without node")
                collected.append(self._nominations(award_id, node, start, index, label))
            if not page.has_next:
                break
            start = page.end_cursor
            awards = self._request(categories_first=self.client.page_size, categories_after=start)
            award = self._award(awards, award_id, label)
            page = page_of(award.get("nominationCategories"), f"{label} nominationCategories")
        check_total(len(collected), total, f"{label} nominationCategories")
        return collected

    def _nominations(
        self,
        award_id: str,
        node: dict[str, Any],
        start: str | None,
        index: int,
        label: str,
    ) -> dict[str, Any]:
        """The category node with all its nominations: later pages are reached by asking the
        award's categories from the same cursor up to this one."""
        category = clean_text(dig(node, "category", "text"))
        what = f"{label} category {category or '(the award)'!r} nominations"
        page = page_of(node.get("nominations"), what)
        total = page.total
        edges = list(page.edges)
        while page.has_next:
            awards = self._request(
                categories_first=index + 1,
                categories_after=start,
                nominations_after=page.end_cursor,
            )
            award = self._award(awards, award_id, label)
            categories = page_of(award.get("nominationCategories"), what).edges
            again = dig(categories, index, "node") if len(categories) == index + 1 else None
            if (
                not isinstance(again, dict)
                or clean_text(dig(again, "category", "text")) != category
            ):
                raise parse_failure(*_EDITION_OP, f"{what}: the category moved between pages")
            page = page_of(again.get("nominations"), what)
            edges.extend(page.edges)
        check_total(len(edges), total, what)
        return {**node, "nominations": {"total": total, "edges": edges}}


def _cacheable(response: requests.Response) -> bool:
    """A complete answer only: no errors, and no title IMDb answered null for."""
    body = load_json(response.content, Source.IMDB, Operation.GRAPHQL_TITLES)
    if not isinstance(body, dict) or body.get("errors") or not isinstance(body.get("data"), dict):
        return False
    data = body["data"]
    if any(value is None for value in data.values()):
        return False  # an unknown event or edition may be listed tomorrow
    titles = data.get("titles")
    return not (isinstance(titles, list) and any(t is None for t in titles))
