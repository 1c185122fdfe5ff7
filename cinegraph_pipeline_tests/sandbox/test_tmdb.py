from __future__ import annotations

from cinegraph_pipeline.sandbox import SandboxServer

from .helpers import Client, pick, plain

APPEND = "credits,external_ids,alternative_titles,release_dates"
INVALID_KEY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}


def test_api_key_and_bearer_token_are_accepted(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    by_key = client.tmdb(f"/movie/{film.tmdb_id}")
    by_token = client.http.get(
        f"{client.env['TMDB_BASE_URL']}/movie/{film.tmdb_id}",
        headers={"Authorization": "Bearer sandbox"},
        timeout=10,
    )
    assert by_key.status_code == by_token.status_code == 200
    assert by_key.json() == by_token.json()


def test_bad_or_missing_key_gets_401_code_7(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    bad = client.tmdb(f"/movie/{film.tmdb_id}", key="not-the-key")
    missing = client.tmdb("/search/movie", key=None, query="love")
    bad_token = client.http.get(
        f"{client.env['TMDB_BASE_URL']}/search/movie",
        params={"query": "love"},
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    for response in (bad, missing, bad_token):
        assert response.status_code == 401
        assert response.json() == INVALID_KEY


def test_find_by_imdb_id(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    body = client.tmdb(f"/find/{film.imdb_id}", external_source="imdb_id").json()
    assert [hit["id"] for hit in body["movie_results"]] == [film.tmdb_id]
    hit = body["movie_results"][0]
    assert hit["media_type"] == "movie"
    assert hit["title"] == film.tmdb_title
    assert int(hit["release_date"][:4]) == film.tmdb_year
    for key in ("person_results", "tv_results", "tv_episode_results", "tv_season_results"):
        assert body[key] == []


def test_find_answers_empty_arrays_when_tmdb_lacks_the_id(
    client: Client, sandbox: SandboxServer
) -> None:
    missing_id = pick(sandbox, "no_imdb_id")
    absent = pick(sandbox, "omdb_only")
    for imdb_id in (missing_id.imdb_id, absent.imdb_id, "tt0000001"):
        response = client.tmdb(f"/find/{imdb_id}", external_source="imdb_id")
        assert response.status_code == 200
        assert response.json()["movie_results"] == []


def test_find_of_a_suspect_film_returns_another_films_record(
    client: Client, sandbox: SandboxServer
) -> None:
    film = pick(sandbox, "suspect")
    hits = client.tmdb(f"/find/{film.imdb_id}", external_source="imdb_id").json()["movie_results"]
    assert [hit["id"] for hit in hits] == [film.suspect_tmdb_id]
    assert hits[0]["id"] != film.tmdb_id
    assert hits[0]["title"] != film.title
    details = client.tmdb(f"/movie/{film.suspect_tmdb_id}").json()
    assert details["imdb_id"] == film.imdb_id


def test_search_is_case_and_accent_insensitive_and_matches_word_prefixes(
    client: Client, sandbox: SandboxServer
) -> None:
    film = plain(sandbox)
    shouted = client.tmdb("/search/movie", query=film.tmdb_title.upper()).json()
    assert film.tmdb_id in [hit["id"] for hit in shouted["results"]]
    accented = next(t for t in sandbox.catalog.truths() if t.on_tmdb and "é" in t.tmdb_title)
    folded = accented.tmdb_title.replace("é", "e").lower()
    hits = client.tmdb("/search/movie", query=folded).json()["results"]
    assert accented.tmdb_id in [hit["id"] for hit in hits]
    prefix = " ".join(word[:4] for word in film.tmdb_title.split())
    hits = client.tmdb("/search/movie", query=prefix).json()["results"]
    assert film.tmdb_id in [hit["id"] for hit in hits]


def test_search_requires_every_word(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    body = client.tmdb("/search/movie", query=f"{film.tmdb_title} zzqxj").json()
    assert body["results"] == []
    assert body["total_results"] == 0


def test_search_matches_original_and_alternative_titles(
    client: Client, sandbox: SandboxServer
) -> None:
    known_by_original = pick(sandbox, "tmdb_original_title", "alt_title")
    hits = client.tmdb("/search/movie", query=known_by_original.title).json()["results"]
    assert known_by_original.tmdb_id in [hit["id"] for hit in hits]
    hit = next(h for h in hits if h["id"] == known_by_original.tmdb_id)
    assert hit["title"] == known_by_original.original_title
    hidden = pick(sandbox, "tmdb_original_title", exclude=("alt_title", "festival_original_title"))
    english = client.tmdb("/search/movie", query=hidden.title).json()["results"]
    assert hidden.tmdb_id not in [hit["id"] for hit in english]
    original = client.tmdb("/search/movie", query=hidden.original_title).json()["results"]
    assert hidden.tmdb_id in [hit["id"] for hit in original]


def test_search_returns_same_title_distractors_most_popular_first(
    client: Client, sandbox: SandboxServer
) -> None:
    film = pick(sandbox, "same_title", exclude=("omdb_only", "imdb_only", "nowhere"))
    body = client.tmdb("/search/movie", query=film.tmdb_title).json()
    exact = [hit for hit in body["results"] if hit["title"].lower() == film.tmdb_title.lower()]
    assert len(exact) >= 2
    popularity = [hit["popularity"] for hit in exact]
    assert popularity == sorted(popularity, reverse=True)


def test_search_year_filters(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "year_off", exclude=("tmdb_original_title",))
    record = sandbox.catalog.record_of_film[film.imdb_id]
    assert film.tmdb_year != film.year
    query = film.tmdb_title

    def ids(**params: object) -> list[int]:
        return [
            hit["id"]
            for hit in client.tmdb("/search/movie", query=query, **params).json()["results"]
        ]

    assert film.tmdb_id in ids(primary_release_year=film.tmdb_year)
    assert film.tmdb_id not in ids(primary_release_year=film.year)
    assert film.tmdb_id in ids(year=film.tmdb_year)
    assert (film.tmdb_id in ids(year=film.year)) == (film.year in record.release_years)


def test_search_pages_of_twenty(client: Client) -> None:
    first = client.tmdb("/search/movie", query="the").json()
    assert first["total_results"] > 20
    assert len(first["results"]) == 20
    assert first["total_pages"] == -(-first["total_results"] // 20)
    second = client.tmdb("/search/movie", query="the", page=2).json()
    assert second["page"] == 2
    assert not {h["id"] for h in first["results"]} & {h["id"] for h in second["results"]}


def test_search_validation_errors(client: Client) -> None:
    empty = client.tmdb("/search/movie", query="")
    assert empty.status_code == 422
    assert empty.json() == {"errors": ["query must be provided"]}
    bad_page = client.tmdb("/search/movie", query="love", page=0)
    assert bad_page.status_code == 400
    assert bad_page.json()["status_code"] == 22


def test_movie_details_with_everything_appended(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "alt_title", exclude=("tmdb_original_title", "no_imdb_id", "suspect"))
    body = client.tmdb(f"/movie/{film.tmdb_id}", append_to_response=APPEND).json()
    facts = sandbox.catalog.film(film.imdb_id)
    assert facts is not None
    assert body["id"] == film.tmdb_id
    assert body["imdb_id"] == film.imdb_id
    assert body["title"] == film.tmdb_title
    assert body["original_title"] == film.original_title
    assert body["runtime"] == facts.runtime
    assert [c["iso_3166_1"] for c in body["production_countries"]] == list(facts.countries)
    directors = [c["name"] for c in body["credits"]["crew"] if c["job"] == "Director"]
    assert directors == [person.name for person in facts.directors]
    assert body["credits"]["cast"][0]["order"] == 0
    assert body["external_ids"]["imdb_id"] == film.imdb_id
    alt_titles = [t["title"] for t in body["alternative_titles"]["titles"]]
    assert film.original_title in alt_titles
    results = body["release_dates"]["results"]
    dates = [d["release_date"] for r in results for d in r["release_dates"]]
    assert any(d.startswith(body["release_date"]) for d in dates)


def test_movie_sub_resources_carry_the_id(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    for part in ("credits", "external_ids", "alternative_titles", "release_dates"):
        body = client.tmdb(f"/movie/{film.tmdb_id}/{part}").json()
        assert body["id"] == film.tmdb_id


def test_record_without_imdb_id(client: Client, sandbox: SandboxServer) -> None:
    film = pick(sandbox, "no_imdb_id")
    body = client.tmdb(f"/movie/{film.tmdb_id}", append_to_response="external_ids").json()
    assert body["imdb_id"] is None
    assert body["external_ids"]["imdb_id"] is None


def test_unknown_movie_is_404_code_34(client: Client, sandbox: SandboxServer) -> None:
    absent = pick(sandbox, "nowhere")
    reserved = sandbox.catalog.record_of_film[absent.imdb_id].tmdb_id
    for path in ("/movie/1", f"/movie/{reserved}", "/no/such/route"):
        response = client.tmdb(path)
        assert response.status_code == 404
        assert response.json()["status_code"] == 34
        assert response.json()["success"] is False
    assert client.tmdb("/movie/abc").json()["status_code"] == 6


def test_genre_list(client: Client) -> None:
    genres = client.tmdb("/genre/movie/list").json()["genres"]
    names = {genre["name"]: genre["id"] for genre in genres}
    assert names["Drama"] == 18 and names["Science Fiction"] == 878 and names["TV Movie"] == 10770


def test_movie_by_imdb_id_answers_the_details_of_the_record_find_returns(
    client: Client, sandbox: SandboxServer
) -> None:
    film = plain(sandbox)
    by_imdb = client.tmdb(f"/movie/{film.imdb_id}", append_to_response=APPEND)
    by_tmdb = client.tmdb(f"/movie/{film.tmdb_id}", append_to_response=APPEND)
    assert by_imdb.status_code == 200
    assert by_imdb.json() == by_tmdb.json()
    assert by_imdb.json()["imdb_id"] == film.imdb_id
    unknown = client.tmdb("/movie/tt0000001")
    assert unknown.status_code == 404 and unknown.json()["status_code"] == 34


def test_movie_by_imdb_id_can_be_switched_off(client: Client, sandbox: SandboxServer) -> None:
    film = plain(sandbox)
    sandbox.set_faults(tmdb_movie_by_imdb_id=False)
    refused = client.tmdb(f"/movie/{film.imdb_id}")
    assert refused.status_code == 404 and refused.json()["status_code"] == 34
    assert client.tmdb(f"/movie/{film.tmdb_id}").status_code == 200
    found = client.tmdb(f"/find/{film.imdb_id}", external_source="imdb_id").json()
    assert [hit["id"] for hit in found["movie_results"]] == [film.tmdb_id]
