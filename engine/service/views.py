"""JSON-friendly views of claims and errors, shared by the CLI and the HTTP API (Decimals as strings)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..domain.model import AuditEntry, Claim, ClaimLine, OutboundDocument


def _v(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


def line_view(line: ClaimLine) -> dict:
    return {"line": line.line_no, "status": line.status, "item": line.item_code,
            "description": line.description, "quantity": _v(line.quantity), "amount": _v(line.amount),
            "claim_method": line.claim_method, "use_estimates": line.use_estimates,
            "return_material_required": line.return_material_required,
            "approved_quantity": _v(line.approved_quantity), "approved_amount": _v(line.approved_amount),
            "rejection_reason": line.rejection_reason, "rejection_text": line.rejection_text,
            "from_document_line": line.doc_line_id is not None}


def document_view(doc: OutboundDocument) -> dict:
    return {"kind": doc.kind, "number": doc.number, "line": doc.line_no, "status": doc.status,
            "amount": _v(doc.amount), "currency": doc.currency, "quantity": _v(doc.quantity),
            "created_at": _v(doc.created_at)}


def audit_view(entry: AuditEntry) -> dict:
    return {"at": _v(entry.at), "command": entry.command, "actor": entry.actor, "line": entry.line_no,
            "from": entry.from_status, "to": entry.to_status, "rule": entry.rule_id,
            "ruleset": entry.ruleset_hash}


def claim_summary(claim: Claim) -> dict:
    return {"company": claim.company_code, "number": claim.number, "status": claim.status,
            "customer": claim.customer_code, "origin": claim.origin, "document": claim.document_number,
            "lines": len(claim.lines), "currency": claim.currency,
            "amount": _v(sum((ln.amount for ln in claim.lines), Decimal("0"))), "version": claim.version}


def claim_view(claim: Claim, audit: list[AuditEntry] | None = None) -> dict:
    out = claim_summary(claim)
    out.update({"invoice_procedure": claim.invoice_procedure, "partially_approved": claim.partially_approved,
                "document_type": claim.document_type, "internal_text": claim.internal_text,
                "source_ref": claim.source_ref, "ruleset": claim.ruleset_hash, "created_at": _v(claim.created_at),
                "lines": [line_view(ln) for ln in claim.lines],
                "documents": [document_view(d) for d in claim.documents]})
    if audit is not None:
        out["audit"] = [audit_view(a) for a in audit]
    return out
