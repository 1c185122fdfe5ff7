"""Checks of one imported festival edition: stub share, pending share, lost nominations
and lost metric rows.

The logic is plain functions of (engine, festival, year); `edition_write` declares the specs
and evaluates them in its own body after writing. `no_lost_nominations` is an ERROR check
but not blocking: nothing downstream of an edition consumes its rows (`api_health` only
reports on them), so the alert sensor, not a skipped step, is what makes a loss loud.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagster as dg
from sqlalchemy import Engine, and_, func, or_, select

from cinegraph_pipeline.health.thresholds import EditionThresholds
from cinegraph_pipeline.storage.models import FestivalNomination, Movie

NOMINATIONS = FestivalNomination.__table__
MOVIES = Movie.__table__
EDITION_WRITE_KEY = dg.AssetKey("edition_write")


@dataclass(frozen=True, slots=True)
class StubShare:
    """The films nominated in an edition that have a `movies` row, by import type."""

    films: int
    stubs: int
    pending: int
    stub_sample: tuple[str, ...]

    @property
    def share(self) -> float | None:
        return self.stubs / self.films if self.films else None

    @property
    def pending_share(self) -> float | None:
        return self.pending / self.films if self.films else None


@dataclass(frozen=True, slots=True)
class LostNominations:
    """Nominations naming a film whose film is not linked to its `movies` row."""

    nominations: int
    lost: int
    sample: tuple[str, ...]


def _edition(festival: str, year: int) -> list:
    return [
        NOMINATIONS.c.festival == festival,
        NOMINATIONS.c.year == year,
        NOMINATIONS.c.film_imdb_id != "",
    ]


def measure_stub_share(engine: Engine, festival: str, year: int, sample: int = 10) -> StubShare:
    """Distinct nominated films of the edition with a `movies` row, and how many are stubs."""
    films = (
        select(NOMINATIONS.c.film_imdb_id).where(*_edition(festival, year)).distinct().subquery()
    )
    joined = films.join(MOVIES, MOVIES.c.imdb_id == films.c.film_imdb_id)
    with engine.connect() as conn:
        counts = conn.execute(
            select(MOVIES.c.import_type, func.count())
            .select_from(joined)
            .group_by(MOVIES.c.import_type)
        ).all()
        stub_ids = conn.scalars(
            select(MOVIES.c.imdb_id)
            .select_from(joined)
            .where(MOVIES.c.import_type == "stub")
            .order_by(MOVIES.c.imdb_id)
            .limit(sample)
        ).all()
    by_type = {kind: int(count) for kind, count in counts}
    return StubShare(
        films=sum(by_type.values()),
        stubs=by_type.get("stub", 0),
        pending=by_type.get("pending", 0),
        stub_sample=tuple(stub_ids),
    )


def find_lost_nominations(
    engine: Engine, festival: str, year: int, sample: int = 10
) -> LostNominations:
    """Nominations of the edition that name a film but whose `movie_id` is unset, or points
    at a different film than the one nominated."""
    linked = NOMINATIONS.outerjoin(MOVIES, MOVIES.c.id == NOMINATIONS.c.movie_id)
    lost = or_(MOVIES.c.id.is_(None), MOVIES.c.imdb_id != NOMINATIONS.c.film_imdb_id)
    condition = and_(*_edition(festival, year))
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(NOMINATIONS).where(condition))
        missing = conn.scalar(select(func.count()).select_from(linked).where(condition, lost))
        examples = conn.execute(
            select(NOMINATIONS.c.film_imdb_id, NOMINATIONS.c.film_title, NOMINATIONS.c.category)
            .select_from(linked)
            .where(condition, lost)
            .order_by(NOMINATIONS.c.film_imdb_id, NOMINATIONS.c.category)
            .limit(sample)
        ).all()
    return LostNominations(
        nominations=int(total or 0),
        lost=int(missing or 0),
        sample=tuple(f"{imdb_id} {title} ({category})" for imdb_id, title, category in examples),
    )


def stub_share_result(
    engine: Engine,
    festival: str,
    year: int,
    thresholds: EditionThresholds | None = None,
    asset_key: dg.AssetKey = EDITION_WRITE_KEY,
) -> dg.AssetCheckResult:
    limits = thresholds or EditionThresholds()
    measured = measure_stub_share(engine, festival, year, limits.sample_size)
    return _film_share_result(
        "stub_share",
        asset_key,
        f"{festival} {year}",
        share=measured.share,
        threshold=limits.max_stub_share,
        state="stubs",
        describe=lambda share: (
            f"{measured.stubs} of {measured.films} films are stubs ({share:.1%})."
        ),
        counts={
            "films": dg.MetadataValue.int(measured.films),
            "stubs": dg.MetadataValue.int(measured.stubs),
            "pending": dg.MetadataValue.int(measured.pending),
            "stub_sample": dg.MetadataValue.text(", ".join(measured.stub_sample) or "none"),
        },
    )


def lost_nominations_result(
    engine: Engine,
    festival: str,
    year: int,
    thresholds: EditionThresholds | None = None,
    asset_key: dg.AssetKey = EDITION_WRITE_KEY,
) -> dg.AssetCheckResult:
    limits = thresholds or EditionThresholds()
    found = find_lost_nominations(engine, festival, year, limits.sample_size)
    edition = f"{festival} {year}"
    text = (
        f"{edition}: all {found.nominations} nominations naming a film are linked to it."
        if not found.lost
        else f"{edition}: {found.lost} of {found.nominations} nominations have no film row "
        "linked: the import lost them."
    )
    return dg.AssetCheckResult(
        check_name="no_lost_nominations",
        asset_key=asset_key,
        passed=found.lost == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=text,
        metadata={
            "measured": dg.MetadataValue.int(found.lost),
            "threshold": dg.MetadataValue.int(0),
            "rule": dg.MetadataValue.text(
                "every nominated film has a movies row and the nomination's movie_id points to it"
            ),
            "nominations": dg.MetadataValue.int(found.nominations),
            "lost_sample": dg.MetadataValue.text("; ".join(found.sample) or "none"),
        },
    )


def pending_share_result(
    engine: Engine,
    festival: str,
    year: int,
    thresholds: EditionThresholds | None = None,
    asset_key: dg.AssetKey = EDITION_WRITE_KEY,
) -> dg.AssetCheckResult:
    """Films still deferred (`pending`) after the run: a source failed for them. Beside the
    stub share, which counts only the films every source said it does not know."""
    limits = thresholds or EditionThresholds()
    measured = measure_stub_share(engine, festival, year, limits.sample_size)
    return _film_share_result(
        "pending_share",
        asset_key,
        f"{festival} {year}",
        share=measured.pending_share,
        threshold=limits.max_pending_share,
        state="pending",
        describe=lambda share: (
            f"{measured.pending} of {measured.films} films are still pending "
            f"({share:.1%}); the retry sensor re-runs the edition for them."
        ),
        counts={
            "films": dg.MetadataValue.int(measured.films),
            "pending": dg.MetadataValue.int(measured.pending),
            "stubs": dg.MetadataValue.int(measured.stubs),
        },
    )


def _film_share_result(
    check_name: str,
    asset_key: dg.AssetKey,
    edition: str,
    *,
    share: float | None,
    threshold: float,
    state: str,
    describe: Callable[[float], str],
    counts: Mapping[str, dg.MetadataValue],
) -> dg.AssetCheckResult:
    """A WARN check on the share of the edition's films in one `state`: it passes while no
    film is written yet or while the share stays at most `threshold`."""
    return dg.AssetCheckResult(
        check_name=check_name,
        asset_key=asset_key,
        passed=share is None or share <= threshold,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{edition}: " + ("no film written yet." if share is None else describe(share)),
        metadata={
            "measured": dg.FloatMetadataValue(None if share is None else round(share, 4)),
            "threshold": dg.MetadataValue.float(threshold),
            "rule": dg.MetadataValue.text(
                f"at most {threshold:.0%} of the edition's films are {state}"
            ),
            **counts,
        },
    )


def lost_metric_rows_result(
    rows_lost: int, asset_key: dg.AssetKey = EDITION_WRITE_KEY
) -> dg.AssetCheckResult:
    """Metric rows the stages' recorders could not write (the database refused them, the
    buffer overflowed): health would under-count this edition's calls."""
    return dg.AssetCheckResult(
        check_name="no_lost_metric_rows",
        asset_key=asset_key,
        passed=rows_lost == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description="every metric row of the edition's lookups was written"
        if rows_lost == 0
        else f"{rows_lost} metric rows could not be written: api_health under-counts these "
        "calls (see the stages' metric_rows_lost and their logs)",
        metadata={
            "measured": dg.MetadataValue.int(rows_lost),
            "threshold": dg.MetadataValue.int(0),
            "rule": dg.MetadataValue.text("every api_lookup_metrics row of the run is written"),
        },
    )


