"""Turns a claim, its company's parameters and a command into the facts the rules read.

Everything the rules compare is precomputed here (counts, sums, "is everything received at the
service department"): the engine has no aggregates, and precomputing keeps rules readable.
"""
from __future__ import annotations

from decimal import Decimal

from ..domain.model import Claim, ClaimLine
from ..domain.money import round_money
from ..domain.statuses import (ORDER_KINDS, InspectionStatus, LineStatus, MaterialType, OutboundKind,
                               OutboundStatus, ReceiptStatus)
from ..rulebook.facts import FactSet
from .commands import ClaimCommand

_FINAL_LINE = {LineStatus.SETTLED, LineStatus.REJECTED, LineStatus.CANCELED}
ZERO = Decimal("0")


def build_facts(claim: Claim, parameters: dict, command: ClaimCommand | None) -> FactSet:
    """Facts for one pass; without a command, the facts of a derived pass."""
    selected = selected_lines(claim, command)
    return FactSet(
        claim_key=claim.number,
        command=_command_fact(claim, command) if command else {},
        parameters=dict(parameters),
        claim=_claim_fact(claim),
        lines=[_line_fact(claim, ln, ln.line_no in selected, command) for ln in claim.lines],
    )


def selected_lines(claim: Claim, command: ClaimCommand | None) -> set[int]:
    """The lines a command is about: named line, the line of a named document or inspection, or all."""
    if command is None:
        return set()
    if command.inspection_number:
        found = claim.inspection(command.inspection_number)
        return {found.line_no} if found else set()
    if command.document_number and command.line_no is None:
        doc = claim.document(command.document_number)
        return {doc.line_no} if doc else set()
    if command.line_no is not None:
        return {command.line_no}
    return {ln.line_no for ln in claim.lines}


def _command_fact(claim: Claim, command: ClaimCommand) -> dict:
    inspection = claim.inspection(command.inspection_number) if command.inspection_number else None
    return {"name": command.name, "actor": command.actor, "line_no": command.line_no or 0,
            "reason": command.reason or "", "text": command.text or "",
            "approved_quantity": command.approved_quantity, "approved_amount": command.approved_amount,
            "document_number": command.document_number,
            "quantity": command.quantity if command.quantity is not None else ZERO,
            "amount": command.amount if command.amount is not None else ZERO,
            "measurement_type": command.measurement_type or "", "decision": command.decision or "none",
            "override_canceled_supplier_claim": command.override_canceled_supplier_claim,
            "final_invoice": command.final_invoice, "approved_in_ap": command.approved_in_ap,
            "finalized_in_gl": command.finalized_in_gl,
            "inspection_open": bool(inspection and inspection.status == InspectionStatus.OPEN),
            "document_status": _named_document_status(claim, command)}


def _named_document_status(claim: Claim, command: ClaimCommand) -> str:
    doc = claim.document(command.document_number) if command.document_number else None
    return doc.status if doc else "none"


def _claim_fact(claim: Claim) -> dict:
    lines, docs = claim.lines, claim.documents
    return {
        "number": claim.number, "status": claim.status, "origin": claim.origin,
        "invoice_procedure": claim.invoice_procedure, "partially_approved": claim.partially_approved,
        "has_document": claim.document_id is not None, "document_type": claim.document_type or "none",
        "currency": claim.currency, "line_count": len(lines),
        "undecided_lines": sum(1 for ln in lines if ln.undecided),
        "approved_lines": sum(1 for ln in lines if ln.approved),
        "rejected_lines": sum(1 for ln in lines if ln.status == LineStatus.REJECTED),
        "canceled_lines": sum(1 for ln in lines if ln.status == LineStatus.CANCELED),
        "unsettled_lines": sum(1 for ln in lines if ln.status not in _FINAL_LINE),
        "open_documents": sum(1 for d in docs if d.status == OutboundStatus.OPEN),
        "final_documents": sum(1 for d in docs if d.status == OutboundStatus.FINAL),
        "open_orders": sum(1 for d in docs if d.kind in ORDER_KINDS and d.status == OutboundStatus.OPEN),
        "open_inspections": sum(1 for i in claim.inspections if i.status == InspectionStatus.OPEN),
        "total_amount": sum((ln.amount for ln in lines), ZERO),
        "has_call": claim.call_number is not None, "call_status": _call_status(claim),
        "posted_to_history": claim.posted_to_history,
    }


