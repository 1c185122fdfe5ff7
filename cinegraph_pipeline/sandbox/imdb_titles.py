"""IMDb title pages (`/imdb/title/{tt}/`) in the post-2022 Next.js shape: a JSON-LD block
whose `name` is the ORIGINAL title and `alternateName` the English one, and `__NEXT_DATA__`
with `aboveTheFoldData` and `mainColumnData` as the recorded real pages have them."""

from __future__ import annotations

import html
from typing import Any

from .catalog import Catalog, Film, image_url, synopsis
from .codes import COUNTRIES, LANGUAGES
from .imdb_html import ASSET_PREFIX, BUILD_ID, decoy_json, ld_json_tag, next_data_tag, page
from .people import Person
from .text import stable_int
from .web import script_json

_IMDB_LANGUAGE_IDS = {"cn": "yue"}  # IMDb's id where it differs from TMDb's code
_TITLE_TYPES = {
    "movie": "Movie",
    "tvMovie": "TV Movie",
    "tvSeries": "TV Series",
    "tvMiniSeries": "TV Mini Series",
}


def title_page(catalog: Catalog, film: Film) -> str:
    display = catalog.display_title(film)
    ld = _json_ld(catalog, film)
    above, main = _above_the_fold(catalog, film), _main_column(catalog, film)
    next_data = {
        "props": {
            "pageProps": {
                "tconst": film.imdb_id,
                "aboveTheFoldData": above,
                "mainColumnData": main,
                "requestContext": {"timestamp": "2024-05-02T09:14:03.118Z", "sidecar": {}},
                "cmsContext": {"transformedPlacements": {}},
                "translationContext": {"i18n": {"translations": {"resources": {}}}},
                "urqlState": None,
                "fetchState": None,
            },
            "__N_SSP": True,
        },
        "page": "/title/[tconst]",
        "query": {"tconst": film.imdb_id},
        "buildId": BUILD_ID,
        "assetPrefix": ASSET_PREFIX,
        "runtimeConfig": {"env": "sandbox", "stage": "Prod"},
        "isFallback": False,
        "dynamicIds": [98216, 54237],
        "gssp": True,
        "customServer": True,
        "scriptLoader": [],
    }
    kind = _TITLE_TYPES[film.title_type]
    year = f" ({film.year})" if film.title_type == "movie" else f" ({kind} {film.year})"
    body = (
        '<section class="ipc-page-section">'
        f'<h1 data-testid="hero__pageTitle"><span class="hero__primary-text">'
        f"{html.escape(display)}</span></h1>"
        f'<ul class="ipc-inline-list"><li>{film.year}</li></ul>'
        f'<span data-testid="plot-xl">{html.escape(synopsis(film))}</span>'
        "</section>"
    )
    return page(
        f"{display}{year} - IMDb",
        synopsis(film),
        ld_json_tag(film.imdb_id) + script_json(ld) + "</script>",
        body,
        decoy_json(film.imdb_id)
        + next_data_tag(film.imdb_id)
        + script_json(next_data)
        + "</script>",
    )


def _json_ld(catalog: Catalog, film: Film) -> dict[str, Any]:
    rating = catalog.rating(film)
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Movie",
        "url": f"/title/{film.imdb_id}/",
        "name": film.original_title,
    }
    if film.has_distinct_original:
        ld["alternateName"] = film.title
    ld["image"] = image_url(film)
    ld["description"] = synopsis(film)
    if rating.value is not None:
        ld["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingCount": rating.votes,
            "bestRating": 10,
            "worstRating": 1,
            "ratingValue": rating.value,
        }
    ld["genre"] = list(film.genres)
    ld["datePublished"] = catalog.release_date(film).isoformat()
    ld["keywords"] = "film festival,cannes"
    ld["actor"] = [_ld_person(person) for person in film.cast]
    ld["director"] = [_ld_person(person) for person in film.directors]
    ld["creator"] = [_ld_person(person) for person in film.directors]
    if film.runtime:
        ld["duration"] = _iso_duration(film.runtime)
    return ld


def _ld_person(person: Person) -> dict[str, str]:
    return {"@type": "Person", "url": f"/name/{person.imdb_id}/", "name": person.name}


