"""ImdbGraphqlClient against a local server: editions paged through every connection (small
pages), totals checked, titles with null ids, schema errors, 429 and 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cinegraph_pipeline.imports.nominations import edition_nominations
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.imdb.graphql import ImdbGraphqlClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder

from .conftest import Rows, fast_options
from .localserver import Canned, LocalServer, Seen

PATH = "/graphql/"
EVENT = "ev0000681"
EDITION_ID = "ee0000042"


def title(imdb_id: str, name: str, year: int = 2020, kind: str = "movie") -> dict[str, Any]:
    return {
        "id": imdb_id,
        "titleText": {"text": name},
        "originalTitleText": {"text": name},
        "titleType": {"id": kind},
        "releaseYear": {"year": year},
        "releaseDate": {"year": year},
    }


def person(imdb_id: str, name: str) -> dict[str, Any]:
    return {"name": {"id": imdb_id, "nameText": {"text": name}}}


def film_nomination(imdb_id: str, name: str, winner: bool = False) -> dict[str, Any]:
    return {
        "isWinner": winner,
        "notes": None,
        "awardedEntities": {
            "__typename": "AwardedTitles",
            "awardTitles": [{"title": title(imdb_id, name)}],
            "secondaryAwardNames": [],
        },
    }


def acting_nomination(name_id: str, name: str, imdb_id: str, film: str) -> dict[str, Any]:
    return {
        "isWinner": False,
        "notes": {"plainText": "Tied."},
        "awardedEntities": {
            "__typename": "AwardedNames",
            "awardNames": [person(name_id, name)],
            "secondaryAwardTitles": [{"title": title(imdb_id, film)}],
        },
    }


# Venice-like: a Golden Lion with five films (three pages of two), and three acting
# categories under one award (two category pages); one category is `null` (the award's text).
AWARDS: list[dict[str, Any]] = [
    {
        "id": "aw1",
        "text": "Golden Lion",
        "categories": [
            (None, [film_nomination(f"tt100000{i}", f"Film {i}", i == 0) for i in range(5)])
        ],
    },
    {
        "id": "aw2",
        "text": "Volpi Cup",
        "categories": [
            ("Best Actor", [acting_nomination("nm01", "A. Actor", "tt1000000", "Film 0")]),
            ("Best Actress", [acting_nomination("nm02", "B. Actress", "tt1000001", "Film 1")]),
            (
                "Best Young Actor",
                [
                    acting_nomination("nm03", "C. Young", "tt1000002", "Film 2"),
                    acting_nomination("nm04", "D. Young", "tt1000003", "Film 3"),
                    acting_nomination("nm05", "E. Young", "tt1000004", "Film 4"),
                ],
            ),
        ],
    },
]


def page(items: list[Any], first: int, after: str | None, cap: int) -> dict[str, Any]:
    start = int(after) + 1 if after is not None else 0
    chunk = items[start : start + min(first, cap)]
    end = start + len(chunk)
    return {
        "total": len(items),
        "pageInfo": {"hasNextPage": end < len(items), "endCursor": str(end - 1) if chunk else None},
        "edges": [{"node": node} for node in chunk],
    }


class FakeImdb:
    """Answers the three queries from AWARDS, paging every connection at `cap` edges."""

    def __init__(self, cap: int = 500, lie_about_total: bool = False) -> None:
        self.cap = cap
        self.lie_about_total = lie_about_total
        self.queries: list[dict[str, Any]] = []

    def __call__(self, seen: Seen) -> Canned:
        body = json.loads(seen.body)
        self.queries.append(body)
        query, variables = body["query"], body["variables"]
        if "nominationEventEdition" in query:
            return Canned(200, {"data": {"nominationEventEdition": self.edition(variables)}})
        if "nominationEvent" in query:
            editions = [{"id": EDITION_ID, "year": 2020, "instanceWithinYear": 1}]
            event = {"name": {"text": "Venice"}, "editions": editions}
            return Canned(200, {"data": {"nominationEvent": event}})
        raise AssertionError(query)

    def edition(self, variables: dict[str, Any]) -> dict[str, Any]:
        assert variables["id"] == EDITION_ID
        n = variables["n"]
        awards = []
        for award in AWARDS:
            categories = [
                {
                    "category": {"text": text} if text else None,
                    "nominations": page(nominations, n, variables["nominationsAfter"], self.cap),
                }
                for text, nominations in award["categories"]
            ]
            connection = page(
                categories, variables["categoriesFirst"], variables["categoriesAfter"], self.cap
            )
            if self.lie_about_total:
                connection["total"] += 1
            awards.append(
                {"id": award["id"], "text": award["text"], "nominationCategories": connection}
            )
        return {"year": 2020, "awards": awards}


def client(server: LocalServer, recorder: MetricsRecorder, **options: Any) -> ImdbGraphqlClient:
    page_size = options.pop("page_size", 500)
    return ImdbGraphqlClient(
        fast_options(server.url(PATH), **options), recorder, page_size=page_size
    )


def test_an_edition_is_followed_through_every_connection(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    fake = FakeImdb(cap=2)
    server.respond(PATH, fake)
    edition = client(server, recorder, page_size=2).edition(EVENT, 2020)

    assert edition.route == "graphql" and edition.edition_years == (2020,)
    result = edition_nominations("venice", edition)
    assert result.nomination_count == 5 + 1 + 1 + 3
    golden = [r for r in result.rows if r["award"] == "Golden Lion"]
    assert [r["film_imdb_id"] for r in golden] == [f"tt100000{i}" for i in range(5)]
    assert {r["category"] for r in golden} == {"Golden Lion"}  # null category: the award's text
    assert [r["winner"] for r in golden] == [True, False, False, False, False]
    young = [r for r in result.rows if r["category"] == "Best Young Actor"]
    assert [r["person_imdb_id"] for r in young] == ["nm03", "nm04", "nm05"]
    assert all(r["notes"] == "Tied." for r in young)
    assert {f.title_type for f in result.films} == {"movie"}

    seen = server.requests_to(PATH)
    assert all(s.method == "POST" for s in seen)
    assert all(s.headers["Content-Type"] == "application/json" for s in seen)
    assert all(s.headers["x-imdb-client-name"] == "imdb-web-next" for s in seen)
    operations = [row["operation"] for row in rows]
    assert operations[0] == "graphql_event"
    assert set(operations[1:]) == {"graphql_edition"}
    assert len(rows) == len(seen) == 1 + len(fake.queries[1:])
    assert {row["source"] for row in rows} == {"festival_scraper"}
    assert all(row["success"] and row["metadata"]["route"] == "graphql" for row in rows)
    assert [row["metadata"]["page"] for row in rows[1:]] == list(range(1, len(rows)))


def test_the_client_asks_pages_of_at_most_500_edges(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    fake = FakeImdb()
    server.respond(PATH, fake)
    client(server, recorder, page_size=10_000).edition(EVENT, 2020)
    edition_query = fake.queries[1]["variables"]
    assert edition_query["n"] == edition_query["categoriesFirst"] == 500
    assert len(fake.queries) == 2  # nothing to follow: one event query, one edition page


def test_an_answer_short_of_its_total_is_refused(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.respond(PATH, FakeImdb(lie_about_total=True))
    with pytest.raises(SourceError) as caught:
        client(server, recorder).edition(EVENT, 2020)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert "truncated" in caught.value.message and "Golden Lion" in caught.value.message
    assert "1 edges of a total of 2" in caught.value.message


def test_an_unknown_year_is_not_found(server: LocalServer, recorder: MetricsRecorder) -> None:
    server.respond(PATH, FakeImdb())
    with pytest.raises(SourceError) as caught:
        client(server, recorder).edition(EVENT, 1999)
    assert caught.value.error_type is ErrorType.NOT_FOUND
    assert "2020-2020" in caught.value.message


def test_titles_answers_none_for_null_ids_and_records_the_batch(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    node = {
        **title("tt0000002", "Le Film", 2019, "tvMiniSeries"),
        "runtime": {"seconds": 3000},
        "genres": {"genres": [{"id": "Drama", "text": "Drama"}]},
        "countriesOfOrigin": {"countries": [{"id": "FR", "text": "France"}]},
        "spokenLanguages": {"spokenLanguages": [{"id": "fr", "text": "French"}]},
        "plot": {"plotText": {"plainText": "A plot."}},
        "ratingsSummary": {"aggregateRating": 7.1, "voteCount": 1234},
        "primaryImage": {"url": "https://example.invalid/p.jpg"},
        "principalCredits": [
            {"category": {"id": "director", "text": "Director"}, "credits": [person("nm9", "X")]}
        ],
    }
    server.add(PATH, Canned(200, {"data": {"titles": [None, node]}}))
    found = client(server, recorder).titles(["tt0000001", "tt0000002"])
    assert found["tt0000001"] is None
    record = found["tt0000002"]
    assert record is not None
    assert (record.title, record.year, record.title_type, record.runtime) == (
        "Le Film",
        2019,
        "tvMiniSeries",
        50,
    )
    assert (record.directors, record.countries, record.languages) == (
        ("X",),
        ("France",),
        ("French",),
    )
    sent = json.loads(server.requests_to(PATH)[0].body)
    assert sent["variables"] == {"ids": ["tt0000001", "tt0000002"]}
    row = rows.only()
    assert (row["source"], row["operation"], row["success"]) == ("imdb", "graphql_titles", True)
    assert row["metadata"]["ids"] == ["tt0000001", "tt0000002"]


def test_titles_all_null_is_a_not_found_row(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(PATH, Canned(200, {"data": {"titles": [None]}}))
    assert client(server, recorder).titles(["tt0000001"]) == {"tt0000001": None}
    assert rows.only()["error_type"] == "not_found"


def test_a_title_with_an_error_at_its_path_counts_as_unanswered(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    answer = {
        "data": {"titles": [title("tt0000001", "One"), title("tt0000002", "Two")]},
        "errors": [{"message": "title service timed out", "path": ["titles", 1]}],
    }
    server.add(PATH, Canned(200, answer))
    found = client(server, recorder).titles(["tt0000001", "tt0000002"])
    assert found["tt0000001"] is not None and found["tt0000002"] is None


def test_more_than_250_ids_are_split_by_the_caller(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    graphql = client(server, recorder)
    ids = [f"tt{n:07d}" for n in range(600)]
    assert [len(batch) for batch in graphql.batches(ids)] == [250, 250, 100]
    with pytest.raises(ValueError):
        graphql.titles(ids[:251])


def test_a_query_the_schema_rejects_is_our_error_naming_the_field(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    message = "Cannot query field 'plotSummary' on type 'Title'."
    server.add(PATH, Canned(200, {"errors": [{"message": message}], "data": None}))
    with pytest.raises(SourceError) as caught:
        client(server, recorder).titles(["tt0000001"])
    assert caught.value.error_type is ErrorType.INTERNAL_ERROR
    assert "plotSummary" in caught.value.message
    assert not caught.value.transient
    assert rows.only()["error_type"] == "internal_error"
    assert len(server.requests_to(PATH)) == 1  # never retried


def test_an_edition_answered_with_errors_is_refused(
    server: LocalServer, recorder: MetricsRecorder
) -> None:
    fake = FakeImdb()

    def partial(seen: Seen) -> Canned:
        answer = fake(seen)
        body = answer.body
        assert isinstance(body, dict)
        if "nominationEventEdition" in body["data"]:
            body["errors"] = [{"message": "awards unavailable", "path": ["nominationEventEdition"]}]
        return answer

    server.respond(PATH, partial)
    with pytest.raises(SourceError) as caught:
        client(server, recorder).edition(EVENT, 2020)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert "awards unavailable" in caught.value.message


def test_429_is_retried_then_answered(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows
) -> None:
    server.add(
        PATH,
        Canned(429, {"errors": [{"message": "Too many requests"}]}),
        Canned(200, {"data": {"titles": [title("tt0000001", "One")]}}),
    )
    found = client(server, recorder).titles(["tt0000001"])
    assert found["tt0000001"] is not None
    assert rows.only()["metadata"]["retries"] == 1


@pytest.mark.parametrize(
    ("status", "expected"), [(429, ErrorType.RATE_LIMIT), (503, ErrorType.HTTP_5XX)]
)
def test_persistent_429_and_5xx_are_classified(
    server: LocalServer, recorder: MetricsRecorder, rows: Rows, status: int, expected: ErrorType
) -> None:
    server.add(PATH, Canned(status, {"errors": [{"message": "unavailable"}], "data": None}))
    with pytest.raises(SourceError) as caught:
        client(server, recorder).event(EVENT)
    assert caught.value.error_type is expected and caught.value.transient
    assert len(server.requests_to(PATH)) == 3  # two retries
    row = rows.only()
    assert (row["operation"], row["error_type"]) == ("graphql_event", expected.value)


def test_a_timeout_is_a_timeout(server: LocalServer, recorder: MetricsRecorder) -> None:
    server.add(PATH, Canned(200, {"data": {"titles": [None]}}, delay=0.5))
    with pytest.raises(SourceError) as caught:
        client(server, recorder, read_timeout_seconds=0.1, max_retries=0).titles(["tt0000001"])
    assert caught.value.error_type is ErrorType.TIMEOUT
