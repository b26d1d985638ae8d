"""Typed values -> engine values. Decimals travel as integers scaled by 10^4, so no float is ever used.

The same encoder serves rule literals and facts, so both sides of every comparison agree.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .catalogue import FieldType

SCALE = Decimal(10_000)


class ValueTypeError(ValueError):
    """A value does not have the field's type; the message says what was expected."""


def encode(ftype: FieldType, value):
    kind = ftype.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ValueTypeError(f"expected true or false, got {value!r}")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueTypeError(f"expected a whole number, got {value!r}")
    if kind == "decimal":
        return encode_decimal(value)
    if kind in ("string", "enum"):
        if not isinstance(value, str):
            raise ValueTypeError(f"expected text, got {value!r}")
        if kind == "enum" and value not in ftype.values:
            raise ValueTypeError(f"'{value}' is not {ftype.describe()}")
        return value
    raise ValueTypeError(f"unknown field type {kind}")


def encode_decimal(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueTypeError(f"expected a number, got {value!r}")
    try:
        scaled = Decimal(value) * SCALE
    except InvalidOperation as exc:
        raise ValueTypeError(f"expected a number, got {value!r}") from exc
    if scaled != scaled.to_integral_value():
        raise ValueTypeError(f"{value} has more than 4 decimals")
    return int(scaled)


def decode_decimal(value: int) -> Decimal:
    return Decimal(value) / SCALE
