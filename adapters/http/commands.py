"""The lifecycle commands the API publishes: one entry each (route name, body, roles, service command)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pydantic import BaseModel

from ...engine.domain.errors import InvalidInput
from ...engine.service.commands import EDITABLE_LINE_FIELDS
from .schemas import (ApproveIn, CancelIn, CreditNoteIn, FinalizeCreditNoteIn, InspectionIn, InspectionResultIn,
                      LineIn, LinkInvoiceIn, ModifyClaimIn, ModifyLineIn, NoArguments, OrderIn, ReceiptIn, RejectIn,
                      SetApprovedIn, SupplierDecisionIn, UpdateInvoiceIn, decimal)

HANDLERS = ("claim_handler", "approver")
APPROVERS = ("approver",)
INTEGRATIONS = ("integration",)


@dataclass(frozen=True)
class CommandRoute:
    """POST /companies/{company}/claims/{number}/commands/{name} runs `to_command(body)` for `roles`."""
    name: str
    body: type[BaseModel]
    roles: tuple[str, ...]
    summary: str
    to_command: Callable[[BaseModel], dict]


def _approve(body: ApproveIn) -> dict:
    if body.line is None and (body.quantity is not None or body.amount is not None):
        raise InvalidInput("quantity and amount need a line", code="invalid_option")
    return {"name": "approve_line" if body.line is not None else "approve_claim", "line_no": body.line,
            "approved_quantity": decimal(body.quantity), "approved_amount": decimal(body.amount),
            "reason": body.reason.strip(), "override_canceled_supplier_claim": body.override_canceled_supplier_claim}


def _reject(body: RejectIn) -> dict:
    return {"name": "reject_line" if body.line is not None else "reject_claim", "line_no": body.line,
            "reason": body.reason.strip(), "text": body.text}


def _line(name: str):
    return lambda b: {"name": name, "line_no": b.line}


def _changes(body: ModifyLineIn) -> dict:
    """Typed edits: the body carries decimals as text, flags as booleans, codes as text."""
    changes = {}
    for field, value in body.changes.items():
        expected = EDITABLE_LINE_FIELDS.get(field)
        if expected is None:
            raise InvalidInput(f"'{field}' cannot be edited (editable: {', '.join(EDITABLE_LINE_FIELDS)})",
                               code="field_not_editable")
        if expected is bool and not isinstance(value, bool) or expected is not bool and isinstance(value, bool):
            raise InvalidInput(f"'{field}' needs a {expected.__name__}", code="invalid_option")
        changes[field] = decimal(value) if expected.__name__ == "Decimal" else value
    return {"name": "modify_line", "line_no": body.line, "changes": changes}


def _invoice(body) -> dict:
    return {"document_number": body.invoice, "final_invoice": body.final, "approved_in_ap": body.approved_in_ap,
            "finalized_in_gl": body.finalized_in_gl}


COMMANDS: tuple[CommandRoute, ...] = (
    CommandRoute("submit", NoArguments, HANDLERS, "Submit the claim: its lines go to their gates.",
                 lambda b: {"name": "submit"}),
    CommandRoute("approve", ApproveIn, APPROVERS, "Approve the whole claim, or one line (optionally partly).",
                 _approve),
    CommandRoute("reject", RejectIn, APPROVERS, "Reject the whole claim, or one line, with a reason.", _reject),
    CommandRoute("close", NoArguments, HANDLERS, "Close a decided claim whose lines are all final.",
                 lambda b: {"name": "close"}),
    CommandRoute("finalize-credit-note", FinalizeCreditNoteIn, INTEGRATIONS,
                 "Invoicing finalized a credit note of the claim: the line is settled by the rules.",
                 lambda b: {"name": "finalize_credit_note", "document_number": b.credit_note}),
    # handlers
    CommandRoute("modify-claim", ModifyClaimIn, HANDLERS, "Edit header fields while the claim is free.",
                 lambda b: {"name": "modify_claim", "changes": dict(b.changes)}),
    CommandRoute("modify-line", ModifyLineIn, HANDLERS, "Edit a line; a submitted claim becomes Modified.", _changes),
    CommandRoute("set-approved", SetApprovedIn, APPROVERS, "Preset a line's approved quantity/amount.",
                 lambda b: {"name": "set_approved_values", "line_no": b.line,
                            "approved_quantity": decimal(b.quantity), "approved_amount": decimal(b.amount)}),
    CommandRoute("approve-estimates", LineIn, APPROVERS, "Approve a line's estimates.", _line("approve_estimates")),
    CommandRoute("add-inspection", InspectionIn, HANDLERS, "Add an inspection to a line by hand.",
                 lambda b: {"name": "add_inspection", "line_no": b.line, "measurement_type": b.measurement_type}),
    CommandRoute("terminate-receipts", LineIn, HANDLERS, "Terminate a line's open receipts.",
                 _line("terminate_receipts")),
    CommandRoute("approve-for-invoice-linking", LineIn, APPROVERS, "Approve an invoice-based line for linking.",
                 _line("approve_for_invoice_linking")),
    CommandRoute("settle", LineIn, APPROVERS, "Settle an invoice-linked line by hand.", _line("settle_line")),
    CommandRoute("print-rma", LineIn, HANDLERS, "Print (or reprint) a line's RMA.", _line("print_rma")),
    CommandRoute("cancel", CancelIn, APPROVERS, "Cancel while every downstream document can be undone.",
                 lambda b: {"name": "cancel", "reason": b.reason.strip(), "text": b.text}),
    CommandRoute("post-to-history", NoArguments, HANDLERS, "Copy a closed claim to history.",
                 lambda b: {"name": "post_to_history"}),
    CommandRoute("delete", NoArguments, APPROVERS, "Delete a closed claim (after history when it is used).",
                 lambda b: {"name": "delete"}),
    # outside modules' answers
    CommandRoute("void-credit-note", CreditNoteIn, INTEGRATIONS, "Invoicing voided a credit note.",
                 lambda b: {"name": "void_credit_note", "document_number": b.credit_note}),
    CommandRoute("book-receipt", ReceiptIn, INTEGRATIONS, "Warehousing received returned material.",
                 lambda b: {"name": "book_receipt", "line_no": b.line, "quantity": decimal(b.quantity)}),
    CommandRoute("deliver-to-service", InspectionIn, INTEGRATIONS,
                 "Warehousing delivered the received item to the service department.",
                 lambda b: {"name": "deliver_to_service", "line_no": b.line, "measurement_type": b.measurement_type}),
    CommandRoute("confirm-shipment", OrderIn, INTEGRATIONS, "Warehousing confirmed a delivery's shipment.",
                 lambda b: {"name": "confirm_shipment", "document_number": b.order}),
    CommandRoute("complete-inspection", InspectionResultIn, INTEGRATIONS, "An inspection was completed.",
                 lambda b: {"name": "complete_inspection", "inspection_number": b.inspection, "text": b.text}),
    CommandRoute("reject-inspection", InspectionResultIn, INTEGRATIONS, "An inspection was rejected.",
                 lambda b: {"name": "reject_inspection", "inspection_number": b.inspection, "text": b.text}),
    CommandRoute("supplier-decision", SupplierDecisionIn, INTEGRATIONS, "The supplier decided its claim.",
                 lambda b: {"name": "supplier_decision", "line_no": b.line, "decision": b.decision}),
    CommandRoute("link-invoice", LinkInvoiceIn, INTEGRATIONS, "Accounts Payable linked a purchase invoice line.",
                 lambda b: {"name": "link_purchase_invoice", "line_no": b.line, "amount": decimal(b.amount),
                            "invoice_kind": b.kind, **_invoice(b)}),
    CommandRoute("update-invoice", UpdateInvoiceIn, INTEGRATIONS,
                 "Accounts Payable / General Ledger report a linked invoice final, approved or finalized.",
                 lambda b: {"name": "update_purchase_invoice", **_invoice(b)}),
)
