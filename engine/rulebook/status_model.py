"""The status moves the process allows (DOMAIN.md §2.1 header and §2.2 line tables), for rule checks."""
from __future__ import annotations

# Header moves, DOMAIN §2.1. Free may also be canceled: a registered claim nobody submitted yet
# has no downstream documents, so the cancel guard of §2.4 holds trivially.
HEADER_MOVES: dict[str, frozenset[str]] = {
    "free": frozenset({"pending_approval", "canceled"}),
    "modified": frozenset({"pending_approval", "canceled"}),
    "pending_approval": frozenset({"modified", "approved", "rejected", "canceled"}),
    "approved": frozenset({"closed"}),
    "rejected": frozenset({"closed"}),
    "canceled": frozenset({"closed"}),
    "closed": frozenset(),
}

_GATES = ("pending_approval_estimates", "pending_material_return", "pending_supplier_approval", "pending_approval")

# Line moves, DOMAIN §2.2 rows L1-L17: submit routes through the gates in order (a line skips gates
# that do not apply), a pending line may be modified (L12) or canceled (L13).
LINE_MOVES: dict[str, frozenset[str]] = {
    "free": frozenset(_GATES) | {"canceled"},
    "modified": frozenset(_GATES) | {"canceled"},
    "pending_approval_estimates": frozenset(_GATES[1:]) | {"rejected", "modified", "canceled"},
    "pending_material_return": frozenset(_GATES[2:]) | {"modified", "canceled"},
    # DOMAIN §5.8: the approver may override a canceled supplier claim and approve directly.
    "pending_supplier_approval": frozenset({"pending_approval", "approved", "modified", "canceled"}),
    "pending_approval": frozenset({"approved", "rejected", "modified", "canceled"}),
    # Cancel undoes approved lines while their documents can still be undone (DOMAIN 2.4, S09).
    "approved": frozenset({"approved_for_invoice_linking", "settled", "canceled"}),
    "approved_for_invoice_linking": frozenset({"settled", "canceled"}),
    # A voided credit note puts its settled line back to approved for a new one (issue B item 7).
    "settled": frozenset({"approved"}),
    "rejected": frozenset(),
    "canceled": frozenset(),
}

# Statuses a claim or line may stay in for good; any other status needs a rule that moves out.
FINAL_STATUSES = frozenset({"closed", "settled", "rejected", "canceled"})
INITIAL_STATUS = "free"

MOVES_BY_ACTION = {"set_claim_status": ("claim", HEADER_MOVES), "set_line_status": ("line", LINE_MOVES)}


def allowed(moves: dict[str, frozenset[str]], source: str, target: str) -> bool | None:
    """Whether source -> target is allowed; None when the model does not know one of them
    (a status added to the catalogue later is not judged until the table above lists it)."""
    if source not in moves or target not in moves:
        return None
    return source == target or target in moves[source]
