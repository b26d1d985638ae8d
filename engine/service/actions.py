"""The named actions rules may call, applied to the claim aggregate in memory.

Each returns True when it changed something; the evaluation loop repeats until nothing changes.
Status changes are noted for the audit trail; documents for outside modules come with an outbox event.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..domain.errors import EvaluationFailed
from ..domain.model import Claim, OutboundDocument, OutboxEvent
from ..domain.statuses import OutboundKind, OutboundStatus
from ..rulebook.model import Action
from .commands import ClaimCommand
from .facts import approval_values


@dataclass(frozen=True)
class StatusChange:
    rule_id: str
    line_no: int | None
    from_status: str
    to_status: str


@dataclass
class Effects:
    """What one command did: status changes (for the audit trail) and integration events."""
    changes: list[StatusChange] = field(default_factory=list)
    events: list[OutboxEvent] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)


@dataclass
class ActionContext:
    claim: Claim
    command: ClaimCommand
    now: datetime
    effects: Effects
    rule_id: str = ""
    line_no: int | None = None

    def line(self):
        return self.claim.line(self.line_no)


def set_claim_status(ctx: ActionContext, status: str) -> bool:
    if ctx.claim.status == status:
        return False
    ctx.effects.changes.append(StatusChange(ctx.rule_id, None, ctx.claim.status, status))
    ctx.claim.status = status
    return True


def set_line_status(ctx: ActionContext, status: str) -> bool:
    line = ctx.line()
    if line.status == status:
        return False
    ctx.effects.changes.append(StatusChange(ctx.rule_id, line.line_no, line.status, status))
    line.status = status
    return True


def set_claim_flags(ctx: ActionContext, flags: dict) -> bool:
    changed = False
    for name, value in flags.items():
        if getattr(ctx.claim, name) != value:
            setattr(ctx.claim, name, value)
            changed = True
    return changed


def record_approval(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    line.approved_quantity, line.approved_amount = approval_values(line, ctx.command)
    return True


def record_rejection(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    line.rejection_reason, line.rejection_text = ctx.command.reason, ctx.command.text or None
    return True


def request_credit_note(ctx: ActionContext, _arg) -> bool:
    """Ask Invoicing for a credit note of the line's approved amount (one live note per line)."""
    claim, line = ctx.claim, ctx.line()
    if claim.live_credit_note(line.line_no):
        return False  # never a second credit note for the same line
    amount = line.approved_amount if line.approved_amount is not None else line.amount
    serial = len(claim.documents_of(line.line_no)) + 1
    doc = OutboundDocument(kind=OutboundKind.CREDIT_NOTE, number=f"CN-{claim.number}-{line.line_no}-{serial}",
                           line_no=line.line_no, amount=amount, currency=claim.currency,
                           quantity=line.approved_quantity or line.quantity, created_at=ctx.now)
    claim.documents.append(doc)
    ctx.effects.events.append(OutboxEvent("invoicing.credit_note_requested", {
        "company": claim.company_code, "claim": claim.number, "line": line.line_no,
        "credit_note": doc.number, "amount": str(amount), "currency": claim.currency,
        "customer": claim.customer_code}, ctx.now))
    return True


def _set_credit_note(ctx: ActionContext, status: str) -> bool:
    doc = ctx.claim.live_credit_note(ctx.line_no)
    if doc is None or doc.status == status:
        return False
    doc.status = status
    return True


def finalize_credit_note(ctx: ActionContext, _arg) -> bool:
    return _set_credit_note(ctx, OutboundStatus.FINAL)


def void_credit_note(ctx: ActionContext, _arg) -> bool:
    changed = _set_credit_note(ctx, OutboundStatus.VOIDED)
    if changed:
        ctx.effects.events.append(OutboxEvent("invoicing.credit_note_voided", {
            "company": ctx.claim.company_code, "claim": ctx.claim.number, "line": ctx.line_no}, ctx.now))
    return changed


REGISTRY = {
    "set_claim_status": set_claim_status,
    "set_line_status": set_line_status,
    "set_claim_flags": set_claim_flags,
    "record_approval": record_approval,
    "record_rejection": record_rejection,
    "request_credit_note": request_credit_note,
    "finalize_credit_note": finalize_credit_note,
    "void_credit_note": void_credit_note,
}


def apply_action(ctx: ActionContext, action: Action) -> bool:
    try:
        return REGISTRY[action.name](ctx, action.argument)
    except EvaluationFailed:
        raise
    except Exception as exc:  # a failing action fails the whole command; nothing is committed
        raise EvaluationFailed(f"action {action.name} of rule {ctx.rule_id} failed: {exc}",
                               code="action_failed") from exc
