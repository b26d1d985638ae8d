"""Alembic environment: runs migrations on the connection schema.py hands over (no alembic.ini)."""
from __future__ import annotations

from alembic import context

from claimflow.adapters.db.engine import make_engine
from claimflow.adapters.db.orm import metadata

config = context.config


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
