"""The database adapter: the only package that imports SQLAlchemy (tables, repositories, unit of work, migrations)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.engine import URL

from . import http_store  # noqa: F401  registers the HTTP service's tables on `metadata`
from .engine import make_engine, normalize_url
from .orm import metadata, start_mappers
from .schema import current_revision, head_revision, upgrade
from .uow import SqlUnitOfWork, make_session_factory

__all__ = ["SqlUnitOfWork", "current_revision", "head_revision", "make_engine", "make_uow_factory",
           "metadata", "normalize_url", "start_mappers", "upgrade"]


def make_uow_factory(url: str | URL, **engine_kwargs) -> Callable[[], SqlUnitOfWork]:
    """A callable returning a fresh unit of work per call, all sharing one engine (one pool).

    The engine is created here, at the composition root, never at import time. The factory's
    `engine` attribute lets the caller dispose of it.
    """
    start_mappers()
    engine = make_engine(url, **engine_kwargs)
    sessions = make_session_factory(engine)

    def new_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions)

    new_uow.engine = engine  # type: ignore[attr-defined]
    return new_uow
