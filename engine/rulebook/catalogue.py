"""The vocabulary rule files may use: fact kinds with typed fields, commands and named actions.

Rule files name only what is listed here; the compiler checks every field, value type, status and
action against it before anything reaches the engine (the engine itself would compare "50" > 100
as true and accept unknown operators silently).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.statuses import (CallStatus, ClaimMethod, ClaimOrigin, DocumentType, EstimateStatus,
                               HeaderStatus, InvoiceProcedure, ItemAction, LineStatus, OutboundStatus,
                               ReceiptStatus, RmaStatus, SupplierDecision, TaggedTo)


@dataclass(frozen=True)
class FieldType:
    """A field's type: bool, int, decimal (exact, for amounts and quantities), string or enum.

    An optional field may be absent from a fact; only optional fields may be tested with `exists`,
    and no reference may point at one (the engine fails with error 311 on a reference to an absent
    field).
    """
    kind: str
    values: tuple[str, ...] = ()
    optional: bool = False

    def maybe(self) -> "FieldType":
        return FieldType(self.kind, self.values, optional=True)

    def describe(self) -> str:
        return f"one of {', '.join(self.values)}" if self.kind == "enum" else self.kind


BOOL, INT, DECIMAL, STRING = FieldType("bool"), FieldType("int"), FieldType("decimal"), FieldType("string")


def enum(*values: str) -> FieldType:
    return FieldType("enum", tuple(values))


COMMANDS = (
    # claim handlers
    "submit", "modify_claim", "modify_line", "set_approved_values", "approve_estimates", "add_inspection",
    "approve_claim", "approve_line", "reject_claim", "reject_line", "terminate_receipts",
    "approve_for_invoice_linking", "settle_line", "print_rma", "cancel", "close",
    "post_to_history", "delete",
    # outside modules' answers
    "finalize_credit_note", "void_credit_note",                      # Invoicing
    "book_receipt", "deliver_to_service", "confirm_shipment",        # Warehousing
    "complete_inspection", "reject_inspection",                      # Inspections
    "supplier_decision",                                             # Purchasing (supplier claim)
    "link_purchase_invoice", "update_purchase_invoice",              # Accounts Payable / General Ledger
)
HEADER_STATUSES = tuple(s.value for s in HeaderStatus)
LINE_STATUSES = tuple(s.value for s in LineStatus)
CREDIT_NOTE_STATES = ("none",) + tuple(s.value for s in OutboundStatus)
DOCUMENT_STATES = CREDIT_NOTE_STATES
SUPPLIER_CLAIM_STATES = ("none", "open") + tuple(d.value for d in SupplierDecision)
ITEM_ACTIONS = tuple(a.value for a in ItemAction)

FACTS: dict[str, dict[str, FieldType]] = {
    "command": {
        "name": enum(*COMMANDS),
        "actor": STRING,
        "line_no": INT,                      # 0 when the command is for the whole claim
        "reason": STRING,                    # "" when none was given
        "text": STRING,
        "approved_quantity": DECIMAL.maybe(),  # absent when not given
        "approved_amount": DECIMAL.maybe(),
        "document_number": STRING.maybe(),
        "quantity": DECIMAL,                 # received / delivered quantity; 0 when not given
        "amount": DECIMAL,                   # purchase invoice amount; 0 when not given
        "measurement_type": STRING,          # "" when none
        "decision": enum("none", *(d.value for d in SupplierDecision)),
        "override_canceled_supplier_claim": BOOL,
        "final_invoice": BOOL,
        "approved_in_ap": BOOL,
        "finalized_in_gl": BOOL,
        "inspection_open": BOOL,             # the inspection the command names is still open
        "document_status": enum(*DOCUMENT_STATES),  # status of the document the command names
    },
    "parameters": {
        "use_claim_history": BOOL,
        "inventory_allocations_required": BOOL,
        "document_approval": BOOL,
        "print_rma": BOOL,                   # receipts are created with Print RMA Required
    },
    "claim": {
        "number": STRING,
        "status": enum(*HEADER_STATUSES),
        "origin": enum(*(o.value for o in ClaimOrigin)),
        "invoice_procedure": enum(*(p.value for p in InvoiceProcedure)),
        "partially_approved": BOOL,
        "has_document": BOOL,
        "document_type": enum("none", *(d.value for d in DocumentType)),
        "currency": STRING,
        "line_count": INT,
        "undecided_lines": INT,              # free, modified or in a pending status
        "approved_lines": INT,               # approved, approved for invoice linking or settled
        "rejected_lines": INT,
        "canceled_lines": INT,
        "unsettled_lines": INT,              # not settled, rejected or canceled
        "open_documents": INT,               # outbound documents still open
        "final_documents": INT,              # outbound documents finalized by the outside module
        "open_orders": INT,                  # warehouse orders (receipt, service, delivery) still open
        "open_inspections": INT,
        "total_amount": DECIMAL,
        "has_call": BOOL,
        "call_status": enum("none", *(c.value for c in CallStatus)),
        "posted_to_history": BOOL,
    },
    "line": {
        "line_no": INT,
        "status": enum(*LINE_STATUSES),
        "selected": BOOL,                    # the command is about this line (or about all lines)
        "item": STRING,
        "claim_method": enum(*(m.value for m in ClaimMethod)),
        "use_estimates": BOOL,
        "return_material_required": BOOL,
        "has_document": BOOL,
        "quantity": DECIMAL,
        "amount": DECIMAL,
        "approvable_quantity": DECIMAL,      # the most that can be approved
        "approvable_amount": DECIMAL,
        "approval_quantity": DECIMAL,        # what this command would approve (its value or the most)
        "approval_amount": DECIMAL,
        "approved_quantity": DECIMAL.maybe(),  # absent until decided
        "approved_amount": DECIMAL.maybe(),
        "credit_note": enum(*CREDIT_NOTE_STATES),
        "credit_note_amount": DECIMAL.maybe(),
        "approved_values_set": BOOL,         # approved quantity/amount preset before the decision
        "generate_supplier_claim": BOOL,
        "wait_on_supplier_approval": BOOL,
        "supplier_claim": enum(*SUPPLIER_CLAIM_STATES),
        "inspection_required": BOOL,
        "inspections": INT,
        "open_inspections": INT,
        "approval_action": enum(*ITEM_ACTIONS),
        "rejection_action": enum(*ITEM_ACTIONS),
        "tagged_to": enum(*(t.value for t in TaggedTo)),
        "estimate": enum(*(e.value for e in EstimateStatus)),
        "receipt": enum(*(r.value for r in ReceiptStatus)),
        "received_quantity": DECIMAL,
        "receivable_quantity": DECIMAL,      # claimed minus received
        "delivered_quantity": DECIMAL,       # delivered to the service department
        "at_service": BOOL,                  # everything received is at the service department
        "print_rma": enum(*(r.value for r in RmaStatus)),
        "material_delivery": enum(*DOCUMENT_STATES),  # new material to the customer
        "return_delivery": enum(*DOCUMENT_STATES),    # the received item back to the customer
        "item_disposed": BOOL,               # ownership change, scrap or return recorded
        "cost_registered": BOOL,             # warranty cost / contract cost coverage recorded
        "invoices_linked": INT,
        "final_invoice_linked": BOOL,
        "invoices_pending_finance": INT,     # cost invoices not finalized in GL / order invoices not approved in AP
        "linked_amount": DECIMAL,
        "open_orders": INT,
        "finalized_documents": INT,          # documents a cancel can no longer undo
        "estimates_pending": BOOL,           # uses estimates that are not approved yet
        "material_pending": BOOL,            # material must come back and is not all at the service department
        "supplier_pending": BOOL,            # waits for a supplier decision (none yet, or canceled)
        "linkable_amount": DECIMAL,          # approved amount not yet covered by linked purchase invoices
    },
}

# Patterns are matched in this order; a reference may only point at an earlier kind or its own.
FACT_ORDER = ("command", "parameters", "claim", "line")


@dataclass(frozen=True)
class ActionSpec:
    """A named action: its argument type and whether it needs a line in the rule's `when`."""
    name: str
    argument: str                 # "header_status" | "line_status" | "flags" | "deny" | "none"
    needs_line: bool = False
    changes_state: bool = True


ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec("set_claim_status", "header_status"),
    ActionSpec("set_line_status", "line_status", needs_line=True),
    ActionSpec("set_claim_flags", "flags"),
    ActionSpec("deny", "deny", changes_state=False),
    ActionSpec("record_approval", "none", needs_line=True),
    ActionSpec("record_rejection", "none", needs_line=True),
    ActionSpec("request_credit_note", "none", needs_line=True),
    ActionSpec("finalize_credit_note", "none", needs_line=True),
    ActionSpec("void_credit_note", "none", needs_line=True),
    ActionSpec("create_estimate", "none", needs_line=True),
    ActionSpec("approve_estimate", "none", needs_line=True),
    ActionSpec("record_approved_values", "none", needs_line=True),
    ActionSpec("request_receipt", "none", needs_line=True),
    ActionSpec("mark_rma_to_be_printed", "none", needs_line=True),
    ActionSpec("record_receipt", "none", needs_line=True),
    ActionSpec("record_service_delivery", "none", needs_line=True),
    ActionSpec("create_inspection", "none", needs_line=True),
    ActionSpec("record_inspection_result", "none", needs_line=True),
    ActionSpec("terminate_receipts", "none", needs_line=True),
    ActionSpec("request_supplier_claim", "none", needs_line=True),
    ActionSpec("record_supplier_decision", "none", needs_line=True),
    ActionSpec("request_material_delivery", "none", needs_line=True),
    ActionSpec("record_inventory_allocation", "none", needs_line=True),
    ActionSpec("confirm_shipment", "none", needs_line=True),
    ActionSpec("take_ownership", "none", needs_line=True),
    ActionSpec("scrap_item", "none", needs_line=True),
    ActionSpec("return_item_to_customer", "none", needs_line=True),
    ActionSpec("print_rma", "none", needs_line=True),
    ActionSpec("register_warranty_cost", "none", needs_line=True),
    ActionSpec("register_contract_cost", "none", needs_line=True),
    ActionSpec("link_purchase_invoice", "none", needs_line=True),
    ActionSpec("update_purchase_invoice", "none", needs_line=True),
    ActionSpec("apply_line_changes", "none", needs_line=True),
    ActionSpec("apply_claim_changes", "none"),
    ActionSpec("cancel_open_documents", "none", needs_line=True),
    ActionSpec("record_cancellation", "none"),
    ActionSpec("post_to_history", "none"),
    ActionSpec("delete_claim", "none"),
    ActionSpec("solve_call", "none"),
)}

CLAIM_FLAGS = {"partially_approved": BOOL}
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "matches", "exists")
