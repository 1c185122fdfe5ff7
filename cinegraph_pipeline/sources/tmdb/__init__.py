"""TMDb v3: the first and richest source."""

from .client import TmdbClient
from .parse import parse_find, parse_movie, parse_search
from .resource import TmdbResource

__all__ = ["TmdbClient", "TmdbResource", "parse_find", "parse_movie", "parse_search"]
