"""Finding the JSON blocks of an IMDb (Next.js) page with a real HTML parser.

Only `<script>` elements are parsed (SoupStrainer), which keeps a 1 MB page fast, and tags are
matched by attribute, whatever their order or quoting.
"""

from __future__ import annotations

import json
from typing import Any

from bs4 import BeautifulSoup, SoupStrainer
from bs4.element import Tag

from ..errors import Operation, Source
from ..http.adapter import DEFAULT_MAX_BODY_BYTES
from ..parsing import parse_failure

NEXT_DATA_ID = "__NEXT_DATA__"


def script_soup(
    html: bytes | str, source: Source, operation: Operation, max_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> BeautifulSoup:
    if len(html) > max_bytes:
        raise parse_failure(source, operation, f"page larger than {max_bytes} bytes; not parsed")
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    if not text.strip():
        raise parse_failure(source, operation, "empty page")
    return BeautifulSoup(text, "lxml", parse_only=SoupStrainer("script"))


def page_title(html: bytes | str, max_bytes: int = 65_536) -> str:
    """The `<title>` of a (small) page, whitespace collapsed; "" when there is none."""
    if not html or len(html) > max_bytes:
        return ""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    tag = BeautifulSoup(text, "lxml", parse_only=SoupStrainer("title")).find("title")
    return " ".join(tag.get_text().split())[:300] if isinstance(tag, Tag) else ""


def next_data(soup: BeautifulSoup, source: Source, operation: Operation) -> dict[str, Any]:
    tag = soup.find("script", id=NEXT_DATA_ID)
    if not isinstance(tag, Tag):
        raise parse_failure(source, operation, "no __NEXT_DATA__ script in the page")
    data = _script_json(tag, source, operation, NEXT_DATA_ID)
    if not isinstance(data, dict):
        raise parse_failure(source, operation, "__NEXT_DATA__ is not an object")
    return data


def json_ld_blocks(soup: BeautifulSoup, source: Source, operation: Operation) -> list[Any]:
    blocks: list[Any] = []
    for tag in soup.find_all("script", type="application/ld+json"):
        if isinstance(tag, Tag):
            blocks.append(_script_json(tag, source, operation, "JSON-LD"))
    return blocks


def _script_json(tag: Tag, source: Source, operation: Operation, what: str) -> Any:
    raw = tag.string if tag.string is not None else tag.get_text()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # nested past Python's limit: rejected too
        raise parse_failure(source, operation, f"{what} is not valid JSON: {exc}") from None
