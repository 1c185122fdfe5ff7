"""Small helpers shared by the parsers: strict JSON loading and tolerant value coercion.

Parsers are pure functions from a body to a typed record; anything malformed becomes
`SourceError(parse_error)` so that a bad page is retried later instead of half-written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from .errors import ErrorType, Operation, Source, SourceError


def parse_failure(source: Source, operation: Operation, message: str) -> SourceError:
    return SourceError(source, operation, ErrorType.PARSE_ERROR, message)


def load_json(body: bytes | str, source: Source, operation: Operation) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        snippet = body[:80] if isinstance(body, str) else body[:80].decode("utf-8", "replace")
        raise parse_failure(source, operation, f"invalid JSON ({exc}): {snippet!r}") from None


def require_dict(value: Any, what: str, source: Source, operation: Operation) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise parse_failure(source, operation, f"{what}: expected an object")
    return value


def require_list(value: Any, what: str, source: Source, operation: Operation) -> list[Any]:
    if not isinstance(value, list):
        raise parse_failure(source, operation, f"{what}: expected a list")
    return value


def dig(data: Any, *path: str | int) -> Any:
    """`data[path[0]][path[1]]...`, or None as soon as a step is missing or of the wrong kind."""
    current = data
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
            current = current[step]
        elif isinstance(current, dict):
            current = current.get(step)
        else:
            return None
        if current is None:
            return None
    return current


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: Any) -> str | None:
    """A stripped, storable string, or None for an empty or non-string value."""
    if not isinstance(value, str):
        return None
    value = storable(value).strip()
    return value or None


def storable(text: str) -> str:
    """Text every film database can store: without NUL characters (PostgreSQL refuses them
    in text and JSONB, which failed the whole edition's write) and with any lone surrogate
    (a JSON `\\ud800` escape, not encodable in UTF-8) replaced by U+FFFD."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
    return text


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        digits = value.replace(",", "").strip()
        if digits.isdigit():
            return int(digits)
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def first_year(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1800 <= value <= 2999 else None
    if isinstance(value, str):
        match = _YEAR.search(value)
        return int(match.group(1)) if match else None
    return None


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty strings in first-seen order, duplicates dropped."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean_text(value)
        if text is not None and text not in seen:
            seen[text] = None
    return tuple(seen)
