"""Tables and repositories of the HTTP service: API keys with their companies, idempotency records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, ForeignKey, Integer, String, Table, Text, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .orm import CODE, metadata
from .types import UtcDateTime

KEY_ID = 16

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(KEY_ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("salt", String(64), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
)

api_key_companies = Table(
    "api_key_companies", metadata,
    Column("key_id", String(KEY_ID), ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("company_code", String(CODE), ForeignKey("companies.code"), primary_key=True),
)

# status_code NULL: the first request with this key is still running.
idempotency_records = Table(
    "idempotency_records", metadata,
    Column("company_code", String(CODE), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("api_key_id", String(KEY_ID), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    name: str
    role: str
    companies: tuple[str, ...]
    salt: str
    secret_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class IdempotencyRecord:
    company_code: str
    key: str
    request_hash: str
    status_code: int | None
    response_body: str | None
    created_at: datetime


class ApiKeyStore:
    """API keys: only the salted hash of the secret is stored."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, key: ApiKeyRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(id=key.id, name=key.name, role=key.role, salt=key.salt,
                                                 secret_hash=key.secret_hash, created_at=key.created_at))
            conn.execute(insert(api_key_companies),
                         [{"key_id": key.id, "company_code": c} for c in key.companies])

    def missing_companies(self, codes: list[str]) -> list[str]:
        from .orm import companies
        with self.engine.connect() as conn:
            found = set(conn.scalars(select(companies.c.code).where(companies.c.code.in_(codes))))
        return [c for c in codes if c not in found]

    def get(self, key_id: str) -> ApiKeyRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().one_or_none()
            if row is None:
                return None
            return self._record(row, self._companies_of(conn, [key_id]).get(key_id, ()))

    def list(self) -> list[ApiKeyRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)).mappings().all()
            scopes = self._companies_of(conn, [r["id"] for r in rows])
            return [self._record(r, scopes.get(r["id"], ())) for r in rows]

    def revoke(self, key_id: str, now: datetime) -> bool:
        """True when the key existed and was not revoked yet."""
        with self.engine.begin() as conn:
            result = conn.execute(update(api_keys).where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                                  .values(revoked_at=now))
            return result.rowcount == 1

    @staticmethod
    def _companies_of(conn, key_ids: list[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        if key_ids:
            stmt = (select(api_key_companies.c.key_id, api_key_companies.c.company_code)
                    .where(api_key_companies.c.key_id.in_(key_ids)).order_by(api_key_companies.c.company_code))
            for key_id, company in conn.execute(stmt):
                out.setdefault(key_id, []).append(company)
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _record(row, companies: tuple[str, ...]) -> ApiKeyRecord:
        return ApiKeyRecord(row["id"], row["name"], row["role"], companies, row["salt"], row["secret_hash"],
                            row["created_at"], row["revoked_at"])


class IdempotencyStore:
    """Remembers the answer to each (company, Idempotency-Key) so a retried request is answered again."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def reserve(self, company: str, key: str, api_key_id: str, request_hash: str,
                now: datetime) -> IdempotencyRecord | None:
        """None when this request now owns the key; otherwise the record somebody else stored first.

        The reservation commits on its own, before the command runs, so a concurrent retry sees it.
        """
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(idempotency_records).values(
                    company_code=company, key=key, api_key_id=api_key_id, request_hash=request_hash,
                    created_at=now))
            return None
        except IntegrityError:
            return self.get(company, key)

    def get(self, company: str, key: str) -> IdempotencyRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(idempotency_records).where(
                idempotency_records.c.company_code == company, idempotency_records.c.key == key)).mappings().one_or_none()
        if row is None:
            return None
        return IdempotencyRecord(row["company_code"], row["key"], row["request_hash"], row["status_code"],
                                 row["response_body"], row["created_at"])

    def complete(self, company: str, key: str, status_code: int, body: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(idempotency_records).where(
                idempotency_records.c.company_code == company, idempotency_records.c.key == key)
                .values(status_code=status_code, response_body=body))

    def release(self, company: str, key: str) -> None:
        """Forget a reservation whose request ended in a retryable failure, so a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(delete(idempotency_records).where(
                idempotency_records.c.company_code == company, idempotency_records.c.key == key,
                idempotency_records.c.status_code.is_(None)))

    def take_over(self, company: str, key: str, request_hash: str, stale_before: datetime, now: datetime) -> bool:
        """Claim a reservation left unfinished (its server died mid-request) if it is older than `stale_before`."""
        with self.engine.begin() as conn:
            result = conn.execute(update(idempotency_records).where(
                idempotency_records.c.company_code == company, idempotency_records.c.key == key,
                idempotency_records.c.request_hash == request_hash,
                idempotency_records.c.status_code.is_(None),
                idempotency_records.c.created_at < stale_before).values(created_at=now))
            return result.rowcount == 1


def database_status(engine: Engine) -> tuple[bool, str | None, str | None]:
    """(reachable, schema revision, error message) for the health check."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            return True, MigrationContext.configure(conn).get_current_revision(), None
    except SQLAlchemyError as exc:
        return False, None, type(exc).__name__
