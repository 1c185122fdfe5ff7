"""OMDb client: by IMDb id and by title + year, within the key's daily quota."""

from __future__ import annotations

import requests

from ..calls import CallTracker, TrackedClient
from ..errors import ErrorType, Operation, Source, SourceError
from ..http.limits import DailyQuota, QuotaStore
from ..options import HttpOptions, build_transport, key_fingerprint
from ..parsing import load_json
from ..records import OmdbRecord
from ..tracking import Recorder
from .parse import AUTH_HINT, error_from_reply, parse_omdb

DEFAULT_DAILY_QUOTA = 1000


class OmdbClient(TrackedClient):
    """Thread-safe; one per run. The daily quota is counted in `quota_store` (shared between
    runs when it is a file), and once spent no call is made until the next UTC day."""

    source = Source.OMDB

    def __init__(
        self,
        options: HttpOptions,
        recorder: Recorder,
        *,
        api_key: str | None,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        quota_store: QuotaStore | None = None,
    ) -> None:
        self.options = options
        self._api_key = api_key or None
        self.quota = DailyQuota(f"omdb:{key_fingerprint(self._api_key)}", daily_quota, quota_store)
        breaker = options.breaker()
        secrets = (self._api_key or "",)
        self._transport = build_transport(
            options,
            source=Source.OMDB,
            cache_name="omdb",
            cacheable=_cacheable,
            breaker=breaker,
            secrets=secrets,
            headers={"Accept": "application/json"},
            quota=self.quota,
        )
        self._tracker = CallTracker(recorder, breaker=breaker, secrets=secrets)

    def by_imdb_id(self, imdb_id: str) -> OmdbRecord:
        imdb_id = imdb_id.strip()
        return self._call(
            Operation.OMDB_BY_ID, imdb_id, {"i": imdb_id, "plot": "short"}, ("id", imdb_id)
        )

    def by_title(self, title: str, year: int | None) -> OmdbRecord:
        title = " ".join(title.split())
        params: dict[str, str] = {"t": title, "type": "movie", "plot": "short"}
        if year is not None:
            params["y"] = str(year)
        target = f"{title} ({year})" if year is not None else title
        return self._call(
            Operation.OMDB_BY_TITLE, target, params, ("title", title.casefold(), year)
        )

    def _call(
        self,
        operation: Operation,
        target: str,
        params: dict[str, str],
        memo_key: tuple[object, ...],
    ) -> OmdbRecord:
        def fetch() -> OmdbRecord:
            if not self._api_key:
                raise SourceError(
                    Source.OMDB, operation, ErrorType.AUTH, f"no OMDb key: {AUTH_HINT}"
                )
            reply = self._transport.request(
                "GET",
                self.options.base_url,
                operation=operation,
                params={**params, "apikey": self._api_key, "r": "json"},
            )
            try:
                if reply.status != 200:
                    error_type, message = error_from_reply(reply.content, reply.status, operation)
                    raise SourceError(
                        Source.OMDB,
                        operation,
                        error_type,
                        message,
                        status_code=reply.status,
                        retry_after=reply.retry_after,
                    )
                return parse_omdb(reply.content, operation)
            except SourceError as exc:
                if exc.error_type is ErrorType.QUOTA_EXHAUSTED:
                    self.quota.exhaust()  # OMDb counted more than we did: stop for today
                raise

        return self._tracker.call(
            source=Source.OMDB,
            operation=operation,
            target=target,
            fetch=fetch,
            cost_per_response=self.options.cost_per_call_usd,
            memo_key=memo_key,
        )


def _cacheable(response: requests.Response) -> bool:
    """Only `Response: "True"`; "Movie not found!" and every error are asked again."""
    data = load_json(response.content, Source.OMDB, Operation.OMDB_BY_ID)
    return isinstance(data, dict) and str(data.get("Response", "")).lower() == "true"
