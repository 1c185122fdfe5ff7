"""Festival editions as Dagster partitions: `festival` x `year`, keys like `cannes|2016`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg

FIRST_YEAR = 2000


@dataclass(frozen=True, slots=True)
class Festival:
    slug: str
    name: str
    imdb_event_id: str


FESTIVALS: tuple[Festival, ...] = (
    Festival("cannes", "Cannes Film Festival", "ev0000147"),
    Festival("venice", "Venice Film Festival", "ev0000681"),
    Festival("berlin", "Berlin International Film Festival", "ev0000091"),
    Festival("sundance", "Sundance Film Festival", "ev0000631"),
    Festival("tiff", "Toronto International Film Festival", "ev0000659"),
    Festival("oscars", "Academy Awards", "ev0000003"),
    Festival("golden_globes", "Golden Globes", "ev0000292"),
    Festival("bafta", "BAFTA Awards", "ev0000123"),
    Festival("locarno", "Locarno Film Festival", "ev0000400"),
)
FESTIVALS_BY_SLUG = {festival.slug: festival for festival in FESTIVALS}


def edition_years(today: datetime | None = None) -> list[int]:
    """2000 through next year (festival line-ups are announced ahead)."""
    now = today or datetime.now(UTC)
    return list(range(FIRST_YEAR, now.year + 2))


edition_partitions = dg.MultiPartitionsDefinition(
    {
        "festival": dg.StaticPartitionsDefinition([f.slug for f in FESTIVALS]),
        "year": dg.StaticPartitionsDefinition([str(year) for year in edition_years()]),
    }
)


@dataclass(frozen=True, slots=True)
class Edition:
    festival: Festival
    year: int

    @property
    def partition_key(self) -> str:
        return edition_key(self.festival.slug, self.year)


def edition_key(festival: str, year: int) -> str:
    return str(dg.MultiPartitionKey({"festival": festival, "year": str(year)}))


def parse_edition(partition_key: str | dg.MultiPartitionKey) -> Edition:
    """`cannes|2016` (or a MultiPartitionKey) to an Edition, with a clear error otherwise."""
    if isinstance(partition_key, dg.MultiPartitionKey):
        slug = partition_key.keys_by_dimension["festival"]
        year_text = partition_key.keys_by_dimension["year"]
    else:
        parts = str(partition_key).split("|")
        if len(parts) != 2:
            raise ValueError(f"edition keys look like 'cannes|2016', not {partition_key!r}")
        slug, year_text = parts
    if slug not in FESTIVALS_BY_SLUG:
        known = ", ".join(FESTIVALS_BY_SLUG)
        raise ValueError(f"unknown festival {slug!r}; known festivals: {known}")
    if not year_text.isdigit():
        raise ValueError(f"edition year must be a number, not {year_text!r}")
    return Edition(FESTIVALS_BY_SLUG[slug], int(year_text))
