"""The vocabulary rule files may use: fact kinds with typed fields, commands and named actions.

Rule files name only what is listed here; the compiler checks every field, value type, status and
action against it before anything reaches the engine (the engine itself would compare "50" > 100
as true and accept unknown operators silently).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.statuses import (ClaimMethod, ClaimOrigin, DocumentType, HeaderStatus,
                               InvoiceProcedure, LineStatus, OutboundStatus)


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
    "submit", "approve_claim", "approve_line", "reject_claim", "reject_line",
    "finalize_credit_note", "void_credit_note", "close", "cancel",
)
HEADER_STATUSES = tuple(s.value for s in HeaderStatus)
LINE_STATUSES = tuple(s.value for s in LineStatus)
CREDIT_NOTE_STATES = ("none",) + tuple(s.value for s in OutboundStatus)

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
    },
    "parameters": {
        "use_claim_history": BOOL,
        "inventory_allocations_required": BOOL,
        "document_approval": BOOL,
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
        "total_amount": DECIMAL,
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
)}

CLAIM_FLAGS = {"partially_approved": BOOL}
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "matches", "exists")