def _above_the_fold(catalog: Catalog, film: Film) -> dict[str, Any]:
    rating = catalog.rating(film)
    released = catalog.release_date(film)
    countries = [code for code in film.countries if code in COUNTRIES]
    return {
        "id": film.imdb_id,
        "productionStatus": _production_status(),
        "canHaveEpisodes": False,
        "series": None,
        "titleText": _text(catalog.display_title(film), "TitleText"),
        "titleType": {
            "text": _TITLE_TYPES[film.title_type],
            "id": film.title_type,
            "isSeries": film.title_type in ("tvSeries", "tvMiniSeries"),
            "isEpisode": False,
            "categories": [{"value": "movie", "__typename": "TitleTypeCategory"}],
            "canHaveEpisodes": False,
            "__typename": "TitleType",
        },
        "originalTitleText": _text(film.original_title, "TitleText"),
        "certificate": None,
        "releaseYear": {"year": film.year, "endYear": None, "__typename": "YearRange"},
        "releaseDate": {
            "day": released.day,
            "month": released.month,
            "year": released.year,
            "__typename": "ReleaseDate",
        },
        "runtime": _runtime(film),
        "canRate": {"isRatable": True, "__typename": "CanRate"},
        "ratingsSummary": {
            "aggregateRating": rating.value,
            "voteCount": rating.votes,
            "__typename": "RatingsSummary",
        },
        "meterRanking": None,
        "primaryImage": {
            "id": f"rm{stable_int(film.imdb_id, 'rm') % 10**10}",
            "width": 1000,
            "height": 1481,
            "url": image_url(film),
            "caption": {"plainText": catalog.display_title(film), "__typename": "Markdown"},
            "__typename": "Image",
        },
        "images": {"total": 12, "__typename": "ImageConnection"},
        "videos": {"total": 1, "__typename": "TitleRelatedVideosConnection"},
        "primaryVideos": {"edges": [], "__typename": "VideoConnection"},
        "externalLinks": {"total": 8, "__typename": "ExternalLinkConnection"},
        "metacritic": (
            {"metascore": {"score": rating.metascore, "__typename": "Metascore"}}
            if rating.metascore is not None
            else None
        ),
        "keywords": {"total": 0, "edges": [], "__typename": "TitleKeywordConnection"},
        "genres": {
            "genres": [{"text": g, "id": g, "__typename": "Genre"} for g in film.genres],
            "__typename": "Genres",
        },
        "plot": {
            "plotText": {"plainText": synopsis(film), "__typename": "Markdown"},
            "language": {"id": "en-US", "__typename": "DisplayableLanguage"},
            "__typename": "Plot",
        },
        "plotContributionLink": {
            "url": f"https://contribute.imdb.com/updates?update={film.imdb_id}",
            "__typename": "ContributionLink",
        },
        "credits": {
            "total": len(film.cast) + len(film.directors),
            "__typename": "CreditConnection",
        },
        "principalCredits": _principal_credits(film),
        "reviews": {"total": 0, "__typename": "ReviewsConnection"},
        "criticReviewsTotal": {"total": 0, "__typename": "ExternalLinkConnection"},
        "triviaTotal": {"total": 0, "__typename": "TriviaConnection"},
        "meta": {
            "canonicalId": film.imdb_id,
            "publicationStatus": "PUBLISHED",
            "__typename": "TitleMeta",
        },
        "castPageTitle": {
            "edges": [
                {
                    "node": {
                        "name": {"nameText": _text(p.name, "NameText"), "__typename": "Name"},
                        "__typename": "Cast",
                    },
                    "__typename": "CreditEdge",
                }
                for p in film.cast
            ],
            "__typename": "CreditConnection",
        },
        "creatorsPageTitle": [],
        "directorsPageTitle": [
            {
                "credits": [
                    {"name": {"nameText": _text(p.name, "NameText"), "__typename": "Name"}}
                    for p in film.directors
                ],
                "__typename": "PrincipalCreditsForCategory",
            }
        ],
        "countriesOfOrigin": {
            "countries": [{"id": code, "__typename": "CountryOfOrigin"} for code in countries],
            "__typename": "CountriesOfOrigin",
        },
        "production": {"edges": [], "__typename": "CompanyCreditConnection"},
        "featuredReviews": {"edges": [], "__typename": "ReviewConnection"},
        "subNavCredits": {
            "total": len(film.cast) + len(film.directors),
            "__typename": "CreditConnection",
        },
        "subNavTrivia": {"total": 0, "__typename": "TriviaConnection"},
        "subNavReviews": {"total": 0, "__typename": "ReviewsConnection"},
        "engagementStatistics": {
            "watchlistStatistics": {
                "displayableCount": {
                    "text": f"Added by {max(1, rating.votes // 40):,} users",
                    "__typename": "LocalizedDisplayableCount",
                },
                "__typename": "WatchlistStatistics",
            },
            "__typename": "EngagementStatistics",
        },
        "__typename": "Title",
    }


