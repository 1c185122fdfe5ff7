"""IMDb GraphQL answers to records: the envelope (`data` / `errors`), `nominationEvent`,
the pages of `nominationEventEdition` (with their `total` checks), and `titles`.

An `errors` answer with `data: null` means the schema rejected our query: that is our bug
(`internal_error`, naming IMDb's message), never an empty edition. A page whose edges fall
short of the connection's `total` is a truncated answer (`parse_error`): an edition is
stored whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ErrorType, Operation, Source, SourceError
from ..http.transport import HttpReply
from ..parsing import as_float, as_int, clean_text, dig, load_json, parse_failure, unique
from ..records import EditionRef, EventInfo, ImdbTitle


@dataclass(frozen=True, slots=True)
class GraphqlAnswer:
    data: dict[str, Any]
    errors: tuple[dict[str, Any], ...] = ()

    def error_paths(self) -> set[tuple[Any, ...]]:
        return {tuple(e.get("path") or ()) for e in self.errors}


def error_messages(errors: Any) -> str:
    messages = []
    for error in errors if isinstance(errors, list) else [errors]:
        text = clean_text(dig(error, "message")) if isinstance(error, dict) else None
        messages.append(text or str(error)[:200])
    return "; ".join(messages) or "no message"


def classify_reply(reply: HttpReply, source: Source, operation: Operation) -> GraphqlAnswer:
    """The answer of a 200 (or a 400 carrying `errors`), else the error for its status."""
    status = reply.status
    if status == 200 or status == 400:
        body = _json_or_none(reply.content)
        if isinstance(body, dict) and (body.get("errors") or status == 200):
            return _envelope(body, source, operation)
    if status == 429:
        kind, message = ErrorType.RATE_LIMIT, "IMDb GraphQL rate limit (HTTP 429)"
    elif status >= 500:
        kind, message = ErrorType.HTTP_5XX, f"IMDb GraphQL error (HTTP {status})"
    elif status in (202, 403, 405) or "x-amzn-waf-action" in reply.headers:
        kind, message = ErrorType.BLOCKED, f"IMDb GraphQL blocked the request (HTTP {status})"
    elif status >= 400:
        kind, message = ErrorType.HTTP_4XX, f"IMDb GraphQL refused the request (HTTP {status})"
    else:
        kind, message = ErrorType.PARSE_ERROR, f"IMDb GraphQL answered HTTP {status}"
    return _raise(
        SourceError(
            source, operation, kind, message, status_code=status, retry_after=reply.retry_after
        )
    )


def _raise(error: SourceError) -> GraphqlAnswer:
    raise error


def _json_or_none(content: bytes) -> Any:
    try:
        return load_json(content, Source.IMDB, Operation.GRAPHQL_TITLES)
    except SourceError:
        return None


def _envelope(body: dict[str, Any], source: Source, operation: Operation) -> GraphqlAnswer:
    errors = body.get("errors")
    data = body.get("data")
    if errors and data is None:
        raise SourceError(
            source,
            operation,
            ErrorType.INTERNAL_ERROR,
            f"IMDb GraphQL rejected our query: {error_messages(errors)}",
        )
    if not isinstance(data, dict):
        raise parse_failure(source, operation, "IMDb GraphQL answer without a data object")
    listed = tuple(e for e in errors if isinstance(e, dict)) if isinstance(errors, list) else ()
    return GraphqlAnswer(data, listed)


# -- nominationEvent ---------------------------------------------------------------------

_EVENT_OP = (Source.FESTIVAL_SCRAPER, Operation.GRAPHQL_EVENT)


def parse_event(answer: GraphqlAnswer, event_id: str) -> EventInfo:
    event = answer.data.get("nominationEvent")
    if event is None:
        raise SourceError(
            *_EVENT_OP, ErrorType.NOT_FOUND, f"IMDb GraphQL knows no event {event_id}"
        )
    editions = dig(event, "editions")
    if not isinstance(editions, list):
        raise parse_failure(*_EVENT_OP, f"{event_id}: nominationEvent without an editions list")
    refs = []
    for item in editions:
        edition_id, year = clean_text(dig(item, "id")), as_int(dig(item, "year"))
        if edition_id is None or year is None:
            raise parse_failure(*_EVENT_OP, f"{event_id}: an edition without id or year")
        refs.append(EditionRef(edition_id, year, as_int(dig(item, "instanceWithinYear")) or 1))
    return EventInfo(event_id, clean_text(dig(event, "name", "text")), tuple(refs))


# -- nominationEventEdition pages -----------------------------------------------------------

_EDITION_OP = (Source.FESTIVAL_SCRAPER, Operation.GRAPHQL_EDITION)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a connection: its edges, the connection's total, and where it goes on."""

    edges: list[Any]
    total: int
    has_next: bool
    end_cursor: str | None


