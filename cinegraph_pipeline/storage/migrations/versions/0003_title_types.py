"""movies.title_type and movies.tmdb_tv_id

Revision ID: 0003_title_types
Revises: 0004_call_attempts
Create Date: 2026-12-01 21:10:00

Festivals nominate series, shorts and TV movies: IMDb's `titleType.id` from the edition is
stored for every film, and a series (never matched to a TMDb movie) keeps TMDb's series id
from `/find` `tv_results`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_title_types"
# Written on 0002; chained after main's head (0002 -> 0005_quota_counters -> 0004_call_attempts).
down_revision = "0004_call_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_type", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("tmdb_tv_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.drop_column("tmdb_tv_id")
        batch_op.drop_column("title_type")
