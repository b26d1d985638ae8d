"""The SQL unit of work: one session, one transaction, database failures turned into domain errors."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .errors import translate
from .orm import start_mappers
from .repositories import (SqlAuditLog, SqlCallRepository, SqlClaimRepository, SqlCompanyRepository,
                           SqlDocumentRepository, SqlHistory, SqlMasterDataRepository, SqlOutbox,
                           SqlRuleSetStore)


class SqlUnitOfWork:
    """`with uow: ... uow.commit()`; leaving the block without commit rolls everything back.

    A stale claim version, a PostgreSQL serialization/lock failure or a duplicate key raise
    Conflict (codes `conflict` / `duplicate`), chained to the database error, whether it
    happens at commit or at an automatic flush inside the block.
    """

    def __init__(self, session_factory: Callable[[], Session]):
        start_mappers()
        self._session_factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> "SqlUnitOfWork":
        self.session = self._session_factory()
        self.companies = SqlCompanyRepository(self.session)
        self.master_data = SqlMasterDataRepository(self.session)
        self.documents = SqlDocumentRepository(self.session)
        self.claims = SqlClaimRepository(self.session)
        self.audit = SqlAuditLog(self.session)
        self.outbox = SqlOutbox(self.session)
        self.calls = SqlCallRepository(self.session)
        self.history = SqlHistory(self.session)
        self.rule_sets = SqlRuleSetStore(self.session)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # close() rolls back whatever was not committed and releases the connection, but unlike
        # rollback() it leaves loaded objects readable: a read-only use case returns them.
        self.session.close()
        domain_error = translate(exc) if isinstance(exc, SQLAlchemyError) else None
        if domain_error is not None:
            raise domain_error from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except SQLAlchemyError as exc:
            self.session.rollback()
            domain_error = translate(exc)
            if domain_error is None:
                raise
            raise domain_error from exc

    def rollback(self) -> None:
        self.session.rollback()


def make_session_factory(engine) -> sessionmaker:
    # expire_on_commit=False: use cases return the aggregate after commit for rendering;
    # freshness where it matters comes from get_for_update (populate_existing).
    return sessionmaker(bind=engine, expire_on_commit=False)
