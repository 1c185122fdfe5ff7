"""what happened on the wire: origin, attempts and attempt errors of every call

Revision ID: 0004_call_attempts
Revises: 0005_quota_counters (written on 0002; chained after main's head when rebased)
Create Date: 2026-12-01 00:00:00

One row per logical call hid the retries that won and counted cache hits, in-run replays
and local refusals (quota spent, circuit open) as calls the service answered. Each row now
says where its answer came from (`origin`: service, http_cache, replay, refused, unsent),
how many network requests it took (`attempts`, retries included) and how the failed ones
failed (`attempt_errors`, `{error_type: count}`, NULL when none failed).

Existing rows are classified from what they recorded: `cached` rows answered from the run's
memo (`metadata.cache = "run"`) or the HTTP cache, `quota_exhausted`/`circuit_open` rows
were refused, the rest reached the service in one attempt (the retries they did are only in
their metadata). `response_time_ms` becomes the service's time: NULL on rows that did not
reach it, so averages and percentiles over the column only see real answers.

`movies.created_at` gets an index: `api_health` counts the films created per window and
edition (per-festival import health) without scanning `movies`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_call_attempts"
down_revision = "0005_quota_counters"
branch_labels = None
depends_on = None

TABLE = "api_lookup_metrics"


def _json() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_index("ix_movies_created_at", "movies", ["created_at"], unique=False)
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(16), nullable=False, server_default="service")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("attempt_errors", _json(), nullable=True))
    metrics = sa.table(
        TABLE,
        sa.column("cached", sa.Boolean()),
        sa.column("error_type", sa.String()),
        sa.column("origin", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("response_time_ms", sa.Integer()),
        sa.column("metadata", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    )
    replayed = metrics.c.metadata["cache"].as_string() == "run"
    op.execute(
        metrics.update()
        .where(metrics.c.cached.is_(True))
        .values(
            origin=sa.case((replayed, "replay"), else_="http_cache"),
            attempts=0,
            response_time_ms=None,
        )
    )
    op.execute(
        metrics.update()
        .where(
            metrics.c.cached.is_(False),
            metrics.c.error_type.in_(("quota_exhausted", "circuit_open")),
        )
        .values(origin="refused", attempts=0, response_time_ms=None)
    )


def downgrade() -> None:
    op.drop_index("ix_movies_created_at", table_name="movies")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_column("attempt_errors")
        batch_op.drop_column("attempts")
        batch_op.drop_column("origin")
