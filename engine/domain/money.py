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
