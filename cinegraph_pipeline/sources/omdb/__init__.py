"""OMDb: by IMDb id or title + year; the second source after TMDb."""
