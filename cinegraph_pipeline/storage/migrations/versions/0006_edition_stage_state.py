"""edition_stage_state: what each stage of an edition hands to the next

Revision ID: 0006_edition_stage_state
Revises: 0003_title_types
Create Date: 2026-12-01 22:40:00

The festival_import stages handed their values to each other as pickles under the Dagster
home of one machine: a step on another host found nothing. Each stage's value is stored here
instead, one row per film and one per edition, and the next stage loads it from there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_edition_stage_state"
down_revision = "0003_title_types"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "edition_stage_state",
        sa.Column("festival", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("imdb_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("original_title", sa.Text(), nullable=True),
        sa.Column("film_year", sa.Integer(), nullable=True),
        sa.Column("title_type", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("candidates", _json(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("state", _json(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "festival", "year", "stage", "imdb_id", name=op.f("pk_edition_stage_state")
        ),
    )


def downgrade() -> None:
    op.drop_table("edition_stage_state")