def _call_status(claim: Claim) -> str:
    """The service sets `call_status` on the loaded claim from the calls table (it is not a claim
    column: the call is another aggregate); a claim from a call is at least transferred."""
    return getattr(claim, "call_status", None) or ("transferred" if claim.call_number else "none")


def document_state(claim: Claim, line_no: int, kind: str, material_type: str | None = None) -> str:
    """The live document's status; 'voided' when only voided ones exist; 'none' when none."""
    docs = [d for d in claim.documents_of(line_no, kind)
            if material_type is None or d.material_type == material_type]
    live = next((d for d in docs if d.status != OutboundStatus.VOIDED), None)
    if live:
        return live.status
    return "voided" if docs else "none"


def credit_note_state(claim: Claim, line_no: int) -> tuple[str, Decimal | None]:
    live = claim.live_credit_note(line_no)
    return (live.status, live.amount) if live else (document_state(claim, line_no, OutboundKind.CREDIT_NOTE), None)


def approvable(line: ClaimLine) -> tuple[Decimal, Decimal]:
    """The most that can be approved: the claimed quantity, or what was received once receipts
    were terminated (DOMAIN 5.5); the amount follows pro rata, rounded half up to cents."""
    if line.receipt_status == ReceiptStatus.TERMINATED and line.received_quantity < line.quantity:
        quantity = line.received_quantity
        return quantity, round_money(line.amount * quantity / line.quantity) if line.quantity else ZERO
    return line.quantity, line.amount


def approval_values(line: ClaimLine, command: ClaimCommand | None) -> tuple[Decimal, Decimal]:
    """What an approval would record: the command's values, else values set beforehand, else
    everything that can be approved. A quantity without an amount approves the pro-rata amount."""
    max_q, max_a = approvable(line)
    mine = command is not None and (command.line_no is None or command.line_no == line.line_no)
    quantity = command.approved_quantity if mine and command.approved_quantity is not None else None
    amount = command.approved_amount if mine and command.approved_amount is not None else None
    if quantity is None and amount is None:
        quantity, amount = line.approved_quantity, line.approved_amount
    if quantity is None:
        quantity = max_q
    if amount is None:
        amount = max_a if quantity == max_q else (round_money(max_a * quantity / max_q) if max_q else ZERO)
    return quantity, amount


def _supplier_claim(claim: Claim, line_no: int) -> str:
    doc = claim.live_document(line_no, OutboundKind.SUPPLIER_CLAIM_REQUEST)
    if doc is None:
        return "none"
    return doc.attributes.get("decision") or "open"


def _invoice_facts(claim: Claim, line_no: int) -> dict:
    invoices = [d for d in claim.documents_of(line_no, OutboundKind.PURCHASE_INVOICE) if d.status != OutboundStatus.VOIDED]
    pending = sum(1 for d in invoices if not _finance_done(d))
    return {"invoices_linked": len(invoices),
            "final_invoice_linked": any(d.attributes.get("final_invoice") for d in invoices),
            "invoices_pending_finance": pending,
            "linked_amount": sum((d.amount for d in invoices), ZERO)}


def _finance_done(doc) -> bool:
    """Cost invoices must be finalized in GL; order-related ones approved in AP (DOMAIN item 61)."""
    if doc.attributes.get("invoice_kind", "cost") == "order":
        return bool(doc.attributes.get("approved_in_ap"))
    return bool(doc.attributes.get("finalized_in_gl"))


def _finalized_documents(claim: Claim, line: ClaimLine) -> int:
    """Documents a cancel can no longer undo: a finalized credit note, a shipped delivery, a
    purchase invoice already finalized in the general ledger (DOMAIN 2.4)."""
    count = 0
    for doc in claim.documents_of(line.line_no, OutboundKind.CREDIT_NOTE):
        count += doc.status == OutboundStatus.FINAL
    for doc in claim.documents_of(line.line_no, OutboundKind.MATERIAL_DELIVERY):
        count += doc.status == OutboundStatus.FINAL
    for doc in claim.documents_of(line.line_no, OutboundKind.PURCHASE_INVOICE):
        count += bool(doc.attributes.get("finalized_in_gl"))
    return count


