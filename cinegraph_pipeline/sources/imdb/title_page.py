"""An IMDb title page to `ImdbTitle`.

JSON-LD `name` is the ORIGINAL title and `alternateName` the English one; JSON-LD `@type`
says Movie even for TV movies and `datePublished` is one country's release, so type and year
come from `__NEXT_DATA__` (`aboveTheFoldData.titleType.id`, `.releaseYear.year`).
"""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from ..errors import Operation, Source
from ..http.adapter import DEFAULT_MAX_BODY_BYTES
from ..parsing import as_float, as_int, clean_text, dig, parse_failure, unique
from ..records import ImdbTitle
from .html import json_ld_blocks, next_data, script_soup

_OP = (Source.IMDB, Operation.TITLE_PAGE)
_IMDB_ID = re.compile(r"^tt\d+$")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?", re.IGNORECASE)


def parse_title_page(
    html: bytes | str, *, expected_id: str | None = None, max_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> ImdbTitle:
    soup = script_soup(html, *_OP, max_bytes=max_bytes)
    ld = _film_json_ld(json_ld_blocks(soup, *_OP))
    if ld is None:
        raise parse_failure(*_OP, "no JSON-LD block describing the title")
    page = dig(next_data(soup, *_OP), "props", "pageProps")
    atf = dig(page, "aboveTheFoldData")
    if not isinstance(atf, dict):
        raise parse_failure(*_OP, "__NEXT_DATA__ without pageProps.aboveTheFoldData")
    main = dig(page, "mainColumnData") or {}

    imdb_id = clean_text(dig(page, "tconst")) or clean_text(atf.get("id")) or expected_id
    if imdb_id is None or not _IMDB_ID.match(imdb_id):
        raise parse_failure(*_OP, "title page without a tt id")
    original = _unescape(ld.get("name")) or clean_text(dig(atf, "originalTitleText", "text"))
    title = (
        _unescape(ld.get("alternateName")) or clean_text(dig(atf, "titleText", "text")) or original
    )
    if title is None:
        raise parse_failure(*_OP, "title page without a title")

    return ImdbTitle(
        imdb_id=imdb_id,
        title=title,
        original_title=original,
        year=as_int(dig(atf, "releaseYear", "year")),
        title_type=clean_text(dig(atf, "titleType", "id")),
        runtime=_runtime(atf, main, ld),
        genres=unique(g.get("text") for g in _dicts(dig(atf, "genres", "genres")))
        or unique(_strings(ld.get("genre"))),
        directors=_directors(ld, main),
        countries=unique(c.get("text") for c in _dicts(dig(main, "countriesOfOrigin", "countries")))
        or unique(c.get("id") for c in _dicts(dig(atf, "countriesOfOrigin", "countries"))),
        languages=unique(
            lang.get("text") for lang in _dicts(dig(main, "spokenLanguages", "spokenLanguages"))
        ),
        rating=as_float(dig(atf, "ratingsSummary", "aggregateRating"))
        or as_float(dig(ld, "aggregateRating", "ratingValue")),
        votes=as_int(dig(atf, "ratingsSummary", "voteCount"))
        or as_int(dig(ld, "aggregateRating", "ratingCount")),
        plot=clean_text(dig(atf, "plot", "plotText", "plainText"))
        or _unescape(ld.get("description")),
        poster_url=clean_text(dig(atf, "primaryImage", "url")) or clean_text(ld.get("image")),
    )


def _film_json_ld(blocks: list[Any]) -> dict[str, Any] | None:
    candidates: list[Any] = []
    for block in blocks:
        candidates.extend(block if isinstance(block, list) else [block])
    for candidate in candidates:
        if isinstance(candidate, dict) and clean_text(candidate.get("name")):
            return candidate
    return None


def _runtime(atf: dict[str, Any], main: Any, ld: dict[str, Any]) -> int | None:
    seconds = as_int(dig(atf, "runtime", "seconds")) or as_int(dig(main, "runtime", "seconds"))
    if seconds:
        return seconds // 60
    match = _DURATION.match(clean_text(ld.get("duration")) or "")
    if match and (match.group(1) or match.group(2)):
        return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    return None


def _directors(ld: dict[str, Any], main: Any) -> tuple[str, ...]:
    people = ld.get("director")
    from_ld = unique(
        p.get("name") for p in _dicts(people if isinstance(people, list) else [people])
    )
    if from_ld:
        return tuple(html_lib.unescape(name) for name in from_ld)
    names: list[str | None] = []
    for group in _dicts(main.get("directors") if isinstance(main, dict) else None):
        names.extend(dig(c, "name", "nameText", "text") for c in _dicts(group.get("credits")))
    return unique(names)


def _unescape(value: Any) -> str | None:
    text = clean_text(value)
    return html_lib.unescape(text) if text else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
