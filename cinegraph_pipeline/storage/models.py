"""SQLAlchemy 2 models of the film database (schema of MISSION.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# The columns of an `api_lookup_metrics` row, in table order: defined once, beside the rows
# the recorder builds, and re-exported here beside the table.
from cinegraph_pipeline.sources.tracking import METRIC_COLUMNS as METRIC_COLUMNS

# JSONB on PostgreSQL so that values compare (`IS DISTINCT FROM`) in the change-only upserts.
JsonType = JSON().with_variant(JSONB(), "postgresql")

# `{error_type: count}` of a call's failed attempts; SQL NULL (not JSON null) when none failed,
# so health can skip the calls whose attempts all went through.
AttemptErrorsType = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# A 64-bit key on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

IMPORT_TYPES = ("full", "minimal", "stub", "pending")
DATA_SOURCES = ("tmdb", "omdb", "imdb", "festival")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )


class Movie(Base):
    __tablename__ = "movies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    imdb_id: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    tmdb_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tmdb_tv_id: Mapped[int | None] = mapped_column(Integer)  # a series: TMDb's /tv id
    title_type: Mapped[str | None] = mapped_column(String(32))  # IMDb titleType.id
    title: Mapped[str] = mapped_column(Text, nullable=False)
    original_title: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[str | None] = mapped_column(String(10))
    runtime: Mapped[int | None] = mapped_column(Integer)
    overview: Mapped[str | None] = mapped_column(Text)
    genres: Mapped[list[str]] = mapped_column(JsonType, nullable=False, default=list)
    directors: Mapped[list[str]] = mapped_column(JsonType, nullable=False, default=list)
    countries: Mapped[list[str]] = mapped_column(JsonType, nullable=False, default=list)
    languages: Mapped[list[str]] = mapped_column(JsonType, nullable=False, default=list)
    poster_url: Mapped[str | None] = mapped_column(Text)
    imdb_rating: Mapped[float | None] = mapped_column(Float)
    imdb_votes: Mapped[int | None] = mapped_column(Integer)
    import_type: Mapped[str] = mapped_column(String(16), nullable=False)
    data_source: Mapped[str] = mapped_column(String(16), nullable=False)
    lookup_confidence: Mapped[float | None] = mapped_column(Float)
    fallback_level: Mapped[int | None] = mapped_column(Integer)
    needs_enrichment: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    review_candidates: Mapped[list[dict[str, Any]]] = mapped_column(
        JsonType, nullable=False, default=list
    )
    placeholder_retry_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_tmdb_retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_enrichment_attempt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )

    __table_args__ = (
        Index("ix_movies_enrichment_due", "needs_enrichment", "next_tmdb_retry_at"),
        Index("ix_movies_import_type", "import_type"),
        # api_health: films created per window and edition (0004).
        Index("ix_movies_created_at", "created_at"),
    )


class FestivalNomination(Base):
    __tablename__ = "festival_nominations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    festival: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    award: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(255), nullable=False)
    film_imdb_id: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    film_title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    person_imdb_id: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    person_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    winner: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    movie_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("movies.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        UniqueConstraint(
            "festival",
            "year",
            "award",
            "category",
            "film_imdb_id",
            "person_imdb_id",
            name="uq_festival_nominations_natural_key",
        ),
        Index("ix_festival_nominations_film", "film_imdb_id"),
    )


class ApiLookupMetric(Base):
    __tablename__ = "api_lookup_metrics"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    operation: Mapped[str] = mapped_column(String(32), nullable=False)
    target_identifier: Mapped[str | None] = mapped_column(Text)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    confidence_score: Mapped[float | None] = mapped_column(Float)
    fallback_level: Mapped[int | None] = mapped_column(Integer)
    response_time_ms: Mapped[int | None] = mapped_column(Integer)
    error_type: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    cost_usd: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    cached: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # `metadata` is reserved on declarative classes: the column keeps its name in the table.
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JsonType, nullable=False, default=dict
    )
    inserted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    # What happened on the wire (0004): see `sources/tracking.py`.
    origin: Mapped[str] = mapped_column(
        String(16), nullable=False, default="service", server_default="service"
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    attempt_errors: Mapped[dict[str, int] | None] = mapped_column(AttemptErrorsType)

    __table_args__ = (
        Index("ix_api_lookup_metrics_source_operation", "source", "operation"),
        Index("ix_api_lookup_metrics_success", "success"),
        Index("ix_api_lookup_metrics_inserted_at", "inserted_at"),
        # api_health: per (source, operation) windows and response-time percentiles (0002).
        Index(
            "ix_api_lookup_metrics_latency_window",
            "source",
            "operation",
            "inserted_at",
            "response_time_ms",
        ),
    )


class QuotaCounter(Base):
    """A daily allowance's use (OMDb requests per key, the Zyte budget in dollars), counted
    in the film database so that every process and host spends one shared quota."""

    __tablename__ = "quota_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # UTC, YYYY-MM-DD
    used: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )


class EditionStageState(Base):
    """What one stage of an edition handed to the next, one row per film (the festival's
    facts and the stage's outcome for it) plus one edition row (`imdb_id` ''): whatever the
    next stage needs to resume, in the film database so that any step runs on any host."""

    __tablename__ = "edition_stage_state"

    festival: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(64), primary_key=True)
    imdb_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str | None] = mapped_column(Text)
    original_title: Mapped[str | None] = mapped_column(Text)
    film_year: Mapped[int | None] = mapped_column(Integer)
    title_type: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    candidates: Mapped[Any] = mapped_column(JsonType, nullable=True)
    error: Mapped[str | None] = mapped_column(Text)
    state: Mapped[Any] = mapped_column(JsonType, nullable=False)
    written_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
