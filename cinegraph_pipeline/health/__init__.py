"""API health: SQL aggregation of `api_lookup_metrics`, thresholds, charts and alerts."""
