"""Creating and upgrading the database schema with the bundled Alembic migrations."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from ...engine.domain.errors import ConfigurationError
from .engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration built in code: the migrations ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # ConfigParser interpolation would treat % in a password as a directive.
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(url: str | URL, revision: str = "head") -> str:
    """Create the schema or bring it to `revision` (default: the newest); returns the revision reached."""
    engine = make_engine(url)
    try:
        return upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> str:
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            return _revision_of(connection)
    except OperationalError as exc:
        raise _unavailable(engine, exc) from exc
    except CommandError as exc:
        # e.g. the database was migrated by a newer Claimflow whose revision we do not know.
        raise ConfigurationError(f"cannot migrate the database: {exc}", code="schema_mismatch") from exc


def current_revision(url: str | URL) -> str | None:
    """The schema revision the database is at, or None when it was never initialised."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return _revision_of(connection)
    except OperationalError as exc:
        raise _unavailable(engine, exc) from exc
    finally:
        engine.dispose()


def _revision_of(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _unavailable(engine: Engine, exc: OperationalError) -> ConfigurationError:
    where = engine.url.render_as_string(hide_password=True)
    return ConfigurationError(f"cannot open the database {where}: {exc.orig}", code="database_unavailable")
