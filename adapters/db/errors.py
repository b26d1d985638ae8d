"""Translation of database failures (stale versions, lock failures, duplicates) into domain errors."""
from __future__ import annotations

import re

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from ...engine.domain.errors import ClaimflowError, ConfigurationError, Conflict
from .orm import metadata

# PostgreSQL SQLSTATEs that mean "another transaction got in the way": retrying can succeed.
_PG_RETRYABLE = {"40001": "serialization failure", "40P01": "deadlock", "55P03": "lock not available"}
_PG_UNIQUE = "23505"
_PG_FOREIGN_KEY = "23503"

# What a duplicate of each table is called in a message.
_NOUNS = {
    "companies": "company", "customers": "customer", "items": "item",
    "original_documents": "original document", "original_document_lines": "original document line",
    "claims": "claim", "claim_lines": "claim line", "outbound_documents": "outbound document",
}

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")


def _conflict_changed() -> Conflict:
    return Conflict("The claim was changed by someone else since it was read; reload it and retry.")


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def _unique_columns(exc: IntegrityError) -> tuple[str, list[str]] | None:
    """(table, columns) of the unique constraint a duplicate violated, from either database."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name:
        for table in metadata.tables.values():
            for constraint in table.constraints:
                if constraint.name == name:
                    return table.name, [c.name for c in constraint.columns]
    match = _SQLITE_UNIQUE.search(str(exc.orig))
    if match:
        qualified = [part.strip() for part in match.group(1).split(",")]
        table = qualified[0].split(".")[0]
        return table, [q.split(".", 1)[-1] for q in qualified]
    return None


def _duplicate(exc: IntegrityError) -> Conflict:
    found = _unique_columns(exc)
    if found is None:
        return Conflict("A record with the same key already exists.", code="duplicate")
    table, columns = found
    noun = _NOUNS.get(table, table)
    key = " + ".join(c for c in columns)
    return Conflict(f"A {noun} with the same {key} already exists.", code="duplicate")


def _is_unique_violation(exc: IntegrityError) -> bool:
    return _sqlstate(exc) == _PG_UNIQUE or "UNIQUE constraint failed" in str(exc.orig)


def _is_foreign_key_violation(exc: IntegrityError) -> bool:
    return _sqlstate(exc) == _PG_FOREIGN_KEY or "FOREIGN KEY constraint failed" in str(exc.orig)


def translate(exc: BaseException) -> ClaimflowError | None:
    """The domain error for a database failure a user can cause, or None for a genuine bug."""
    if isinstance(exc, StaleDataError):
        return _conflict_changed()
    if isinstance(exc, IntegrityError):
        if _is_unique_violation(exc):
            return _duplicate(exc)
        if _is_foreign_key_violation(exc):
            return Conflict("The record is still referenced by other records (or refers to one that "
                            "does not exist).", code="referenced")
        return None
    if isinstance(exc, DBAPIError) and _sqlstate(exc) in _PG_RETRYABLE:
        return _conflict_changed()
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        return Conflict("The database is busy with another change; retry.", code="conflict")
    if isinstance(exc, OperationalError) and "unable to open database file" in str(exc.orig):
        return ConfigurationError(f"cannot open the database file: {exc.orig}", code="database_unavailable")
    if _is_missing_table(exc):
        return ConfigurationError("The database has no claim tables (or an old schema): run `claims init` first.",
                                  code="schema_missing")
    return None


def _is_missing_table(exc: BaseException) -> bool:
    """SQLite says 'no such table'; PostgreSQL answers SQLSTATE 42P01 (undefined table)."""
    return isinstance(exc, DBAPIError) and (_sqlstate(exc) == "42P01" or "no such table" in str(exc.orig))
