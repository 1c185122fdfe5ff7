"""The film database: models, engine, migrations and idempotent writes."""
