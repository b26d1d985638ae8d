"""JSON-friendly views of claims and errors, shared by the CLI and the HTTP API (Decimals as strings)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..domain.model import AuditEntry, Claim, ClaimLine, Inspection, OutboundDocument


def _v(value):
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def _plain(value: Decimal) -> str:
    """Stored values carry 4 decimals; show them without trailing zeros (2 for amounts: money())."""
    text = format(value.normalize(), "f")
    return text


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def line_view(line: ClaimLine) -> dict:
    return {"line": line.line_no, "status": line.status, "item": line.item_code,
            "description": line.description, "quantity": _v(line.quantity), "amount": money(line.amount),
            "claim_method": line.claim_method, "use_estimates": line.use_estimates,
            "return_material_required": line.return_material_required,
            "approved_quantity": _v(line.approved_quantity), "approved_amount": money(line.approved_amount),
            "rejection_reason": line.rejection_reason, "rejection_text": line.rejection_text,
            "approval_reason": line.approval_reason,
            "from_document_line": line.doc_line_id is not None,
            "generate_supplier_claim": line.generate_supplier_claim,
            "wait_on_supplier_approval": line.wait_on_supplier_approval,
            "inspection_required": line.inspection_required, "approval_action": line.approval_action,
            "rejection_action": line.rejection_action, "tagged_to": line.tagged_to,
            "estimate": {"status": line.estimate_status, "quantity": _v(line.estimate_quantity),
                         "amount": money(line.estimate_amount)},
            "receipt": {"status": line.receipt_status, "received_quantity": _v(line.received_quantity),
                        "delivered_to_service": _v(line.delivered_quantity), "print_rma": line.print_rma}}


def document_view(doc: OutboundDocument) -> dict:
    return {"kind": doc.kind, "number": doc.number, "line": doc.line_no, "status": doc.status,
            "amount": money(doc.amount), "currency": doc.currency, "quantity": _v(doc.quantity),
            "material_type": doc.material_type, "attributes": dict(doc.attributes or {}),
            "created_at": _v(doc.created_at)}


def inspection_view(ins: Inspection) -> dict:
    return {"number": ins.number, "line": ins.line_no, "measurement_type": ins.measurement_type,
            "origin": ins.origin, "status": ins.status, "result_text": ins.result_text,
            "created_at": _v(ins.created_at)}


def audit_view(entry: AuditEntry) -> dict:
    return {"at": _v(entry.at), "command": entry.command, "actor": entry.actor, "line": entry.line_no,
            "from": entry.from_status, "to": entry.to_status, "rule": entry.rule_id,
            "ruleset": entry.ruleset_hash}


def claim_summary(claim: Claim) -> dict:
    return {"company": claim.company_code, "number": claim.number, "status": claim.status,
            "customer": claim.customer_code, "origin": claim.origin, "document": claim.document_number,
            "lines": len(claim.lines), "currency": claim.currency,
            "amount": money(sum((ln.amount for ln in claim.lines), Decimal("0"))), "version": claim.version}


def claim_view(claim: Claim, audit: list[AuditEntry] | None = None) -> dict:
    out = claim_summary(claim)
    out.update({"invoice_procedure": claim.invoice_procedure, "partially_approved": claim.partially_approved,
                "document_type": claim.document_type, "internal_text": claim.internal_text,
                "source_ref": claim.source_ref, "ruleset": claim.ruleset_hash, "created_at": _v(claim.created_at),
                "call": claim.call_number, "cancel_reason": claim.cancel_reason, "cancel_text": claim.cancel_text,
                "canceled_at": _v(claim.canceled_at), "posted_to_history": claim.posted_to_history,
                "lines": [line_view(ln) for ln in claim.lines],
                "documents": [document_view(d) for d in claim.documents],
                "inspections": [inspection_view(i) for i in claim.inspections]})
    if audit is not None:
        out["audit"] = [audit_view(a) for a in audit]
    return out
