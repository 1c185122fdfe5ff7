"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 23:58:21.402609
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_lookup_metrics",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("target_identifier", sa.Text(), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=True),
        sa.Column("fallback_level", sa.Integer(), nullable=True),
        sa.Column("response_time_ms", sa.Integer(), nullable=True),
        sa.Column("error_type", sa.String(length=32), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("cached", sa.Boolean(), nullable=False),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("inserted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_lookup_metrics")),
    )
    with op.batch_alter_table("api_lookup_metrics", schema=None) as batch_op:
        batch_op.create_index("ix_api_lookup_metrics_inserted_at", ["inserted_at"], unique=False)
        batch_op.create_index(
            "ix_api_lookup_metrics_source_operation", ["source", "operation"], unique=False
        )
        batch_op.create_index("ix_api_lookup_metrics_success", ["success"], unique=False)

    op.create_table(
        "movies",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("imdb_id", sa.String(length=16), nullable=False),
        sa.Column("tmdb_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("original_title", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("release_date", sa.String(length=10), nullable=True),
        sa.Column("runtime", sa.Integer(), nullable=True),
        sa.Column("overview", sa.Text(), nullable=True),
        sa.Column(
            "genres",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "directors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "countries",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("poster_url", sa.Text(), nullable=True),
        sa.Column("imdb_rating", sa.Float(), nullable=True),
        sa.Column("imdb_votes", sa.Integer(), nullable=True),
        sa.Column("import_type", sa.String(length=16), nullable=False),
        sa.Column("data_source", sa.String(length=16), nullable=False),
        sa.Column("lookup_confidence", sa.Float(), nullable=True),
        sa.Column("fallback_level", sa.Integer(), nullable=True),
        sa.Column("needs_enrichment", sa.Boolean(), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column(
            "review_candidates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("placeholder_retry_count", sa.Integer(), nullable=False),
        sa.Column("next_tmdb_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_enrichment_attempt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movies")),
        sa.UniqueConstraint("imdb_id", name=op.f("uq_movies_imdb_id")),
    )
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_movies_enrichment_due", ["needs_enrichment", "next_tmdb_retry_at"], unique=False
        )
        batch_op.create_index("ix_movies_import_type", ["import_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_movies_tmdb_id"), ["tmdb_id"], unique=False)

    op.create_table(
        "festival_nominations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("festival", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("award", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=255), nullable=False),
        sa.Column("film_imdb_id", sa.String(length=16), nullable=False),
        sa.Column("film_title", sa.Text(), nullable=False),
        sa.Column("person_imdb_id", sa.String(length=16), nullable=False),
        sa.Column("person_name", sa.Text(), nullable=False),
        sa.Column("winner", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("movie_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["movie_id"],
            ["movies.id"],
            name=op.f("fk_festival_nominations_movie_id_movies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_festival_nominations")),
        sa.UniqueConstraint(
            "festival",
            "year",
            "award",
            "category",
            "film_imdb_id",
            "person_imdb_id",
            name="uq_festival_nominations_natural_key",
        ),
    )
    with op.batch_alter_table("festival_nominations", schema=None) as batch_op:
        batch_op.create_index("ix_festival_nominations_film", ["film_imdb_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_festival_nominations_movie_id"), ["movie_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("festival_nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_festival_nominations_movie_id"))
        batch_op.drop_index("ix_festival_nominations_film")

    op.drop_table("festival_nominations")
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_movies_tmdb_id"))
        batch_op.drop_index("ix_movies_import_type")
        batch_op.drop_index("ix_movies_enrichment_due")

    op.drop_table("movies")
    with op.batch_alter_table("api_lookup_metrics", schema=None) as batch_op:
        batch_op.drop_index("ix_api_lookup_metrics_success")
        batch_op.drop_index("ix_api_lookup_metrics_source_operation")
        batch_op.drop_index("ix_api_lookup_metrics_inserted_at")

    op.drop_table("api_lookup_metrics")
