"""Turns a claim, its company's parameters and a command into the facts the rules read."""
from __future__ import annotations

from decimal import Decimal

from ..domain.model import Claim, ClaimLine
from ..domain.money import round_money
from ..domain.statuses import LineStatus, OutboundStatus
from ..rulebook.facts import FactSet
from .commands import ClaimCommand

_FINAL_LINE = {LineStatus.SETTLED, LineStatus.REJECTED, LineStatus.CANCELED}


def build_facts(claim: Claim, parameters: dict, command: ClaimCommand | None) -> FactSet:
    """Facts for one pass; without a command, the facts of a derived pass."""
    selected = _selected_lines(claim, command)
    return FactSet(
        claim_key=claim.number,
        command=_command_fact(command) if command else {},
        parameters=dict(parameters),
        claim=_claim_fact(claim),
        lines=[_line_fact(claim, ln, ln.line_no in selected, command) for ln in claim.lines],
    )


def _selected_lines(claim: Claim, command: ClaimCommand | None) -> set[int]:
    if command is None:
        return set()
    if command.document_number:
        doc = claim.document(command.document_number)
        return {doc.line_no} if doc else set()
    if command.line_no is not None:
        return {command.line_no}
    return {ln.line_no for ln in claim.lines}


def _command_fact(command: ClaimCommand) -> dict:
    return {"name": command.name, "actor": command.actor, "line_no": command.line_no or 0,
            "reason": command.reason or "", "text": command.text or "",
            "approved_quantity": command.approved_quantity, "approved_amount": command.approved_amount,
            "document_number": command.document_number}


def _claim_fact(claim: Claim) -> dict:
    lines = claim.lines
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
        "open_documents": sum(1 for d in claim.documents if d.status == OutboundStatus.OPEN),
        "final_documents": sum(1 for d in claim.documents if d.status == OutboundStatus.FINAL),
        "total_amount": sum((ln.amount for ln in lines), Decimal("0")),
    }


def credit_note_state(claim: Claim, line_no: int) -> tuple[str, Decimal | None]:
    """The line's live credit note status; 'voided' when only voided ones exist, 'none' when none."""
    live = claim.live_credit_note(line_no)
    if live:
        return live.status, live.amount
    return ("voided", None) if claim.documents_of(line_no) else ("none", None)


def approval_values(line: ClaimLine, command: ClaimCommand | None) -> tuple[Decimal, Decimal]:
    """What an approval would record: the command's values, else everything that can be approved.
    A quantity without an amount approves the pro-rata amount (rounded half up to cents)."""
    quantity, amount = line.quantity, line.amount
    if command is None or (command.line_no is not None and command.line_no != line.line_no):
        return quantity, amount
    if command.approved_quantity is not None:
        approved_q = command.approved_quantity
        approved_a = command.approved_amount
        if approved_a is None:
            approved_a = round_money(amount * approved_q / quantity) if quantity else Decimal("0")
        return approved_q, approved_a
    if command.approved_amount is not None:
        return quantity, command.approved_amount
    return quantity, amount


def _line_fact(claim: Claim, line: ClaimLine, selected: bool, command: ClaimCommand | None) -> dict:
    credit_note, credit_amount = credit_note_state(claim, line.line_no)
    approval_q, approval_a = approval_values(line, command)
    return {
        "line_no": line.line_no, "status": line.status, "selected": selected, "item": line.item_code,
        "claim_method": line.claim_method, "use_estimates": line.use_estimates,
        "return_material_required": line.return_material_required,
        "has_document": line.doc_line_id is not None,
        "quantity": line.quantity, "amount": line.amount,
        "approvable_quantity": line.quantity, "approvable_amount": line.amount,
        "approval_quantity": approval_q, "approval_amount": approval_a,
        "approved_quantity": line.approved_quantity, "approved_amount": line.approved_amount,
        "credit_note": credit_note, "credit_note_amount": credit_amount,
    }