def _main_column(catalog: Catalog, film: Film) -> dict[str, Any]:
    wins, nominations = catalog.awards_of(film.imdb_id)
    released = catalog.release_date(film)
    country = film.countries[0] if film.countries and film.countries[0] in COUNTRIES else "US"
    display = catalog.display_title(film)
    aka = film.title if display != film.title else film.original_title
    empty = {"edges": []}
    return {
        "id": film.imdb_id,
        "wins": {"total": wins, "__typename": "AwardNominationConnection"},
        "nominations": {"total": nominations - wins, "__typename": "AwardNominationConnection"},
        "prestigiousAwardSummary": None,
        "ratingsSummary": {"topRanking": None, "__typename": "RatingsSummary"},
        "episodes": None,
        "videos": {"total": 1, "__typename": "TitleRelatedVideosConnection"},
        "videoStrip": {**empty, "__typename": "VideoConnection"},
        "titleMainImages": {"total": 12, **empty, "__typename": "ImageConnection"},
        "productionStatus": _production_status(),
        "primaryImage": {
            "id": f"rm{stable_int(film.imdb_id, 'rm') % 10**10}",
            "__typename": "Image",
        },
        "imageUploadLink": {
            "url": f"https://contribute.imdb.com/image/{film.imdb_id}/add",
            "__typename": "ContributionLink",
        },
        "titleType": {"id": film.title_type, "canHaveEpisodes": False, "__typename": "TitleType"},
        "cast": {
            "edges": [
                {
                    "node": {
                        "name": {**_name(p), "primaryImage": None},
                        "attributes": None,
                        "characters": [],
                        "episodeCredits": {
                            "total": 0,
                            "yearRange": None,
                            "__typename": "EpisodeCastConnection",
                        },
                        "__typename": "Cast",
                    },
                    "__typename": "CreditEdge",
                }
                for p in film.cast
            ],
            "__typename": "CreditConnection",
        },
        "creators": [],
        "directors": [_credit_category(film.directors, "Director", "Directors")],
        "writers": [_credit_category(film.directors, "Writer", "Writers")],
        "isAdult": False,
        "moreLikeThisTitles": {**empty, "__typename": "TitleConnection"},
        "triviaTotal": {"total": 0, "__typename": "TriviaConnection"},
        "trivia": {**empty, "__typename": "TriviaConnection"},
        "goofsTotal": {"total": 0, "__typename": "GoofConnection"},
        "goofs": {**empty, "__typename": "GoofConnection"},
        "quotesTotal": {"total": 0, "__typename": "TitleQuoteConnection"},
        "quotes": {**empty, "__typename": "TitleQuoteConnection"},
        "crazyCredits": {**empty, "__typename": "CrazyCreditConnection"},
        "alternateVersions": {"total": 0, **empty, "__typename": "AlternateVersionConnection"},
        "connections": {**empty, "__typename": "TitleConnectionConnection"},
        "soundtrack": {**empty, "__typename": "SoundtrackConnection"},
        "titleText": _text(display, "TitleText"),
        "originalTitleText": _text(film.original_title, "TitleText"),
        "releaseYear": {"year": film.year, "__typename": "YearRange"},
        "reviews": {"total": 0, "__typename": "ReviewsConnection"},
        "featuredReviews": {**empty, "__typename": "ReviewConnection"},
        "canRate": {"isRatable": True, "__typename": "CanRate"},
        "iframeAddReviewLink": {
            "url": f"https://contribute.imdb.com/review/{film.imdb_id}/add",
            "__typename": "ContributionLink",
        },
        "faqsTotal": {"total": 0, "__typename": "FaqConnection"},
        "faqs": {**empty, "__typename": "FaqConnection"},
        "releaseDate": {
            "day": released.day,
            "month": released.month,
            "year": released.year,
            "country": {
                "id": country,
                "text": COUNTRIES[country].name,
                "__typename": "LocalizedDisplayableCountry",
            },
            "__typename": "ReleaseDate",
        },
        "countriesOfOrigin": {
            "countries": [
                {"id": code, "text": COUNTRIES[code].name, "__typename": "CountryOfOrigin"}
                for code in film.countries
                if code in COUNTRIES
            ],
            "__typename": "CountriesOfOrigin",
        },
        "detailsExternalLinks": {**empty, "__typename": "ExternalLinkConnection"},
        "spokenLanguages": {
            "spokenLanguages": [
                {
                    "id": _IMDB_LANGUAGE_IDS.get(code, code),
                    "text": LANGUAGES[code].english,
                    "__typename": "SpokenLanguage",
                }
                for code in film.languages
                if code in LANGUAGES
            ],
            "__typename": "SpokenLanguages",
        },
        "akas": {
            "edges": (
                [{"node": {"text": aka, "__typename": "Aka"}, "__typename": "AkaEdge"}]
                if film.has_distinct_original
                else []
            ),
            "__typename": "AkaConnection",
        },
        "filmingLocations": {"edges": [], "total": 0, "__typename": "FilmingLocationConnection"},
        "production": {"edges": [], "__typename": "CompanyCreditConnection"},
        "companies": {"total": 0, "__typename": "CompanyCreditConnection"},
        "productionBudget": None,
        "lifetimeGross": None,
        "openingWeekendGross": None,
        "worldwideGross": None,
        "technicalSpecifications": {
            "soundMixes": {"items": [], "__typename": "SoundMixes"},
            "aspectRatios": {"items": [], "__typename": "AspectRatios"},
            "colorations": {"items": [], "__typename": "Colorations"},
            "__typename": "TechnicalSpecifications",
        },
        "runtime": _runtime(film),
        "series": None,
        "canHaveEpisodes": False,
        "contributionQuestions": {
            "contributionLink": {
                "url": "https://contribute.imdb.com/answers",
                "__typename": "ContributionQuestionsLink",
            },
            "edges": [],
            "__typename": "ContributionQuestionsConnection",
        },
        "__typename": "Title",
    }


