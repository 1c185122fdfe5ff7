"""Which festival editions exist on IMDb but are not in the film database yet."""

import dagster as dg
from pydantic import Field
from sqlalchemy import select

from cinegraph_pipeline.assets.festival_import.common import edition_recorder
from cinegraph_pipeline.partitions import FESTIVALS, FESTIVALS_BY_SLUG, edition_key, edition_years
from cinegraph_pipeline.sources.errors import SourceError
from cinegraph_pipeline.sources.imdb.graphql_resource import ImdbGraphqlResource
from cinegraph_pipeline.sources.imdb.resource import ImdbResource
from cinegraph_pipeline.sources.imdb.routes import event_years
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
    imdb_graphql: ImdbGraphqlResource,
    database: DatabaseResource,
) -> dg.MaterializeResult:
    """Editions IMDb lists for each festival within the partition range that have no
    nominations in the film database yet.

    One GraphQL `nominationEvent` per festival tells every edition IMDb knows; when GraphQL
    fails, an event page's `historyEventEditions` does (this year's page, else last year's,
    else that of the latest edition already imported). The table lists the partition keys to
    materialize (or backfill) next.
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
    routes: dict[str, int] = {}
    with (
        edition_recorder(context, database) as (recorder, _tally),
        imdb.client(recorder) as client,
        imdb_graphql.client(recorder) as graphql,
    ):
        for slug in config.festivals:
            festival = FESTIVALS_BY_SLUG[slug]
            listed: tuple[int, ...] = ()
            problem = ""
            known = sorted((y for f, y in imported if f == slug), reverse=True)
            probes = list(dict.fromkeys([years[-2], years[-3], *known[:1]]))
            try:
                listed, route = event_years(graphql, client, festival.imdb_event_id, probes)
                routes[route] = routes.get(route, 0) + 1
            except SourceError as exc:
                problem = exc.error_type.value
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
            **{f"via_{route}": dg.MetadataValue.int(n) for route, n in sorted(routes.items())},
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
