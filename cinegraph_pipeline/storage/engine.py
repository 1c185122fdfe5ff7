"""Engines for the film database, with clear errors for bad configuration.

SQLite (the default) runs in WAL mode with a busy timeout so that parallel runs on one machine
wait for each other instead of failing; PostgreSQL needs an explicit driver URL.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from cinegraph_pipeline import config
from cinegraph_pipeline.sources.errors import redact

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseConfigError(Exception):
    """The film database cannot be used as configured; the message says what to change."""


def _describe(url: URL | str) -> str:
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return redact(url)


def parse_database_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"{config.DATABASE_URL_VAR}={_describe(raw)!r} is not a valid SQLAlchemy URL "
            "(expected e.g. sqlite:///path/to/cinegraph.db or "
            "postgresql+psycopg2://user:password@host:5432/dbname)"
        ) from exc
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_database_engine(raw_url: str) -> Engine:
    """An engine for `raw_url`, checked by one round trip so that errors surface here."""
    url = parse_database_url(raw_url)
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs.update(pool_size=10, max_overflow=10)
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
        raise DatabaseConfigError(
            f"{config.DATABASE_URL_VAR} names the driver {url.drivername!r}, which is not "
            f"installed ({exc}). Use sqlite:/// or postgresql+psycopg2://."
        ) from exc
    except ArgumentError as exc:
        raise DatabaseConfigError(
            f"{config.DATABASE_URL_VAR}={_describe(url)!r} was refused: {exc}"
        ) from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseConfigError(
            f"cannot reach the film database at {_describe(url)} "
            f"({config.DATABASE_URL_VAR}): {redact(reason)}"
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseConfigError(
            f"the film database at {_describe(url)} ({config.DATABASE_URL_VAR}) failed a first "
            f"query: {exc}"
        ) from exc
    return engine


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def shared_engine(raw_url: str) -> Engine:
    """One migrated engine per URL and process, created on first use."""
    from cinegraph_pipeline.storage.migrate import upgrade

    with _engines_lock:
        engine = _engines.get(raw_url)
        if engine is None:
            engine = create_database_engine(raw_url)
            upgrade(engine)
            _engines[raw_url] = engine
        return engine


def dispose_shared_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
