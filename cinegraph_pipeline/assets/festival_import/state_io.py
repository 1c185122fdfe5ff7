"""The IO manager of the festival_import stages: each stage's value goes to the film
database (`storage.edition_state`) and the next stage loads it from there, so a step on
another host, in another process or in a later run finds what the stage before it left."""

from __future__ import annotations

from typing import Any

import dagster as dg

from cinegraph_pipeline.partitions import parse_edition
from cinegraph_pipeline.storage.edition_state import load_stage, save_stage
from cinegraph_pipeline.storage.resource import DatabaseResource

EDITION_STATE_IO_MANAGER = "edition_state_io_manager"


class EditionStateIOManager(dg.ConfigurableIOManager):
    """Stores an edition stage's value as per-film rows of `edition_stage_state`."""

    database: DatabaseResource

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:  # the write stage: its rows are the film record itself
            return
        edition = parse_edition(context.asset_partition_key)
        stage = context.asset_key.to_user_string()
        with self.database.engine().begin() as conn:
            films = save_stage(conn, edition.festival.slug, edition.year, stage, obj)
        context.add_output_metadata({"state_rows": dg.MetadataValue.int(films)})

    def load_input(self, context: dg.InputContext) -> Any:
        partition = context.asset_partition_key
        edition = parse_edition(partition)
        stage = context.asset_key.to_user_string()
        with self.database.engine().connect() as conn:
            value = load_stage(conn, edition.festival.slug, edition.year, stage)
        if value is None:
            raise dg.Failure(
                description=f"{stage} has stored nothing for {partition} in the film "
                f"database ({self.database.resolved_url().split('://')[0]}): materialize it first",
                allow_retries=False,
            )
        return value
