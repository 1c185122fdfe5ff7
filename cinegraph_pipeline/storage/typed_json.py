"""Frozen dataclasses to JSON and back, driven by their type hints, so that a stage's value
stored in the film database loads as the very value the stage returned (enums, tuples,
frozensets and int-keyed dicts included)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(hint: Any) -> Any:
    """`X` for `X | None` (a None value is JSON null whatever `X` is)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def encode(value: Any, hint: Any = Any) -> Any:
    """JSON-ready data for `value` of type `hint` (`Any` or `object`: already JSON)."""
    hint = _unwrap_optional(hint)
    if value is None:
        return None
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return {
            f.name: encode(getattr(value, f.name), hints[f.name]) for f in dataclasses.fields(hint)
        }
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return value.value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict:
        key, item = args or (Any, Any)
        if key is str:
            return {k: encode(v, item) for k, v in value.items()}
        return [[encode(k, key), encode(v, item)] for k, v in value.items()]
    if origin in (tuple, list, frozenset, set):
        item = args[0] if args else Any
        items = sorted(value) if origin in (frozenset, set) else value
        return [encode(v, item) for v in items]
    return value


def decode(data: Any, hint: Any = Any) -> Any:
    """The value of type `hint` that `encode` turned into `data`."""
    hint = _unwrap_optional(hint)
    if data is None:
        return None
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(
            **{f.name: decode(data[f.name], hints[f.name]) for f in dataclasses.fields(hint)}
        )
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(data)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is dict:
        key, item = args or (Any, Any)
        pairs = data.items() if key is str else data
        return {decode(k, key): decode(v, item) for k, v in pairs}
    if origin in (tuple, list, frozenset, set):
        item = args[0] if args else Any
        return origin(decode(v, item) for v in data)
    if hint is float:
        return float(data)
    return data
