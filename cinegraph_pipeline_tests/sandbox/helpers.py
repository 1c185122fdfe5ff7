"""Helpers to call a sandbox's services over real HTTP and to read its pages."""

from __future__ import annotations

import json
from typing import Any

import requests
from bs4 import BeautifulSoup

from cinegraph_pipeline.sandbox import FilmTruth, SandboxServer


class Client:
    """Thin helpers over `requests` for one sandbox."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.env = server.env()
        self.http = requests.Session()

    def tmdb(self, path: str, *, key: str | None = "sandbox", **params: Any) -> requests.Response:
        if key is not None:
            params["api_key"] = key
        return self.http.get(self.env["TMDB_BASE_URL"] + path, params=params, timeout=10)

    def omdb(self, **params: Any) -> requests.Response:
        params.setdefault("apikey", "sandbox")
        if params["apikey"] is None:
            del params["apikey"]
        return self.http.get(self.env["OMDB_BASE_URL"], params=params, timeout=10)

    def imdb(self, path: str) -> requests.Response:
        return self.http.get(self.env["IMDB_BASE_URL"] + path, timeout=10)

    def zyte(self, url: str, *, key: str = "sandbox", **extra: Any) -> requests.Response:
        body = {"url": url, "httpResponseBody": True, **extra}
        return self.http.post(self.env["ZYTE_API_URL"], json=body, auth=(key, ""), timeout=10)

    def admin(self, method: str, action: str, body: Any = None) -> requests.Response:
        url = f"{self.server.base_url}/_sandbox/{action}"
        return self.http.request(method, url, json=body, timeout=10)


def pick(server: SandboxServer, *traits: str, exclude: tuple[str, ...] = ()) -> FilmTruth:
    """The first festival film (by IMDb id) having all the traits and none of the excluded."""
    for truth in sorted(server.catalog.truths(), key=lambda t: t.imdb_id):
        if all(t in truth.traits for t in traits) and not set(exclude) & set(truth.traits):
            return truth
    raise LookupError(f"no festival film with traits {traits}")


def plain(server: SandboxServer) -> FilmTruth:
    """A festival film with no difficulty at all."""
    for truth in sorted(server.catalog.truths(), key=lambda t: t.imdb_id):
        if not truth.traits:
            return truth
    raise LookupError("no plain festival film")


def script_json(html: str, **attrs: str) -> Any:
    """The JSON inside the <script> element with these attributes, found by an HTML parser."""
    tag = BeautifulSoup(html, "html.parser").find("script", attrs=attrs)
    assert tag is not None, f"no <script> with {attrs}"
    return json.loads(tag.string)


def next_data(html: str) -> Any:
    return script_json(html, id="__NEXT_DATA__")


def json_ld(html: str) -> Any:
    return script_json(html, type="application/ld+json")
