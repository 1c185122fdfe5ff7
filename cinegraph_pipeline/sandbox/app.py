"""The sandbox as a function of a request: routing, fault injection, statistics and the admin
routes under `/_sandbox/`. The HTTP server (server.py) only moves bytes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from . import imdb, imdb_graphql, omdb, tmdb, zyte
from .catalog import Catalog, FilmTruth
from .faults import WAF_BLOCKS, FaultInjector
from .imdb_events import synthetic_nominations
from .settings import Faults, SandboxConfig
from .stats import Stats
from .tmdb import Releases, TmdbService
from .web import Request, Response, json_response

TMDB_PREFIX = "/tmdb/3"
IMDB_PREFIX = "/imdb"
IMDB_GRAPHQL_PATH = "/imdb-graphql/"
ZYTE_PATH = "/zyte/v1/extract"
ADMIN_PREFIX = "/_sandbox"


class SandboxApp:
    def __init__(self, config: SandboxConfig, catalog: Catalog | None = None) -> None:
        self.config = config
        self.catalog = catalog or Catalog.load(
            config.difficulty, config.seed, config.catalog_copies
        )
        self.releases = Releases()
        self.stats = Stats()
        self.faults = FaultInjector(config.faults, config.seed)
        self.keys = frozenset(config.accepted_keys)
        self.tmdb = TmdbService(self.catalog, self.releases)
        self.omdb = omdb.OmdbService(self.catalog)
        synthetic = {}
        for edition in config.synthetic_editions:
            edition.validate()
            films = self.catalog.draw_festival_films(edition.films, edition.salt)
            synthetic[(edition.event_id, edition.year)] = synthetic_nominations(
                films, edition.year, edition.award_size
            )
        self.imdb = imdb.ImdbService(self.catalog, synthetic)
        self.graphql = imdb_graphql.GraphqlService(self.catalog, synthetic)
        self.zyte = zyte.ZyteService(self._imdb_for_zyte)

    # -- operations shared by the admin routes and SandboxServer -------------------------

    def release(self, imdb_id: str) -> FilmTruth:
        """Makes a film known to TMDb, with its correct IMDb id; KeyError when unknown."""
        self.catalog.truth(imdb_id)
        self.releases.add(imdb_id)
        return self.truth(imdb_id)

    def reset(self) -> None:
        """Forgets releases and counters; faults go back to the configured ones."""
        self.releases.clear()
        self.stats.reset()
        self.faults.reset()

    def stats_report(self) -> dict[str, Any]:
        return {**self.stats.snapshot(), "released": sorted(self.releases.snapshot())}

    def set_faults(self, changes: dict[str, Any]) -> Faults:
        return self.faults.update(changes)

    def truth(self, imdb_id: str) -> FilmTruth:
        """The ground truth of a film, releases applied; KeyError when unknown."""
        base = self.catalog.truth(imdb_id)
        if imdb_id not in self.releases:
            return base
        record = self.catalog.record_of_film[imdb_id]
        return dataclasses.replace(
            base,
            on_tmdb=True,
            tmdb_id=record.tmdb_id,
            tmdb_title=record.title,
            tmdb_original_title=record.original_title,
            tmdb_year=record.primary_year,
            tmdb_imdb_id=imdb_id,
            suspect_tmdb_id=None,
            traits=(*base.traits, "released"),
        )

    # -- requests ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith(ADMIN_PREFIX + "/"):
            return self._admin(request)
        route, serve = self._route(request)
        if serve is None:
            response = json_response({"error": "no such route"}, 404, "not_found")
        else:
            # TMDb counts requests as they arrive; the answer, a 429 too, comes after the latency.
            refused = self._tmdb_rate_limit() if route.startswith("tmdb.") else None
            seconds, slow = self.faults.delay()
            if seconds > 0:
                self.stats.fault("slow" if slow else "latency")
                self.faults.sleep(seconds)
            response = refused or serve()
        self.stats.record(route, response.outcome)
        return response

    def _route(self, request: Request) -> tuple[str, Any]:
        path = request.path
        if path.startswith(TMDB_PREFIX + "/"):
            sub = path[len(TMDB_PREFIX) :]
            return self.tmdb.route_name(sub), lambda: self._tmdb(request, sub)
        if path in ("/omdb", "/omdb/"):
            return self.omdb.route_name(request), lambda: self._omdb(request)
        if path.rstrip("/") == IMDB_GRAPHQL_PATH.rstrip("/"):
            return "imdb.graphql", lambda: self._graphql(request)
        if path.startswith(IMDB_PREFIX + "/"):
            sub = path[len(IMDB_PREFIX) :]
            return self.imdb.route_name(sub), lambda: self._imdb(request, sub)
        if path.rstrip("/") == ZYTE_PATH:
            return "zyte.extract", lambda: self._zyte(request)
        return "other", None

    def _tmdb_rate_limit(self) -> Response | None:
        retry_after = self.faults.tmdb_rate_limited()
        if retry_after is None and self.faults.tmdb_refused():
            retry_after = 1.0
        if retry_after is None:
            return None
        faults = self.faults.faults
        return tmdb.rate_limited(faults.tmdb_rate_limit_rps, retry_after, faults.tmdb_retry_after)

    def _tmdb(self, request: Request, path: str) -> Response:
        status = self.faults.server_error("tmdb")
        if status:
            return tmdb.server_error(status)
        if not tmdb.authorized(request, self.keys):
            return tmdb.invalid_key()
        return self.tmdb.handle(request, path, by_imdb_id=self.faults.faults.tmdb_movie_by_imdb_id)

    def _omdb(self, request: Request) -> Response:
        status = self.faults.server_error("omdb")
        if status:
            return omdb.server_error(status)
        rejected = omdb.key_check(request, self.keys)
        if rejected is not None:
            return rejected
        if self.faults.omdb_quota_exhausted():
            return omdb.limit_reached()
        return self.omdb.handle(request)

    def _graphql(self, request: Request) -> Response:
        status = self.faults.server_error("graphql")
        if status:
            return imdb_graphql.server_error(status)
        return self.graphql.handle(request)

    def _imdb(self, request: Request, path: str) -> Response:
        if self.faults.faults.imdb_html_challenge:
            return imdb.waf_response(WAF_BLOCKS[0])
        block = self.faults.waf_block()
        if block is not None:
            return imdb.waf_response(block)
        status = self.faults.server_error("imdb")
        if status:
            return imdb.server_error(status)
        return self.imdb.handle(request, path)

    def _zyte(self, request: Request) -> Response:
        if not zyte.authorized(request, self.keys):
            return zyte.unauthorized()
        status = self.faults.server_error("zyte")
        if status:
            return zyte.server_error(status)
        return self.zyte.handle(request)

    def _imdb_for_zyte(self, path: str) -> Response:
        response = self.imdb.handle(Request("GET", path), path)
        self.stats.record(self.imdb.route_name(path) + ".via_zyte", response.outcome)
        return response

    # -- admin ---------------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        method = request.method
        if action == "stats" and method == "GET":
            return json_response(self.stats_report())
        if action == "faults" and method == "GET":
            return json_response(dataclasses.asdict(self.faults.faults))
        if action == "faults" and method == "POST":
            body = _json_object(request)
            if body is None:
                return _admin_error(400, "expected a JSON object of fault settings")
            try:
                faults = self.set_faults(body)
            except (TypeError, ValueError) as exc:
                return _admin_error(400, str(exc))
            return json_response(dataclasses.asdict(faults))
        if action == "release" and method == "POST":
            body = _json_object(request)
            imdb_id = body.get("imdb_id") if body else None
            if not isinstance(imdb_id, str):
                return _admin_error(400, 'expected {"imdb_id": "tt..."}')
            try:
                return json_response(self.release(imdb_id).as_json())
            except KeyError:
                return _admin_error(404, f"unknown film {imdb_id}")
        if action == "reset" and method == "POST":
            self.reset()
            return json_response({"reset": True})
        if action == "truth" and method == "GET":
            return json_response([self.truth(t.imdb_id).as_json() for t in self.catalog.truths()])
        if action.startswith("truth/") and method == "GET":
            try:
                return json_response(self.truth(action[len("truth/") :]).as_json())
            except KeyError:
                return _admin_error(404, "unknown film")
        if action == "health" and method == "GET":
            payload = {
                "ok": True,
                "films": len(self.catalog.films),
                "editions": self.catalog.edition_years(),
                "served": self.catalog.served_editions(),
            }
            return json_response(payload)
        return _admin_error(404, "no such admin route")


def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _admin_error(status: int, message: str) -> Response:
    return json_response({"error": message}, status, "admin_error")
