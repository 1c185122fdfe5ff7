"""`cinegraph-db`: migrate and inspect the film database from a shell."""

from __future__ import annotations

import argparse
import sys

from cinegraph_pipeline import config
from cinegraph_pipeline.storage.engine import DatabaseConfigError, create_database_engine
from cinegraph_pipeline.storage.migrate import current_revision, head_revision, upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cinegraph-db", description="Manage the cinegraph film database schema."
    )
    parser.add_argument(
        "--url", help=f"SQLAlchemy URL (default: ${config.DATABASE_URL_VAR} or SQLite)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("upgrade", help="apply every pending migration")
    commands.add_parser("current", help="print the schema revision")
    args = parser.parse_args(argv)

    url = args.url or config.database_url()
    try:
        engine = create_database_engine(url)
        if args.command == "upgrade":
            upgrade(engine)
        revision = current_revision(engine)
    except DatabaseConfigError as exc:
        print(f"cinegraph-db: {exc}", file=sys.stderr)
        return 2
    head = head_revision()
    state = "up to date" if revision == head else f"behind head {head}"
    print(f"{engine.url.render_as_string(hide_password=True)}: revision {revision} ({state})")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