def edition_awards(answer: GraphqlAnswer, what: str) -> list[dict[str, Any]]:
    if answer.errors:
        raise parse_failure(
            *_EDITION_OP,
            f"{what}: IMDb GraphQL answered with errors: {error_messages(answer.errors)}",
        )
    edition = answer.data.get("nominationEventEdition")
    if edition is None:
        raise SourceError(*_EDITION_OP, ErrorType.NOT_FOUND, f"IMDb GraphQL has no edition {what}")
    awards = dig(edition, "awards")
    if not isinstance(awards, list):
        raise parse_failure(*_EDITION_OP, f"{what}: nominationEventEdition without awards")
    for index, award in enumerate(awards):
        if not isinstance(award, dict) or clean_text(award.get("id")) is None:
            raise parse_failure(*_EDITION_OP, f"{what}: award #{index} without an id")
    return awards


def page_of(connection: Any, what: str) -> Page:
    edges = dig(connection, "edges")
    total = as_int(dig(connection, "total"))
    has_next = dig(connection, "pageInfo", "hasNextPage")
    if not isinstance(edges, list) or total is None or not isinstance(has_next, bool):
        raise parse_failure(*_EDITION_OP, f"{what}: a connection without edges, total or pageInfo")
    cursor = clean_text(dig(connection, "pageInfo", "endCursor"))
    if has_next and (cursor is None or not edges):
        raise parse_failure(*_EDITION_OP, f"{what}: hasNextPage without a cursor to follow")
    return Page(edges, total, has_next, cursor)


def check_total(count: int, total: int, what: str) -> None:
    if count != total:
        raise parse_failure(
            *_EDITION_OP,
            f"{what}: truncated answer, {count} edges of a total of {total}; edition not stored",
        )


# -- titles ----------------------------------------------------------------------------------

_TITLES_OP = (Source.IMDB, Operation.GRAPHQL_TITLES)


def parse_titles(answer: GraphqlAnswer, ids: list[str]) -> dict[str, ImdbTitle | None]:
    """Each id's title; None for an id IMDb answered `null` for (or an error at its path)."""
    titles = answer.data.get("titles")
    if not isinstance(titles, list) or len(titles) != len(ids):
        raise parse_failure(*_TITLES_OP, f"titles: expected a list of {len(ids)} entries")
    failed = {path[1] for path in answer.error_paths() if len(path) > 1 and path[0] == "titles"}
    out: dict[str, ImdbTitle | None] = {}
    for index, (imdb_id, node) in enumerate(zip(ids, titles, strict=True)):
        out[imdb_id] = None if index in failed or node is None else parse_title(node, imdb_id)
    return out


def parse_title(node: Any, expected_id: str) -> ImdbTitle | None:
    """A `Title` node; None when it is not the asked id or has no title (then the title page
    is asked instead)."""
    if not isinstance(node, dict) or clean_text(node.get("id")) != expected_id:
        return None
    original = clean_text(dig(node, "originalTitleText", "text"))
    title = clean_text(dig(node, "titleText", "text")) or original
    if title is None:
        return None
    seconds = as_int(dig(node, "runtime", "seconds"))
    return ImdbTitle(
        imdb_id=expected_id,
        title=title,
        original_title=original,
        year=as_int(dig(node, "releaseYear", "year")) or as_int(dig(node, "releaseDate", "year")),
        title_type=clean_text(dig(node, "titleType", "id")),
        runtime=seconds // 60 if seconds else None,
        genres=unique(dig(g, "text") for g in _list(dig(node, "genres", "genres"))),
        directors=_directors(node.get("principalCredits")),
        countries=unique(
            dig(c, "text") or dig(c, "id")
            for c in _list(dig(node, "countriesOfOrigin", "countries"))
        ),
        languages=unique(
            dig(lang, "text") for lang in _list(dig(node, "spokenLanguages", "spokenLanguages"))
        ),
        # No votes yet: no rating and no count, as the title page gives them.
        rating=as_float(dig(node, "ratingsSummary", "aggregateRating")) or None,
        votes=as_int(dig(node, "ratingsSummary", "voteCount")) or None,
        plot=clean_text(dig(node, "plot", "plotText", "plainText")),
        poster_url=clean_text(dig(node, "primaryImage", "url")),
    )


def _directors(groups: Any) -> tuple[str, ...]:
    names: list[str | None] = []
    for group in _list(groups):
        if dig(group, "category", "id") not in (None, "director"):
            continue
        names.extend(dig(c, "name", "nameText", "text") for c in _list(dig(group, "credits")))
    return unique(names)


def _list(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
