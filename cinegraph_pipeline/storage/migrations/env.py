"""Alembic environment: runs on the connection that `migrate.upgrade` hands over, or on
CINEGRAPH_DATABASE_URL when invoked through the `alembic` command itself."""

from __future__ import annotations

from alembic import context

from cinegraph_pipeline.storage.engine import create_database_engine
from cinegraph_pipeline.storage.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    from cinegraph_pipeline import config

    engine = create_database_engine(config.database_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `cinegraph-db upgrade`")
run_migrations_online()
