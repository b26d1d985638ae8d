"""Engines for the supported databases: SQLite (embedded default) and PostgreSQL through psycopg 3."""
from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ...engine.domain.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str | URL) -> URL:
    """Accept `sqlite:///path` and `postgresql://...`; PostgreSQL always goes through psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"invalid database URL {str(url)!r}: {exc}", code="invalid_database_url") from exc
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed
    raise ConfigurationError(f"unsupported database {backend!r}: use sqlite:///path or postgresql://...",
                             code="invalid_database_url")


def _json_default(value):
    # Outbox payloads may carry amounts: they travel as strings, never as float.
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(value) -> str:
    return json.dumps(value, default=_json_default)


def make_engine(url: str | URL, **kwargs) -> Engine:
    """A new engine for `url`. SQLite gets foreign keys, a busy timeout and writer serialisation."""
    parsed = normalize_url(url)
    engine = create_engine(parsed, json_serializer=_dumps, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, wait for locks, and begin every transaction with BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes the write lock up front, so two commands on the same claim run one
    after the other instead of both reading and then one failing with "database is locked".
    This is the pysqlite recipe from SQLAlchemy's SQLite documentation.
    """
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None   # stop pysqlite emitting its own deferred BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL with synchronous=NORMAL: commits stay atomic and consistent, readers do not block
        # the writer, and a commit costs no fsync (only a power cut can lose the latest commits).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
