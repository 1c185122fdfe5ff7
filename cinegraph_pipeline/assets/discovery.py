"""Which festival editions exist on IMDb but are not in the film database yet."""

import dagster as dg
from pydantic import Field
from sqlalchemy import select

from cinegraph_pipeline.assets.festival_import.common import edition_recorder
from cinegraph_pipeline.partitions import FESTIVALS, FESTIVALS_BY_SLUG, edition_key, edition_years
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.storage.models import FestivalNomination
from cinegraph_pipeline.storage.resource import DatabaseResource


class DiscoveryConfig(dg.Config):
    festivals: list[str] = Field(
        default_factory=lambda: [f.slug for f in FESTIVALS],
        description="Festival slugs to check.",
    )


@dg.asset(group_name="discovery", kinds={"imdb", "python"}, pool="imdb")
def edition_discovery(
    context: dg.AssetExecutionContext,
    config: DiscoveryConfig,
    imdb: ImdbResource,
    database: DatabaseResource,
) -> dg.MaterializeResult:
    """Editions listed on each festival's IMDb event page (`historyEventEditions`) within the
    partition range that have no nominations in the film database yet.

    One event page per festival tells every edition IMDb knows (this year's page, else last
    year's, else that of the latest edition already imported); the table lists the partition
    keys to materialize (or backfill) next.
    """
    unknown = [slug for slug in config.festivals if slug not in FESTIVALS_BY_SLUG]
    if unknown:
        raise dg.Failure(
            description=f"unknown festival slugs {unknown}; known: {list(FESTIVALS_BY_SLUG)}",
            allow_retries=False,
        )
    years = edition_years()
    with database.engine().connect() as conn:
        imported = {
            (festival, year)
            for festival, year in conn.execute(
                select(FestivalNomination.festival, FestivalNomination.year).distinct()
            ).all()
        }
    missing: list[str] = []
    per_festival: dict[str, dict[str, int | str]] = {}
    with (
        edition_recorder(context, database) as (recorder, _tally),
        imdb.client(recorder) as client,
    ):
        for slug in config.festivals:
            festival = FESTIVALS_BY_SLUG[slug]
            listed: tuple[int, ...] = ()
            problem = ""
            known = sorted((y for f, y in imported if f == slug), reverse=True)
            probes = list(dict.fromkeys([years[-2], years[-3], *known[:1]]))
            for year in probes:
                try:
                    listed = client.event_page(festival.imdb_event_id, year).edition_years
                    break
                except SourceError as exc:
                    problem = exc.error_type.value
                    if exc.error_type is not ErrorType.NOT_FOUND:
                        break
            in_range = sorted(y for y in set(listed) if y in years)
            absent = [y for y in in_range if (slug, y) not in imported]
            missing.extend(edition_key(slug, y) for y in absent)
            per_festival[slug] = {
                "listed": len(in_range),
                "imported": len(in_range) - len(absent),
                "missing": len(absent),
                "problem": problem if not listed else "",
            }
    context.log.info(f"{len(missing)} editions not imported yet")
    table = "\n".join(
        f"| {slug} | {row['listed']} | {row['imported']} | {row['missing']} | {row['problem']} |"
        for slug, row in per_festival.items()
    )
    return dg.MaterializeResult(
        metadata={
            "missing_editions": dg.MetadataValue.int(len(missing)),
            "festivals_checked": dg.MetadataValue.int(len(per_festival)),
            "festivals_unavailable": dg.MetadataValue.int(
                sum(1 for row in per_festival.values() if row["problem"])
            ),
            "by_festival": dg.MetadataValue.md(
                "| festival | listed | imported | missing | problem |\n|---|---|---|---|---|\n"
                + table
            ),
            "missing": dg.MetadataValue.json(missing[:500]),
        }
    )
