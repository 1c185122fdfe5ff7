"""The film database as a Dagster resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from cinegraph_pipeline import config
from cinegraph_pipeline.storage.engine import DatabaseConfigError, shared_engine
from cinegraph_pipeline.storage.writes import insert_metrics


class DatabaseResource(dg.ConfigurableResource):
    """The film database (`movies`, `festival_nominations`, `api_lookup_metrics`).

    The URL comes from `CINEGRAPH_DATABASE_URL` when not configured, defaulting to a SQLite
    file under the Dagster home; the schema is migrated on first use.
    """

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to CINEGRAPH_DATABASE_URL, then SQLite in "
        "$DAGSTER_HOME/cinegraph.db",
    )

    def resolved_url(self) -> str:
        return self.url or config.database_url()

    def engine(self) -> Engine:
        try:
            return shared_engine(self.resolved_url())
        except DatabaseConfigError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None

    def write_metrics(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """A metrics sink for the clients' buffered recorder."""
        insert_metrics(self.engine(), rows)
