"""The commands a handler or an outside module can run on a claim, as plain values."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ClaimCommand:
    """A lifecycle command. `line_no` None means the whole claim; `expected_version` guards against
    lost updates (the caller's last read of the claim)."""
    name: str
    company: str
    claim_number: str
    actor: str = "cli"
    line_no: int | None = None
    reason: str = ""
    text: str = ""
    approved_quantity: Decimal | None = None
    approved_amount: Decimal | None = None
    document_number: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class NewLine:
    """A line of a manual claim."""
    item_code: str
    quantity: Decimal
    amount: Decimal
    description: str = ""


@dataclass(frozen=True)
class ClaimOptions:
    """Header and line options chosen at registration."""
    invoice_procedure: str = "credit_note_based"
    claim_method: str = "reimburse_costs"
    use_estimates: bool = False
    return_material_required: bool = False
    internal_text: str = ""
