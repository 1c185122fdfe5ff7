"""metrics index for the api_health windows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:00:00

`api_health` reads each (source, operation) over the last hours and days, and takes the 95th
percentile of response times per group. This index serves both: a seek on (source,
operation) then a range on `inserted_at`, covering `response_time_ms` so the percentile is
read from the index alone. The three indexes of 0001 stay as they are.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "ix_api_lookup_metrics_latency_window"
COLUMNS = ["source", "operation", "inserted_at", "response_time_ms"]


def upgrade() -> None:
    with op.batch_alter_table("api_lookup_metrics", schema=None) as batch_op:
        batch_op.create_index(INDEX, COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_lookup_metrics", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
