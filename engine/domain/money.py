"""Money: a Decimal amount with its currency; amounts of different currencies never add up."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """The product's one rounding rule for amounts: two decimals, half up (commercial rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __add__(self, other: "Money") -> "Money":
        if self.currency != other.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


def totals_by_currency(items: list[Money]) -> dict[str, Decimal]:
    """Sum per currency, never across currencies."""
    out: dict[str, Decimal] = {}
    for m in items:
        out[m.currency] = out.get(m.currency, Decimal("0")) + m.amount
    return out


MAX_INTEGER_DIGITS, MAX_DECIMALS = 14, 4   # what the database's Numeric(18, 4) columns hold


def decimal_problem(value: Decimal) -> str | None:
    """Why a quantity or amount cannot be stored exactly, or None when it can."""
    if not value.is_finite():
        return "is not a finite number"
    if value < 0:
        return "is negative"
    if value.as_tuple().exponent < -MAX_DECIMALS and value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return f"has more than {MAX_DECIMALS} decimals"
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        return f"has more than {MAX_INTEGER_DIGITS} digits before the decimal point"
    return None