def _line_fact(claim: Claim, line: ClaimLine, selected: bool, command: ClaimCommand | None) -> dict:
    no = line.line_no
    credit_note, credit_amount = credit_note_state(claim, no)
    approval_q, approval_a = approval_values(line, command)
    max_q, max_a = approvable(line)
    inspections = claim.inspections_of(no)
    invoices = _invoice_facts(claim, no)
    disposed = any(claim.documents_of(no, k) for k in (OutboundKind.OWNERSHIP_CHANGE, OutboundKind.SCRAP)) or \
        document_state(claim, no, OutboundKind.MATERIAL_DELIVERY, MaterialType.RETURN_MATERIAL) != "none"
    return {
        "line_no": no, "status": line.status, "selected": selected, "item": line.item_code,
        "claim_method": line.claim_method, "use_estimates": line.use_estimates,
        "return_material_required": line.return_material_required,
        "has_document": line.doc_line_id is not None,
        "quantity": line.quantity, "amount": line.amount,
        "approvable_quantity": max_q, "approvable_amount": max_a,
        "approval_quantity": approval_q, "approval_amount": approval_a,
        "approved_quantity": line.approved_quantity, "approved_amount": line.approved_amount,
        "credit_note": credit_note, "credit_note_amount": credit_amount,
        "approved_values_set": line.approved_quantity is not None and not line.approved,
        "generate_supplier_claim": line.generate_supplier_claim,
        "wait_on_supplier_approval": line.wait_on_supplier_approval,
        "supplier_claim": _supplier_claim(claim, no),
        "inspection_required": line.inspection_required,
        "inspections": len(inspections),
        "open_inspections": sum(1 for i in inspections if i.status == InspectionStatus.OPEN),
        "approval_action": line.approval_action, "rejection_action": line.rejection_action,
        "tagged_to": line.tagged_to, "estimate": line.estimate_status, "receipt": line.receipt_status,
        "received_quantity": line.received_quantity,
        "receivable_quantity": line.quantity - line.received_quantity,
        "delivered_quantity": line.delivered_quantity,
        "at_service": line.received_quantity > 0 and line.delivered_quantity >= line.received_quantity,
        "print_rma": line.print_rma,
        "material_delivery": document_state(claim, no, OutboundKind.MATERIAL_DELIVERY, MaterialType.REIMBURSE_MATERIAL),
        "return_delivery": document_state(claim, no, OutboundKind.MATERIAL_DELIVERY, MaterialType.RETURN_MATERIAL),
        "item_disposed": disposed,
        "cost_registered": bool(claim.documents_of(no, OutboundKind.WARRANTY_COST)
                                or claim.documents_of(no, OutboundKind.CONTRACT_COST_COVERAGE)),
        **invoices,
        "open_orders": sum(1 for d in claim.documents if d.line_no == no and d.kind in ORDER_KINDS
                           and d.status == OutboundStatus.OPEN),
        "finalized_documents": _finalized_documents(claim, line),
        **_gates(claim, line),
        "linkable_amount": (line.approved_amount or ZERO) - invoices["linked_amount"],
    }


def _gates(claim: Claim, line: ClaimLine) -> dict:
    """Which pre-approval gates still hold the line (the rules route it in the order of DOMAIN 2.2)."""
    received_all = line.receipt_status in (ReceiptStatus.RECEIVED, ReceiptStatus.TERMINATED)
    at_service = line.delivered_quantity >= line.received_quantity
    supplier = _supplier_claim(claim, line.line_no)
    return {
        "estimates_pending": line.use_estimates and line.estimate_status != "approved",
        "material_pending": line.return_material_required and not (received_all and at_service),
        "supplier_pending": (line.generate_supplier_claim and line.wait_on_supplier_approval
                             and supplier not in ("approved", "rejected")),
    }
