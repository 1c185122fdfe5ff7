"""Builds the `requests.Session` of one client: the gated adapter, default headers, and the
HTTP cache (requests-cache) when enabled.

Cache rules (MISSION.md): keys ignore `api_key`/`apikey` and auth headers, which are also
redacted from what is stored; only HTTP 200 answers that a source-specific predicate accepts
are stored, so errors and "not found" answers (a film missing today may exist tomorrow) are
always asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import requests
import requests_cache
from requests_cache.policy.settings import DEFAULT_IGNORED_PARAMS

from ... import config
from .adapter import GatedAdapter, RequestGate

Cacheable = Callable[[requests.Response], bool]

# Never part of a cache key, and redacted from the stored request and response.
IGNORED_PARAMETERS: tuple[str, ...] = (*DEFAULT_IGNORED_PARAMS, "authorization")


class CacheBackend(StrEnum):
    SQLITE = "sqlite"
    MEMORY = "memory"
    NONE = "none"


def default_cache_dir() -> Path:
    """`$DAGSTER_HOME/http_cache`: beside Dagster's own storage, out of the repository."""
    return config.dagster_home() / "http_cache"


@dataclass(frozen=True, slots=True)
class CacheOptions:
    backend: CacheBackend = CacheBackend.SQLITE
    ttl_seconds: float = 86400.0
    directory: Path | None = None
    name: str = "http"
    methods: tuple[str, ...] = ("GET",)
    cacheable: Cacheable | None = field(default=None, compare=False)

    @property
    def path(self) -> Path:
        return (self.directory or default_cache_dir()) / f"{self.name}.sqlite"


def build_session(
    gate: RequestGate,
    cache: CacheOptions,
    *,
    headers: Mapping[str, str] | None = None,
    pool_maxsize: int = 16,
) -> requests.Session:
    session: requests.Session
    if cache.backend is CacheBackend.NONE or cache.ttl_seconds <= 0:
        session = requests.Session()
    else:
        session = requests_cache.CachedSession(
            backend=_backend(cache),
            expire_after=cache.ttl_seconds,
            allowable_codes=(200,),
            allowable_methods=cache.methods,
            ignored_parameters=IGNORED_PARAMETERS,
            match_headers=False,
            stale_if_error=False,
            filter_fn=_filter(cache.cacheable),
        )
    adapter = GatedAdapter(gate, pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if headers:
        session.headers.update(headers)
    return session


def _backend(cache: CacheOptions) -> requests_cache.BaseCache:
    if cache.backend is CacheBackend.MEMORY:
        return requests_cache.BaseCache()
    path = cache.path
    path.parent.mkdir(parents=True, exist_ok=True)
    return requests_cache.SQLiteCache(path, wal=True, busy_timeout=10_000)


def _filter(cacheable: Cacheable | None) -> Callable[[requests.Response], bool]:
    def accept(response: requests.Response) -> bool:
        if response.status_code != 200 or not response.content:
            return False
        if cacheable is None:
            return True
        try:
            return bool(cacheable(response))
        except Exception:  # a predicate that cannot decide must not cache
            return False

    return accept


def is_from_cache(response: requests.Response) -> bool:
    return bool(getattr(response, "from_cache", False))
