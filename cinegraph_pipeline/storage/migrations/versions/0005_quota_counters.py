"""daily quota and budget counters in the film database

Revision ID: 0005_quota_counters
Revises: 0002
Create Date: 2026-12-01 00:00:00

The OMDb daily quota and the Zyte daily budget were counted in a SQLite file beside the HTTP
cache, one per machine: steps on N hosts spent N times the quota. They are counted here,
one row per allowance and UTC day, updated atomically (`used + amount <= limit`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_quota_counters"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "day", name=op.f("pk_quota_counters")),
    )


def downgrade() -> None:
    op.drop_table("quota_counters")
