"""Column types that keep money exact (Decimal, never float) and datetimes in UTC."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

PRECISION = 18
SCALE = 4
_QUANTUM = Decimal(1).scaleb(-SCALE)          # 0.0001
_LIMIT = Decimal(10) ** (PRECISION - SCALE)   # first value that no longer fits Numeric(18, 4)


def to_column_decimal(value: Decimal | int) -> Decimal:
    """Bring a value to the column's scale without losing anything, or refuse it.

    PostgreSQL would round silently and SQLite would store any length; refusing here keeps both
    databases identical and makes the domain round explicitly (money.round_money).
    """
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"amounts and quantities must be Decimal, got {type(value).__name__}: {value!r}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"amount {value} is not a finite number")
    scaled = value.quantize(_QUANTUM)
    if scaled != value:
        raise ValueError(f"amount {value} has more than {SCALE} decimal places; round it before storing")
    if abs(scaled) >= _LIMIT:
        raise ValueError(f"amount {value} does not fit Numeric({PRECISION}, {SCALE})")
    return scaled


class ExactDecimal(TypeDecorator):
    """Numeric(18, 4) on PostgreSQL; TEXT on SQLite, whose NUMERIC goes through float."""
    impl = Numeric(PRECISION, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(PRECISION, SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect: Dialect):
        if value is None:
            return None
        scaled = to_column_decimal(value)
        return str(scaled) if dialect.name == "sqlite" else scaled

    def process_result_value(self, value, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # a driver must never hand us one; fail loudly rather than guess
            raise TypeError(f"database returned a float for an exact column: {value!r}")
        return Decimal(value)


class UtcDateTime(TypeDecorator):
    """A timestamp stored in UTC and read back timezone-aware (UTC).

    Naive datetimes are taken to be UTC already. SQLite has no time zones, so the value is stored
    there as naive UTC and the zone is attached again on reading.
    """
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

