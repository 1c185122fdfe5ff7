"""`cinegraph-review`: list the films flagged for review, accept a TMDb candidate, dismiss.

    cinegraph-review list
    cinegraph-review accept IMDB_ID TMDB_ID   # fetches the TMDb record, upgrades to `full`
    cinegraph-review dismiss IMDB_ID          # off the queue, left as it is

`accept` calls TMDb through the project's client (TMDB_API_KEY or TMDB_API_TOKEN,
TMDB_BASE_URL: the sandbox works), and its call is recorded in `api_lookup_metrics` like any
other. The film database is CINEGRAPH_DATABASE_URL (or `--url`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from cinegraph_pipeline import config
from cinegraph_pipeline.review.queue import review_count, review_items
from cinegraph_pipeline.sources.errors import ErrorType, SourceError
from cinegraph_pipeline.sources.records import FilmData, is_series
from cinegraph_pipeline.sources.tmdb.resource import TmdbResource
from cinegraph_pipeline.sources.tracking import MetricsRecorder, film_scope
from cinegraph_pipeline.storage.engine import DatabaseConfigError, create_database_engine
from cinegraph_pipeline.storage.film_records import accept_review, dismiss_review
from cinegraph_pipeline.storage.migrate import upgrade
from cinegraph_pipeline.storage.models import Movie, utcnow
from cinegraph_pipeline.storage.writes import insert_metrics

PROG = "cinegraph-review"


class ReviewError(Exception):
    """A sentence for the user; the command exits with status 1."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--url", help=f"film database (default: ${config.DATABASE_URL_VAR})")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="films flagged for review, with candidates")
    listing.add_argument("--limit", type=int, default=100)
    accept = commands.add_parser("accept", help="upgrade a film to full from a TMDb record")
    accept.add_argument("imdb_id")
    accept.add_argument("tmdb_id", type=int)
    accept.add_argument(
        "--force",
        action="store_true",
        help="accept even if the TMDb record names another IMDb id",
    )
    dismiss = commands.add_parser("dismiss", help="take a film off the queue as it is")
    dismiss.add_argument("imdb_id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = create_database_engine(args.url or config.database_url())
        upgrade(engine)
    except DatabaseConfigError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "list":
            print(list_queue(engine, args.limit))
        elif args.command == "accept":
            print(accept(engine, args.imdb_id, args.tmdb_id, force=args.force))
        else:
            print(dismiss(engine, args.imdb_id))
    except ReviewError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def list_queue(engine: Engine, limit: int = 100) -> str:
    with engine.connect() as conn:
        total = review_count(conn)
        items = review_items(conn, limit)
    if not items:
        return "no film is waiting for review"
    lines = [f"{total} films waiting for review" + (f" (first {limit})" if total > limit else "")]
    for item in items:
        year = item.year or "?"
        editions = ", ".join(item.editions) or "no nomination"
        lines.append(f"{item.imdb_id}  {item.title} ({year})  [{item.import_type}]  {editions}")
        lines.append(f"    {item.reason}")
        for candidate in item.candidates:
            lines.append(
                f"    candidate {candidate.get('source', 'tmdb')} {candidate.get('id')}: "
                f"{candidate.get('title', '')} ({candidate.get('year') or '?'}), "
                f"score {candidate.get('score', '?')}"
            )
    return "\n".join(lines)


def _film(engine: Engine, imdb_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(Movie.__table__).where(Movie.imdb_id == imdb_id)).mappings()
        found = row.first()
    if found is None:
        raise ReviewError(f"no film {imdb_id} in the film database")
    return dict(found)


def fetch_record(engine: Engine, imdb_id: str, tmdb_id: int) -> FilmData:
    """The TMDb record, fetched and recorded in `api_lookup_metrics` as the film's call."""
    resource = TmdbResource.from_env(cache_backend="none")
    context = {"step": "cinegraph-review"}
    sink = MetricsRecorder(lambda rows: insert_metrics(engine, rows), context=context)
    with sink as rec, resource.client(rec) as client, film_scope(imdb_id):
        try:
            record = client.movie_details(tmdb_id)
        except SourceError as exc:
            if exc.error_type is ErrorType.NOT_FOUND:
                raise ReviewError(f"TMDb has no movie {tmdb_id}") from None
            raise ReviewError(f"TMDb did not answer for movie {tmdb_id}: {exc}") from None
    return record.to_film_data(imdb_id)


def accept(engine: Engine, imdb_id: str, tmdb_id: int, *, force: bool = False) -> str:
    existing = _film(engine, imdb_id)
    if is_series(existing["title_type"]):
        # Not even with --force: a series is never a TMDb movie (TMDb keeps it under /tv).
        raise ReviewError(
            f"{imdb_id} is a series ({existing['title_type']}): no TMDb movie can be its "
            "record; dismiss it instead"
        )
    film = fetch_record(engine, imdb_id, tmdb_id)
    if film.imdb_id and film.imdb_id != imdb_id and not force:
        raise ReviewError(
            f"TMDb movie {tmdb_id} names {film.imdb_id}, not {imdb_id}: another film's record? "
            "Use --force to accept it anyway."
        )
    with engine.begin() as conn:
        accept_review(conn, imdb_id, film, utcnow())
    return f"{imdb_id} is now full from TMDb movie {tmdb_id}: {film.title} ({film.year or '?'})"


def dismiss(engine: Engine, imdb_id: str) -> str:
    existing = _film(engine, imdb_id)
    if not existing["needs_review"]:
        raise ReviewError(f"{imdb_id} is not waiting for review")
    with engine.begin() as conn:
        dismiss_review(conn, imdb_id, utcnow())
    return f"{imdb_id} taken off the review queue (left {existing['import_type']})"


if __name__ == "__main__":
    sys.exit(main())
