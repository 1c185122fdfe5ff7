"""The sandbox's settings: which films are hard to resolve (`Difficulty`), which faults the
services inject (`Faults`), and where the server listens (`SandboxConfig`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

SANDBOX_KEY = "sandbox"  # the one API key, token and Zyte key the sandbox accepts
SERVICES = ("tmdb", "omdb", "imdb", "zyte", "graphql")


@dataclass(frozen=True)
class Difficulty:
    """Shares of the festival films that are hard to resolve, like a real festival import.

    The first three are exclusive and together are the films TMDb does not know. The TMDb
    record traits apply to the films TMDb knows; the two title shares apply to the films whose
    original title differs from the English one."""

    omdb_only_share: float = 0.05  # not on TMDb; OMDb and the IMDb page know it
    imdb_only_share: float = 0.03  # only the IMDb title page knows it
    nowhere_share: float = 0.02  # no source knows it; only the event page lists it
    no_imdb_id_share: float = 0.08  # TMDb record without an imdb_id
    year_off_share: float = 0.06  # TMDb's primary release year differs by one
    suspect_share: float = 0.02  # another film's TMDb record carries this film's IMDb id
    omdb_missing_share: float = 0.04  # on TMDb but absent from OMDb
    tmdb_original_title_share: float = 0.30  # TMDb titles it by the original title
    festival_original_title_share: float = 0.15  # the event page shows the original title
    alt_title_share: float = 0.60  # the other title is among TMDb's alternative titles
    # Series (tvSeries, tvMiniSeries) among the plain films, each with a same-title TMDb movie
    series_share: float = 0.012

    def validate(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{item.name} must be between 0 and 1, got {value}")
        absent = self.omdb_only_share + self.imdb_only_share + self.nowhere_share
        if absent > 1.0:
            raise ValueError("omdb_only_share + imdb_only_share + nowhere_share exceeds 1")


@dataclass(frozen=True)
class Faults:
    """Faults the services inject. All off by default; change them at runtime through
    `POST /_sandbox/faults` or `SandboxServer.set_faults(...)`."""

    latency_median_ms: float = 0.0  # lognormal latency around this median (0: none)
    latency_sigma: float = 0.5  # lognormal shape
    slow_share: float = 0.0  # share of answers held back for slow_delay_ms (client timeouts)
    slow_delay_ms: float = 5000.0
    tmdb_5xx_share: float = 0.0
    omdb_5xx_share: float = 0.0
    imdb_5xx_share: float = 0.0
    zyte_5xx_share: float = 0.0
    graphql_5xx_share: float = 0.0  # IMDb's GraphQL API answers 5xx
    tmdb_rate_limit_rps: float = 0.0  # TMDb answers 429 above this many requests/s (0: off)
    tmdb_429_share: float = 0.0  # share of TMDb requests answered 429 whatever the rate
    tmdb_retry_after: bool = True  # whether TMDb's 429 carries a Retry-After header
    tmdb_movie_by_imdb_id: bool = True  # /movie/{imdb_id} answers (off: 404 for every IMDb id)
    imdb_waf_share: float = 0.0  # IMDb answers with a WAF block (202, 405 or 403)
    # Every IMDb HTML page (event and title pages, not GraphQL, not via Zyte) answers a WAF
    # challenge (202, x-amzn-waf-action: challenge), as IMDb does to plain clients since 2026.
    imdb_html_challenge: bool = False
    omdb_daily_limit: int = 0  # OMDb answers "Request limit reached!" after N calls (0: off)

    def validate(self) -> None:
        for name in (
            "slow_share",
            "imdb_waf_share",
            "tmdb_429_share",
            *(f"{s}_5xx_share" for s in SERVICES),
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        for name in ("latency_median_ms", "latency_sigma", "slow_delay_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.tmdb_rate_limit_rps < 0 or self.omdb_daily_limit < 0:
            raise ValueError("limits must not be negative")

    def updated(self, changes: dict[str, Any]) -> Faults:
        """A copy with the given fields changed (values coerced to the fields' types)."""
        return _updated(self, changes)


@dataclass(frozen=True)
class SyntheticEdition:
    """An event page the real data does not have: `films` distinct festival films drawn from
    the catalog (its clones included, see `SandboxConfig.catalog_copies`), one film-first
    nomination each, for load tests and benchmarks. `event_id` and `year` are those of the
    partition to import (e.g. Locarno `ev0000400`, 2001 for `locarno|2001`)."""

    event_id: str
    year: int
    films: int
    salt: str = "synthetic"  # which films are drawn
    award_size: int = 100  # nominations per award (one category); above 500: several pages

    def validate(self) -> None:
        if self.films < 1:
            raise ValueError("a synthetic edition needs at least one film")
        if self.award_size < 1:
            raise ValueError("award_size must be at least 1")


@dataclass(frozen=True)
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: pick a free port
    seed: int = 2016  # drives the difficulty assignment and the fault draws
    difficulty: Difficulty = field(default_factory=Difficulty)
    faults: Faults = field(default_factory=Faults)
    # Keys (TMDb key or token, OMDb key, Zyte key) answered as valid; any other gets a 401.
    accepted_keys: tuple[str, ...] = (SANDBOX_KEY,)
    # Renamed copies of the whole catalog added beside it (0: the real data only). Copy n of a
    # film gets the id tt9{n:03d}{index:04d} and its titles a made-up word of its own, and each
    # copy draws its own difficulty, so N copies serve (N + 1) x ~340 distinct festival films.
    catalog_copies: int = 0
    synthetic_editions: tuple[SyntheticEdition, ...] = ()


def _updated(instance: Any, changes: dict[str, Any]) -> Any:
    fields = {item.name: item for item in dataclasses.fields(instance)}
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
    coerced = {
        name: coerce(type(getattr(instance, name)), value) for name, value in changes.items()
    }
    result = dataclasses.replace(instance, **coerced)
    result.validate()
    return result


def coerce(kind: type, value: Any) -> Any:
    """Converts a JSON or command-line value to a setting's type."""
    if kind is bool:
        if isinstance(value, str):
            if value.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if value.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"not a boolean: {value!r}")
        return bool(value)
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"not an integer: {value!r}")
        return int(value)
    if kind is float:
        return float(value)
    return value
