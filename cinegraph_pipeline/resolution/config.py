"""The knobs of the resolution engine, as a plain frozen dataclass.

Plain types only (ints and floats) so that a Dagster `Config` class can mirror the fields and
build one with `ResolutionConfig.from_mapping(config.model_dump())`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import IntEnum


class Level(IntEnum):
    """The TMDb fallback levels, from the strongest evidence to the weakest."""

    DIRECT_IMDB_ID = 1
    EXACT_TITLE_YEAR = 2
    NORMALIZED_TITLE = 3
    YEAR_TOLERANT = 4
    FUZZY_TITLE = 5
    BROAD_SEARCH = 6


# A match's confidence is its level's base times the strength of its evidence (0..1).
BASE_CONFIDENCE: Mapping[Level, float] = {
    Level.DIRECT_IMDB_ID: 1.0,
    Level.EXACT_TITLE_YEAR: 0.9,
    Level.NORMALIZED_TITLE: 0.8,
    Level.YEAR_TOLERANT: 0.7,
    Level.FUZZY_TITLE: 0.6,
    Level.BROAD_SEARCH: 0.5,
}


@dataclass(frozen=True, slots=True)
class ResolutionConfig:
    """How hard the resolver looks and how sure it must be.

    - `max_fallback_level`: the weakest TMDb level allowed (1..6).
    - `min_confidence`: a match is accepted when its confidence reaches this.
    - `ambiguity_margin`: two candidates whose scores differ by less are too close to call.
    - `decisive_margin`: from this margin over the runner-up on, the margin costs nothing;
      below it the confidence is reduced proportionally.
    - `fuzzy_threshold`: the least title similarity a level-5 (fuzzy) match needs.
    - `title_match_threshold`: the least title similarity that confirms a record found by
      IMDb id (TMDb /find, OMDb, the IMDb page); below it the record is suspect.
    - `max_year_distance`: years further apart than this never match (1: festival and release
      years often differ by one).
    - `max_verification_calls`: TMDb detail calls per film spent on checking candidates that
      are not (yet) accepted: alternative titles, ties. The accepted record's own details call
      is not counted.
    """

    max_fallback_level: int = 6
    min_confidence: float = 0.5
    ambiguity_margin: float = 0.05
    decisive_margin: float = 0.15
    fuzzy_threshold: float = 0.85
    title_match_threshold: float = 0.7
    max_year_distance: int = 1
    max_verification_calls: int = 2
    # 404s of /movie/{imdb_id} checked with /find per run (the route's guard).
    direct_route_checks: int = 5

    def __post_init__(self) -> None:
        if not 1 <= self.max_fallback_level <= 6:
            raise ValueError("max_fallback_level must be between 1 and 6")
        for name in ("min_confidence", "fuzzy_threshold", "title_match_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if not 0.0 <= self.ambiguity_margin <= self.decisive_margin <= 1.0:
            raise ValueError("need 0 <= ambiguity_margin <= decisive_margin <= 1")
        if self.max_year_distance < 0 or self.max_verification_calls < 0:
            raise ValueError("max_year_distance and max_verification_calls must be >= 0")

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> ResolutionConfig:
        """Builds a config from e.g. a Dagster config's dump; unknown keys and None values are
        ignored, so a partial mapping keeps the defaults for the rest."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})  # type: ignore[arg-type]

    def allows(self, level: Level) -> bool:
        return level <= self.max_fallback_level
