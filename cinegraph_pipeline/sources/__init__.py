"""Clients for the upstream services: TMDb, OMDb, IMDb pages (direct or through Zyte)."""
