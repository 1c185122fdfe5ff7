"""TMDb v3: the first and richest source."""
