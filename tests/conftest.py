"""Shared fixtures: a database URL per backend (SQLite always, PostgreSQL when configured) and units of work."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "CLAIMFLOW_TEST_PG_URL"
PG_SKIP_REASON = f"{PG_ENV} not set: PostgreSQL tests skipped"


def _pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


class _PgSchema:
    """A schema private to this pytest process, so parallel runs on one database don't collide.

    `url` points the search_path at the schema. Tests that need a migrated database get the
    tables truncated instead of migrated again (much faster); tests that ask for an empty
    database get the schema dropped and recreated.
    """

    def __init__(self, base_url: str):
        from claimflow.adapters.db import normalize_url
        url = normalize_url(base_url)
        self.name = f"claimflow_test_{os.getpid()}"
        self.url = url.update_query_dict({"options": f"-csearch_path={self.name}"}).render_as_string(
            hide_password=False)
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self.migrated = False

    def empty(self) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.migrated = False
        return self.url

    def migrated_and_empty(self) -> str:
        from claimflow.adapters.db import metadata, upgrade
        if not self.migrated:
            upgrade(self.empty())
            self.migrated = True
            return self.url
        tables = ", ".join(f'"{self.name}"."{t.name}"' for t in metadata.sorted_tables)
        with self.admin.connect() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        return self.url

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _pg_schema():
    base = _pg_base_url()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    schema = _PgSchema(base)
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_backend(request) -> str:
    """Which database a test runs on; PostgreSQL only when CLAIMFLOW_TEST_PG_URL is set."""
    if request.param == "postgresql" and _pg_base_url() is None:
        pytest.skip(PG_SKIP_REASON)
    return request.param


def _sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'claimflow.sqlite'}"


@pytest.fixture
def db_url(request, db_backend, tmp_path) -> str:
    """The URL of an empty database (no tables): a new SQLite file, or an emptied PostgreSQL schema.

    In a test that also uses `migrated_db_url` (or `uow_factory`) it is that migrated database.
    """
    if "migrated_db_url" in request.fixturenames:
        return request.getfixturevalue("migrated_db_url")
    if db_backend == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("_pg_schema").empty()


@pytest.fixture
def migrated_db_url(request, db_backend, tmp_path) -> str:
    """The URL of a database whose schema is at the newest migration and whose tables are empty."""
    if db_backend == "sqlite":
        from claimflow.adapters.db import upgrade
        url = _sqlite_url(tmp_path)
        upgrade(url)
        return url
    return request.getfixturevalue("_pg_schema").migrated_and_empty()


@pytest.fixture
def uow_factory(migrated_db_url):
    """A callable returning a fresh SqlUnitOfWork on a migrated, empty database."""
    from claimflow.adapters.db import make_uow_factory
    factory = make_uow_factory(migrated_db_url)
    yield factory
    factory.engine.dispose()


def pytest_report_header(config):
    return f"PostgreSQL tests: {'on (' + make_url(_pg_base_url()).render_as_string() + ')' if _pg_base_url() else PG_SKIP_REASON}"
