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
    document_number: str | None = None          # credit note, warehouse order, purchase invoice
    inspection_number: str | None = None
    quantity: Decimal | None = None             # received / delivered quantity
    amount: Decimal | None = None               # purchase invoice amount
    measurement_type: str = ""
    decision: str = "none"                      # supplier decision: approved / rejected / canceled
    override_canceled_supplier_claim: bool = False
    final_invoice: bool = False
    approved_in_ap: bool = False
    finalized_in_gl: bool = False
    invoice_kind: str = "cost"                  # cost (finalized in GL) or order (approved in AP)
    changes: dict | None = None                 # modify_line: field -> new value
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
    generate_supplier_claim: bool = False
    wait_on_supplier_approval: bool = False
    inspection_required: bool = False
    approval_action: str = "keep_and_take_ownership"
    rejection_action: str = "return_to_customer"
    tagged_to: str = "not_applicable"


# Header fields a handler may change with modify_claim while the claim is free.
EDITABLE_CLAIM_FIELDS = {"invoice_procedure": str, "internal_text": str}

# Line fields a handler may change with modify_line (DOMAIN 5.2), with their types.
EDITABLE_LINE_FIELDS = {
    "quantity": Decimal, "amount": Decimal, "item_code": str, "claim_method": str,
    "use_estimates": bool, "return_material_required": bool, "generate_supplier_claim": bool,
    "wait_on_supplier_approval": bool, "inspection_required": bool, "approval_action": str,
    "rejection_action": str, "tagged_to": str,
}
