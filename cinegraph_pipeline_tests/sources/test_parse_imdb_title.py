"""IMDb title pages: the 12 recorded pages, and synthetic ones for what was not recorded."""

from __future__ import annotations

import pytest

from cinegraph_pipeline.sources.errors import ErrorType, Source, SourceError
from cinegraph_pipeline.sources.imdb.title_page import parse_title_page

from .conftest import fixture_bytes
from .pages import title_page

US, UK = "United States", "United Kingdom"
RECORDED = [
    # file date, id, title, year, runtime, directors ("; "-joined), first country
    ("20221027", "tt0086425", "Terms of Endearment", 1983, 132, "James L. Brooks", US),
    ("20221027", "tt0088247", "The Terminator", 1984, 107, "James Cameron", UK),
    ("20221027", "tt0103639", "Aladdin", 1992, 90, "Ron Clements; John Musker", US),
    ("20221027", "tt0114814", "The Usual Suspects", 1995, 106, "Bryan Singer", US),
    ("20230526", "tt0133093", "The Matrix", 1999, 136, "Lana Wachowski; Lilly Wachowski", US),
    ("20221027", "tt0185183", "Battlefield Earth", 2000, 118, "Roger Christian", US),
    ("20221027", "tt0361748", "Inglourious Basterds", 2009, 153, "Quentin Tarantino", "Germany"),
    ("20221027", "tt0387564", "Saw", 2004, 103, "James Wan", US),
    ("20221027", "tt0425112", "Hot Fuzz", 2007, 121, "Edgar Wright", UK),
    ("20221027", "tt0936501", "Taken", 2008, 90, "Pierre Morel", UK),
    ("20221027", "tt2294629", "Frozen", 2013, 102, "Chris Buck; Jennifer Lee", US),
    ("20221027", "tt2503944", "Burnt", 2015, 101, "John Wells", US),
]


def recorded_page(imdb_id: str, date: str) -> bytes:
    return fixture_bytes("flexget", "imdb_title", f"imdb_title_{imdb_id}_{date}.html")


@pytest.mark.parametrize(
    ("date", "imdb_id", "title", "year", "runtime", "directors", "country"), RECORDED
)
def test_recorded_title_pages(
    date: str,
    imdb_id: str,
    title: str,
    year: int,
    runtime: int,
    directors: str,
    country: str,
) -> None:
    page = parse_title_page(recorded_page(imdb_id, date), expected_id=imdb_id)
    assert page.imdb_id == imdb_id
    assert page.title == title
    assert page.original_title == title
    assert page.year == year
    assert page.title_type == "movie"
    assert page.runtime == runtime
    assert page.directors == tuple(directors.split("; "))
    assert page.countries[0] == country
    assert page.languages and page.languages[0] == "English"
    assert page.genres
    assert page.rating is not None and 1 <= page.rating <= 10
    assert page.votes is not None and page.votes > 10_000
    assert page.plot and page.poster_url and page.poster_url.startswith("https://")


def test_year_comes_from_release_year_not_date_published() -> None:
    # Taken: JSON-LD datePublished is 2009-01-30 (a US release); the film is from 2008.
    page = parse_title_page(recorded_page("tt0936501", "20221027"))
    assert page.year == 2008


def test_matrix_details() -> None:
    page = parse_title_page(recorded_page("tt0133093", "20230526"))
    assert page.genres == ("Action", "Sci-Fi")
    assert page.countries == ("United States", "Australia")
    assert (page.rating, page.votes) == (8.7, 1956171)
    film = page.to_film_data()
    assert (film.imdb_rating, film.imdb_votes, film.runtime) == (8.7, 1956171, 136)


def test_non_english_title_uses_alternate_name_and_keeps_original() -> None:
    html = title_page(
        tt="tt1234567",
        name="Le Fabuleux Destin d'Amélie Poulain",
        alternate_name="Amélie",
        title_text="Amélie",
        year=2001,
    )
    page = parse_title_page(html)
    assert page.title == "Amélie"
    assert page.original_title == "Le Fabuleux Destin d'Amélie Poulain"
    assert page.year == 2001


def test_title_text_when_no_alternate_name() -> None:
    html = title_page(tt="tt1234568", name="Druk", title_text="Another Round", year=2020)
    page = parse_title_page(html)
    assert (page.title, page.original_title) == ("Another Round", "Druk")


def test_tv_movie_type_comes_from_next_data() -> None:
    html = title_page(
        tt="tt7654321", name="Behind the Candelabra", title_text="Behind the Candelabra",
        title_type="tvMovie", year=2013, date_published="2013-06-07",
    )  # fmt: skip
    page = parse_title_page(html)
    assert page.title_type == "tvMovie"  # JSON-LD @type still says Movie
    assert page.runtime == 101  # from JSON-LD duration when __NEXT_DATA__ has none


@pytest.mark.parametrize(
    "html",
    [
        title_page(tt="tt1", name="X", title_text="X", with_ld=False),
        title_page(tt="tt1", name="X", title_text="X", with_next=False),
        "",
        "<html><body>Just a moment...</body></html>",
        '<script type="application/ld+json">{"name": </script>',
    ],
    ids=["no-json-ld", "no-next-data", "empty", "challenge-page", "invalid-json-ld"],
)
def test_bad_title_pages_are_parse_errors(html: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_title_page(html)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert caught.value.source is Source.IMDB


def test_oversized_page_is_a_parse_error() -> None:
    huge = "<html>" + "x" * (20 * 1024 * 1024) + "</html>"
    with pytest.raises(SourceError) as caught:
        parse_title_page(huge)
    assert caught.value.error_type is ErrorType.PARSE_ERROR
    assert "larger than" in caught.value.message