def _principal_credits(film: Film) -> list[dict[str, Any]]:
    groups = (
        ("Director" if len(film.directors) == 1 else "Directors", "director", film.directors),
        ("Writer" if len(film.directors) == 1 else "Writers", "writer", film.directors),
        ("Stars", "cast", film.cast),
    )
    return [
        {
            "totalCredits": len(people),
            "category": {"text": text, "id": category_id, "__typename": "CreditCategory"},
            "credits": [
                {"name": _name(p), "attributes": None, "__typename": "Crew"} for p in people
            ],
            "__typename": "PrincipalCreditsForCategory",
        }
        for text, category_id, people in groups
        if people
    ]


def _credit_category(people: tuple[Person, ...], one: str, many: str) -> dict[str, Any]:
    return {
        "totalCredits": len(people),
        "category": {"text": one if len(people) == 1 else many, "__typename": "CreditCategory"},
        "credits": [{"name": _name(p), "attributes": None, "__typename": "Crew"} for p in people],
        "__typename": "PrincipalCreditsForCategory",
    }


def _name(person: Person) -> dict[str, Any]:
    return {"id": person.imdb_id, "nameText": _text(person.name, "NameText"), "__typename": "Name"}


def _text(value: str, typename: str) -> dict[str, str]:
    return {"text": value, "__typename": typename}


def _runtime(film: Film) -> dict[str, Any] | None:
    if not film.runtime:
        return None
    return {"seconds": film.runtime * 60, "__typename": "Runtime"}


def _production_status() -> dict[str, Any]:
    return {
        "currentProductionStage": {
            "id": "released",
            "text": "Released",
            "__typename": "ProductionStage",
        },
        "productionStatusHistory": [],
        "restriction": None,
        "__typename": "ProductionStatusDetails",
    }


def _iso_duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest or not hours else "")
