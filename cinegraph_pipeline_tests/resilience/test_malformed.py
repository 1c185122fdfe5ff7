"""Malformed and hostile upstream answers.

Every file of `malformed/` (and a few generated at test time: oversized bodies, deep nesting)
is served by a local server as the answer to one client call; each must end in a
`SourceError` of type `parse_error` and one `parse_error` metric row, never in a crash, a
partial record or another error type. Then, within a real run of an edition, one film's
answer is malformed per source: that film is deferred (`pending`), the other films resolve as
they do without the bad answers. Last, valid answers carrying hostile titles (SQL, markup,
control and bidirectional characters, a 100 KB title) are stored exactly as given.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from cinegraph_pipeline.sandbox import Difficulty, SandboxConfig, SandboxServer
from cinegraph_pipeline.sources.errors import ErrorType, Operation, Source, SourceError
from cinegraph_pipeline.sources.imdb.client import ImdbClient
from cinegraph_pipeline.sources.omdb.client import OmdbClient
from cinegraph_pipeline.sources.options import HttpOptions
from cinegraph_pipeline.sources.tmdb.client import TmdbClient
from cinegraph_pipeline.sources.tracking import MetricsRecorder
from cinegraph_pipeline.storage.engine import shared_engine

from .support import fast_resources, film_state, materialize_edition, metric_rows
from .upstream import Answer, LocalUpstream, content_type_for

CORPUS = Path(__file__).parent / "malformed"
CORPUS_FILES = sorted(
    p.name for p in CORPUS.iterdir() if p.name.startswith(("tmdb", "omdb", "imdb"))
)
MAX_BODY = 2 * 1024 * 1024  # the clients' body limit in these tests (the default is 10 MB)

Call = Callable[[HttpOptions, MetricsRecorder], Any]
CALLS: dict[str, tuple[Source, Operation, Call]] = {
    "tmdb_find": (
        Source.TMDB,
        Operation.FIND,
        lambda o, r: TmdbClient(o, r, api_key="k").find_by_imdb_id("tt1602620"),
    ),
    "tmdb_search": (
        Source.TMDB,
        Operation.SEARCH,
        lambda o, r: TmdbClient(o, r, api_key="k").search_movie("Amour", year=2012),
    ),
    "tmdb_details": (
        Source.TMDB,
        Operation.DETAILS,
        lambda o, r: TmdbClient(o, r, api_key="k").movie_details(38415),
    ),
    "omdb": (
        Source.OMDB,
        Operation.OMDB_BY_ID,
        lambda o, r: OmdbClient(o, r, api_key="k", daily_quota=0).by_imdb_id("tt1602620"),
    ),
    "imdb_title": (
        Source.IMDB,
        Operation.TITLE_PAGE,
        lambda o, r: ImdbClient(o, r).title_page("tt1602620"),
    ),
    "imdb_event": (
        Source.FESTIVAL_SCRAPER,
        Operation.EVENT_PAGE,
        lambda o, r: ImdbClient(o, r).event_page("ev0000147", 2016),
    ),
}


def _generated() -> dict[str, tuple[str, Answer]]:
    """Bodies too big or too deep to commit: (call, answer)."""
    huge_json = json.dumps({"id": 1, "title": "Amour", "overview": "x" * (MAX_BODY + 10)})
    huge_page = "<html><body>" + "<p>nominees</p>" * (MAX_BODY // 14 + 10) + "</body></html>"
    deep = "[" * 200_000 + "]" * 200_000
    deep_page = (
        '<html><body><script id="__NEXT_DATA__" type="application/json">'
        + '{"props":' * 50_000
        + "{}"
        + "}" * 50_000
        + "</script></body></html>"
    )
    return {
        "huge_tmdb_details": ("tmdb_details", Answer(huge_json.encode())),
        "huge_tmdb_details_without_length": (
            "tmdb_details",
            Answer(huge_json.encode(), send_length=False),
        ),
        "huge_omdb_answer": ("omdb", Answer(huge_json.encode())),
        "huge_event_page": ("imdb_event", Answer(huge_page.encode(), content_type="text/html")),
        "huge_title_page_without_length": (
            "imdb_title",
            Answer(huge_page.encode(), content_type="text/html", send_length=False),
        ),
        "deeply_nested_tmdb_find": ("tmdb_find", Answer(deep.encode())),
        "deeply_nested_next_data": (
            "imdb_event",
            Answer(deep_page.encode(), content_type="text/html"),
        ),
    }


GENERATED = _generated()


def _call_kind(file_name: str) -> str:
    return file_name.split("__", 1)[0]


def test_the_corpus_is_large_and_covers_every_answer_kind() -> None:
    assert len(CORPUS_FILES) >= 30
    assert {_call_kind(name) for name in CORPUS_FILES} == set(CALLS)
    assert all("__" in name for name in CORPUS_FILES)


def _one_call(kind: str, answer: Answer) -> tuple[SourceError, list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    with LocalUpstream(lambda path, query: answer) as server:
        options = HttpOptions(
            base_url=server.base_url,
            requests_per_second=0.0,
            max_retries=0,
            cache_backend="none",
            read_timeout_seconds=5.0,
            max_body_bytes=MAX_BODY,
        )
        with (
            MetricsRecorder(rows.extend, flush_interval=0) as recorder,
            pytest.raises(SourceError) as caught,
        ):
            CALLS[kind][2](options, recorder)
        return caught.value, rows, server.requests


def _assert_parse_error(kind: str, error: SourceError, rows: list[dict[str, Any]]) -> None:
    source, operation, _call = CALLS[kind]
    assert error.error_type is ErrorType.PARSE_ERROR, f"{error.error_type}: {error.message}"
    assert error.source == source and error.operation == operation
    assert error.message.strip()
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["source"], row["operation"]) == (str(source), str(operation))
    assert row["success"] is False
    assert row["error_type"] == "parse_error"
    assert row["error_message"]


@pytest.mark.parametrize("file_name", CORPUS_FILES)
def test_a_malformed_answer_is_a_parse_error_with_its_metric_row(file_name: str) -> None:
    body = (CORPUS / file_name).read_bytes()
    answer = Answer(body, content_type=content_type_for(file_name))
    error, rows, requests = _one_call(_call_kind(file_name), answer)
    _assert_parse_error(_call_kind(file_name), error, rows)
    assert requests == 1  # a parse error is not retried by the client: the film is deferred


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_an_oversized_or_too_deep_answer_is_a_parse_error(name: str) -> None:
    kind, answer = GENERATED[name]
    error, rows, _requests = _one_call(kind, answer)
    _assert_parse_error(kind, error, rows)


# -- within a run ---------------------------------------------------------------------------

PARTITION = "cannes|2016"


def _sandbox_config() -> SandboxConfig:
    # Enough films that only OMDb or the IMDb page know for cannes|2016 to have both kinds.
    return SandboxConfig(difficulty=Difficulty(omdb_only_share=0.15, imdb_only_share=0.15))


def _films_by_source(sandbox: SandboxServer) -> dict[str, list[str]]:
    year = int(PARTITION.split("|")[1])
    by_source: dict[str, list[str]] = {}
    for nomination in sandbox.catalog.editions[year]:
        truth = sandbox.truth(nomination.film.imdb_id)
        if "suspect" in truth.traits or "no_imdb_id" in truth.traits:
            continue
        by_source.setdefault(truth.expected_source, [])
        if truth.imdb_id not in by_source[truth.expected_source]:
            by_source[truth.expected_source].append(truth.imdb_id)
    return by_source


def test_a_malformed_answer_defers_its_film_and_the_others_resolve(tmp_path: Path) -> None:
    with SandboxServer(_sandbox_config()) as sandbox, dg.DagsterInstance.ephemeral() as instance:
        by_source = _films_by_source(sandbox)
        assert len(by_source["tmdb"]) >= 2 and by_source.get("omdb") and by_source.get("imdb")
        bad_find, bad_details = by_source["tmdb"][:2]
        bad_details_tmdb_id = sandbox.truth(bad_details).tmdb_id
        bad_omdb, bad_imdb = by_source["omdb"][0], by_source["imdb"][0]
        corpus = {
            f"/tmdb/3/find/{bad_find}": "tmdb_find__truncated.json",
            f"/tmdb/3/movie/{bad_find}": "tmdb_find__truncated.json",  # level 1's first call
            f"/tmdb/3/movie/{bad_details_tmdb_id}": "tmdb_details__missing_id.json",
            f"/tmdb/3/movie/{bad_details}": "tmdb_details__missing_id.json",
            f"/imdb/title/{bad_imdb}/": "imdb_title__no_next_data.html",
            # GraphQL garbled too: the edition and the titles fall back to IMDb's pages.
            "/imdb-graphql/": "tmdb_find__truncated.json",
        }
        broken = True

        def route(path: str, query: dict[str, list[str]]) -> Answer | None:
            if not broken:
                return None
            name = corpus.get(path)
            if path.rstrip("/") == "/omdb" and query.get("i") == [bad_omdb]:
                name = "omdb__truncated.json"
            if name is None:
                return None
            return Answer((CORPUS / name).read_bytes(), content_type=content_type_for(name))

        reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
        database_url = f"sqlite:///{tmp_path / 'films.db'}"
        reference = fast_resources(sandbox.env(), reference_url, tmp_path / "reference_cache")
        assert materialize_edition(PARTITION, reference, instance).success
        expected = film_state(shared_engine(reference_url)).movies

        with LocalUpstream(route, upstream=sandbox.base_url) as proxy:
            env = {k: v.replace(sandbox.base_url, proxy.base_url) for k, v in sandbox.env().items()}
            resources = fast_resources(env, database_url, tmp_path / "cache")
            assert materialize_edition(PARTITION, resources, instance).success
            engine = shared_engine(database_url)
            movies = film_state(engine).movies
            bad = {bad_find, bad_details, bad_omdb, bad_imdb}
            for imdb_id in bad:
                assert movies[imdb_id]["import_type"] == "pending", imdb_id
                assert movies[imdb_id]["data_source"] == "festival"
            for imdb_id, movie in movies.items():
                if imdb_id not in bad:
                    assert movie == expected[imdb_id], imdb_id
            parse_errors = {
                (r["source"], r["operation"], r["target_identifier"])
                for r in metric_rows(engine)
                if r["error_type"] == "parse_error" and not r["operation"].startswith("graphql")
            }
            graphql_errors = {
                r["operation"]
                for r in metric_rows(engine)
                if r["error_type"] == "parse_error" and r["operation"].startswith("graphql")
            }
            assert graphql_errors == {"graphql_event", "graphql_titles"}
            assert parse_errors == {
                ("tmdb", "details", bad_find),  # /movie/{imdb_id}, level 1's one call
                ("tmdb", "details", bad_details),  # a film's calls carry its IMDb id
                ("omdb", "omdb_by_id", bad_omdb),
                ("imdb", "title_page", bad_imdb),
            }

            # The upstream mends its answers: the next run resolves the deferred films.
            broken = False
            assert materialize_edition(PARTITION, resources, instance).success
            assert film_state(engine).movies == expected


# -- hostile but valid strings ----------------------------------------------------------------

HOSTILE_EVENT = ("ev0000681", 2016)  # venice|2016: an edition the sandbox does not have
HOSTILE_PARTITION = "venice|2016"


def _hostile_titles() -> tuple[dict[str, str], dict[str, str]]:
    """Titles by name as sent, and as they must be stored."""
    corpus = json.loads((CORPUS / "hostile_strings.json").read_text(encoding="utf-8"))
    sent = dict(corpus["stored_as_sent"])
    sent["title_of_100_kb"] = ("Une très longue histoire " * 4200)[:102_400].strip()
    stored = dict(sent)
    for name, pair in corpus["stored_cleaned"].items():
        sent[name], stored[name] = pair["sent"], pair["stored"]
    return sent, stored


def _event_page(films: list[tuple[str, str]], person: tuple[str, str]) -> str:
    def title(tt: str, name: str) -> dict[str, Any]:
        return {
            "id": tt,
            "titleText": {"text": name},
            "originalTitleText": {"text": name},
            "releaseDate": {"year": 2016},
        }

    nominations = [
        {"node": {"isWinner": i == 0, "awardedEntities": {"awardTitles": [{"title": title(*f)}]}}}
        for i, f in enumerate(films)
    ]
    nominations.append(
        {
            "node": {
                "isWinner": False,
                "notes": {"plainText": person[1]},
                "awardedEntities": {
                    "awardNames": [{"name": {"id": person[0], "nameText": {"text": person[1]}}}],
                    "secondaryAwardTitles": [{"title": title(*films[0])}],
                },
            }
        }
    )
    data = {
        "props": {
            "pageProps": {
                "edition": {
                    "awards": [
                        {
                            "text": "Golden Lion <b>& co</b>",
                            "nominationCategories": {
                                "edges": [
                                    {
                                        "node": {
                                            "category": None,
                                            "nominations": {"edges": nominations},
                                        }
                                    }
                                ]
                            },
                        }
                    ]
                },
                "historyEventEditions": [{"year": 2016}],
            }
        }
    }
    # As Next.js writes it: `<` escaped inside the script, so a title cannot close the tag.
    payload = json.dumps(data).replace("<", "\\u003c")
    return (
        "<!DOCTYPE html><html><head><title>Venice Film Festival (2016)</title></head><body>"
        f'<script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>'
    )


@pytest.mark.slow
def test_hostile_titles_are_stored_exactly(tmp_path: Path, database_url: str) -> None:
    titles, stored = _hostile_titles()
    names = list(titles)
    films = [(f"tt00{index:05d}", titles[name]) for index, name in enumerate(names, start=1)]
    expected_titles = {f"tt00{i:05d}": stored[name] for i, name in enumerate(names, start=1)}
    person = ("nm0000001", titles["sql_quote"] + " " + titles["rtl_override"])
    omdb_only = films[1][0]  # TMDb does not know this one: OMDb answers for it
    by_id = dict(films)

    def route(path: str, query: dict[str, list[str]]) -> Answer | None:
        if path == f"/imdb/event/{HOSTILE_EVENT[0]}/{HOSTILE_EVENT[1]}/1/":
            return Answer(_event_page(films, person).encode(), content_type="text/html")
        if path.startswith("/tmdb/3/find/"):
            tt = path.rsplit("/", 1)[1]
            hits = []
            if tt in by_id and tt != omdb_only:
                number = int(tt[2:])
                hits = [{"id": 990_000 + number, "title": by_id[tt], "release_date": "2016-09-01"}]
            return Answer(json.dumps({"movie_results": hits, "person_results": []}).encode())
        if path.startswith("/tmdb/3/movie/"):
            raw = path.rsplit("/", 1)[1]
            if raw.startswith("tt"):  # /movie/{imdb_id}
                if raw not in by_id or raw == omdb_only:
                    return Answer(json.dumps({"status_code": 34}).encode(), status=404)
                raw = str(990_000 + int(raw[2:]))
            number = int(raw) - 990_000
            tt = f"tt00{number:05d}"
            details = {
                "id": 990_000 + number,
                "imdb_id": tt,
                "title": by_id[tt],
                "original_title": by_id[tt],
                "release_date": "2016-09-01",
                "overview": by_id[tt],
                "genres": [{"id": 18, "name": titles["script_tag"]}],
            }
            return Answer(json.dumps(details).encode())
        if path.startswith("/tmdb/3/search/"):
            return Answer(json.dumps({"page": 1, "results": [], "total_results": 0}).encode())
        if path.rstrip("/") == "/omdb":
            tt = (query.get("i") or [""])[0]
            if tt != omdb_only:
                return Answer(
                    json.dumps({"Response": "False", "Error": "Movie not found!"}).encode()
                )
            record = {
                "Title": by_id[tt],
                "Year": "2016",
                "imdbID": tt,
                "Type": "movie",
                "Director": titles["html_entities"],
                "Response": "True",
            }
            return Answer(json.dumps(record).encode())
        return None

    with LocalUpstream(route) as upstream, dg.DagsterInstance.ephemeral() as instance:
        base = upstream.base_url
        env = {
            "TMDB_BASE_URL": f"{base}/tmdb/3",
            "TMDB_API_KEY": "k",
            "OMDB_BASE_URL": f"{base}/omdb/",
            "OMDB_API_KEY": "k",
            "IMDB_BASE_URL": f"{base}/imdb",
            # No GraphQL here (404): the event page is the route.
            "IMDB_GRAPHQL_URL": f"{base}/imdb-graphql/",
        }
        resources = fast_resources(env, database_url, tmp_path / "cache")
        result = materialize_edition(HOSTILE_PARTITION, resources, instance)
        assert result.success
        state = film_state(shared_engine(database_url))

    assert {tt: m["title"] for tt, m in state.movies.items()} == expected_titles
    for tt, movie in state.movies.items():
        assert movie["original_title"] in (None, expected_titles[tt])
        expected_type = ("minimal", "omdb") if tt == omdb_only else ("full", "tmdb")
        assert (movie["import_type"], movie["data_source"]) == expected_type
    assert state.movies[films[0][0]]["genres"] == [titles["script_tag"]]
    assert state.movies[omdb_only]["directors"] == [titles["html_entities"]]
    stored_titles = {n["film_imdb_id"]: n["film_title"] for n in state.nominations.values()}
    assert stored_titles == expected_titles
    people = [n for n in state.nominations.values() if n["person_imdb_id"]]
    assert [(p["person_name"], p["notes"]) for p in people] == [(person[1], person[1])]
    assert {n["award"] for n in state.nominations.values()} == {"Golden Lion <b>& co</b>"}
