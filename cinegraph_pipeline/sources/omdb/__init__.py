"""OMDb: by IMDb id or title + year; the second source after TMDb."""

from .client import OmdbClient
from .parse import parse_omdb
from .resource import OmdbResource

__all__ = ["OmdbClient", "OmdbResource", "parse_omdb"]