STUB_SHARE_DESCRIPTION = (
    "Under 10% of the edition's films are stubs (WARN): more means the sources are failing "
    "for this festival, or its films need manual review."
)
PENDING_SHARE_DESCRIPTION = (
    "At most 5% of the edition's films are still pending after its run (WARN): a source "
    "failed for them (rate limit, timeout, 5xx, block) and the retry sensor has work to do."
)
LOST_METRIC_ROWS_DESCRIPTION = (
    "Every metric row of the edition's lookups was written to api_lookup_metrics (WARN): "
    "lost rows make api_health under-count the calls."
)
LOST_NOMINATIONS_DESCRIPTION = (
    "Every nominated film of the edition has a movies row and its nominations point to it "
    "(ERROR; the alert sensor reports a failure): no nominated film is ever lost."
)


def edition_check_specs(
    asset_key: dg.AssetKey | str = EDITION_WRITE_KEY,
) -> list[dg.AssetCheckSpec]:
    """The same checks as specs, for an edition asset that evaluates them in its own body
    (`check_specs=` on the asset, results from `edition_check_results`)."""
    key = dg.AssetKey.from_coercible(asset_key)
    return [
        dg.AssetCheckSpec("stub_share", asset=key, description=STUB_SHARE_DESCRIPTION),
        dg.AssetCheckSpec("pending_share", asset=key, description=PENDING_SHARE_DESCRIPTION),
        dg.AssetCheckSpec(
            "no_lost_metric_rows", asset=key, description=LOST_METRIC_ROWS_DESCRIPTION
        ),
        dg.AssetCheckSpec(
            "no_lost_nominations",
            asset=key,
            blocking=False,
            description=LOST_NOMINATIONS_DESCRIPTION,
        ),
    ]


def edition_check_results(
    engine: Engine,
    festival: str,
    year: int,
    thresholds: EditionThresholds | None = None,
    asset_key: dg.AssetKey | str = EDITION_WRITE_KEY,
    metric_rows_lost: int = 0,
) -> list[dg.AssetCheckResult]:
    """Every result for one edition, for `MaterializeResult(check_results=...)`;
    `metric_rows_lost` is what the run's stages could not write."""
    key = dg.AssetKey.from_coercible(asset_key)
    return [
        stub_share_result(engine, festival, year, thresholds, key),
        pending_share_result(engine, festival, year, thresholds, key),
        lost_metric_rows_result(metric_rows_lost, key),
        lost_nominations_result(engine, festival, year, thresholds, key),
    ]
