"""The named actions rules may call, applied to the claim aggregate in memory.

Each returns True when it changed something; the evaluation loop repeats until nothing changes.
Status changes are noted for the audit trail; every document asked of an outside module comes with
an outbox event, written in the same transaction. Actions are idempotent by construction: each
checks the state it would create (one live document of a kind per line) before creating it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..domain.errors import EvaluationFailed
from ..domain.model import Claim, ClaimLine, Inspection, OutboundDocument, OutboxEvent
from ..domain.money import round_money
from ..domain.statuses import (ORDER_KINDS, EstimateStatus, InspectionStatus, MaterialType,
                               OutboundKind, OutboundStatus, ReceiptStatus, RmaStatus, TaggedTo)
from ..rulebook.model import Action
from .commands import ClaimCommand
from .facts import approval_values

WARRANTY_TAGS = {TaggedTo.REPAIR_WARRANTY, TaggedTo.SERIALIZED_ITEM_WARRANTY, TaggedTo.GENERIC_WARRANTY}


@dataclass(frozen=True)
class StatusChange:
    rule_id: str
    line_no: int | None
    from_status: str
    to_status: str


@dataclass
class Effects:
    """What one command did: status changes (audit trail), integration events, and requests the
    service carries out after the rules (post to history, delete, solve the call)."""
    changes: list[StatusChange] = field(default_factory=list)
    events: list[OutboxEvent] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    post_to_history: bool = False
    delete_claim: bool = False
    solve_call: bool = False


@dataclass
class ActionContext:
    claim: Claim
    command: ClaimCommand
    now: datetime
    effects: Effects
    rule_id: str = ""
    line_no: int | None = None

    def line(self) -> ClaimLine:
        return self.claim.line(self.line_no)

    def event(self, topic: str, **payload) -> None:
        base = {"company": self.claim.company_code, "claim": self.claim.number, "rule": self.rule_id}
        self.effects.events.append(OutboxEvent(topic, {**base, **payload}, self.now))

    def new_document(self, kind: str, amount: Decimal = Decimal("0"), quantity: Decimal = Decimal("0"),
                     status: str = OutboundStatus.OPEN, material_type: str | None = None,
                     number: str | None = None, **attributes) -> OutboundDocument:
        claim, line = self.claim, self.line()
        serial = len(claim.documents_of(line.line_no, kind)) + 1
        doc = OutboundDocument(kind=kind, number=number or f"{_PREFIX[kind]}-{claim.number}-{line.line_no}-{serial}",
                               line_no=line.line_no, amount=amount, currency=claim.currency, quantity=quantity,
                               status=status, created_at=self.now, material_type=material_type,
                               attributes=attributes)
        claim.documents.append(doc)
        self.event(f"{kind}.{'requested' if status == OutboundStatus.OPEN else 'recorded'}", line=line.line_no,
                   document=doc.number, amount=str(amount), quantity=str(quantity), currency=claim.currency,
                   material_type=material_type, customer=claim.customer_code, item=line.item_code)
        return doc


_PREFIX = {OutboundKind.CREDIT_NOTE: "CN", OutboundKind.RECEIPT_ORDER: "WR", OutboundKind.SERVICE_DELIVERY_ORDER: "WS",
           OutboundKind.MATERIAL_DELIVERY: "WD", OutboundKind.INVENTORY_ALLOCATION: "IA",
           OutboundKind.OWNERSHIP_CHANGE: "OC", OutboundKind.SCRAP: "SC", OutboundKind.RMA: "RMA",
           OutboundKind.SUPPLIER_CLAIM_REQUEST: "SCR", OutboundKind.PURCHASE_INVOICE: "PI",
           OutboundKind.WARRANTY_COST: "WC", OutboundKind.CONTRACT_COST_COVERAGE: "CC"}


# --- statuses and flags ---------------------------------------------------------------------------
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


# --- decisions ------------------------------------------------------------------------------------
def record_approval(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    line.approved_quantity, line.approved_amount = approval_values(line, ctx.command)
    line.approval_reason = ctx.command.reason or None
    return True


def record_approved_values(ctx: ActionContext, _arg) -> bool:
    """Approved quantity/amount set before the decision (locked while estimates are pending)."""
    line = ctx.line()
    line.approved_quantity, line.approved_amount = approval_values(line, ctx.command)
    return True


def record_rejection(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    line.rejection_reason, line.rejection_text = ctx.command.reason, ctx.command.text or None
    return True


def record_cancellation(ctx: ActionContext, _arg) -> bool:
    claim = ctx.claim
    claim.cancel_reason, claim.cancel_text, claim.canceled_at = ctx.command.reason, ctx.command.text or None, ctx.now
    return True


# --- estimates ------------------------------------------------------------------------------------
def create_estimate(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    if line.estimate_status != EstimateStatus.NONE:
        return False
    line.estimate_status, line.estimate_quantity, line.estimate_amount = EstimateStatus.OPEN, line.quantity, line.amount
    return True


def approve_estimate(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    if line.estimate_status == EstimateStatus.APPROVED:
        return False
    line.estimate_status = EstimateStatus.APPROVED
    return True


# --- material return ------------------------------------------------------------------------------
def request_receipt(ctx: ActionContext, _arg) -> bool:
    """A receipt line and a warehouse order to receive the item into customer-owned stock."""
    line = ctx.line()
    if ctx.claim.live_document(line.line_no, OutboundKind.RECEIPT_ORDER):
        return False
    line.receipt_status = ReceiptStatus.OPEN
    ctx.new_document(OutboundKind.RECEIPT_ORDER, quantity=line.quantity - line.received_quantity,
                     ownership="customer_owned")
    return True


def mark_rma_to_be_printed(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    if line.print_rma != RmaStatus.NOT_REQUIRED:
        return False
    line.print_rma = RmaStatus.TO_BE_PRINTED
    return True


def record_receipt(ctx: ActionContext, _arg) -> bool:
    """Warehousing booked a receipt: count it, and order delivery to the service department."""
    line, quantity = ctx.line(), ctx.command.quantity
    line.received_quantity += quantity
    order = ctx.claim.live_document(line.line_no, OutboundKind.RECEIPT_ORDER)
    if line.received_quantity >= line.quantity:
        line.receipt_status = ReceiptStatus.RECEIVED
        if order:
            order.status = OutboundStatus.FINAL
    ctx.new_document(OutboundKind.SERVICE_DELIVERY_ORDER, quantity=quantity,
                     number=f"WS-{ctx.claim.number}-{line.line_no}-{len(ctx.claim.documents_of(line.line_no, OutboundKind.SERVICE_DELIVERY_ORDER)) + 1}")
    return True


def record_service_delivery(ctx: ActionContext, _arg) -> bool:
    """Delivered to the service department; a measurement type creates an inspection."""
    line, claim = ctx.line(), ctx.claim
    for doc in claim.documents_of(line.line_no, OutboundKind.SERVICE_DELIVERY_ORDER):
        if doc.status == OutboundStatus.OPEN:
            doc.status = OutboundStatus.FINAL
    line.delivered_quantity = line.received_quantity
    if ctx.command.measurement_type:
        _add_inspection(ctx, ctx.command.measurement_type, "automatic")
    return True


def terminate_receipts(ctx: ActionContext, _arg) -> bool:
    """Open inbound lines are removed; what was received is the most that can be approved."""
    line = ctx.line()
    if line.receipt_status not in (ReceiptStatus.OPEN,):
        return False
    line.receipt_status = ReceiptStatus.TERMINATED
    order = ctx.claim.live_document(line.line_no, OutboundKind.RECEIPT_ORDER)
    if order and order.status == OutboundStatus.OPEN:
        order.status = OutboundStatus.VOIDED
        ctx.event("receipt_order.inbound_lines_removed", line=line.line_no, document=order.number,
                  received=str(line.received_quantity))
    return True


# --- inspections ----------------------------------------------------------------------------------
def _add_inspection(ctx: ActionContext, measurement_type: str, origin: str) -> Inspection:
    claim, line = ctx.claim, ctx.line()
    inspection = Inspection(number=f"INS-{claim.number}-{line.line_no}-{len(claim.inspections_of(line.line_no)) + 1}",
                            line_no=line.line_no, measurement_type=measurement_type, origin=origin,
                            created_at=ctx.now)
    claim.inspections.append(inspection)
    ctx.event("inspection.requested", line=line.line_no, inspection=inspection.number,
              measurement_type=measurement_type, origin=origin)
    return inspection


def create_inspection(ctx: ActionContext, _arg) -> bool:
    origin = "manual" if ctx.command.name == "add_inspection" else "automatic"
    _add_inspection(ctx, ctx.command.measurement_type or "", origin)
    return True


def record_inspection_result(ctx: ActionContext, _arg) -> bool:
    inspection = ctx.claim.inspection(ctx.command.inspection_number)
    if inspection is None or inspection.status != InspectionStatus.OPEN:
        return False
    completed = ctx.command.name == "complete_inspection"
    inspection.status = InspectionStatus.COMPLETED if completed else InspectionStatus.REJECTED
    inspection.result_text = ctx.command.text or ""
    return True


# --- supplier ---------------------------------------------------------------------------------------
def request_supplier_claim(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    if ctx.claim.live_document(line.line_no, OutboundKind.SUPPLIER_CLAIM_REQUEST):
        return False
    ctx.new_document(OutboundKind.SUPPLIER_CLAIM_REQUEST, amount=line.amount, quantity=line.quantity,
                     wait=line.wait_on_supplier_approval)
    return True


def record_supplier_decision(ctx: ActionContext, _arg) -> bool:
    doc = ctx.claim.live_document(ctx.line_no, OutboundKind.SUPPLIER_CLAIM_REQUEST)
    doc.attributes = {**doc.attributes, "decision": ctx.command.decision}
    doc.status = OutboundStatus.FINAL
    return True


# --- approval side effects ----------------------------------------------------------------------------
def request_credit_note(ctx: ActionContext, _arg) -> bool:
    """Ask Invoicing for a credit note of the approved amount (one live credit note per line)."""
    line = ctx.line()
    if ctx.claim.live_credit_note(line.line_no):
        return False
    amount = line.approved_amount if line.approved_amount is not None else line.amount
    ctx.new_document(OutboundKind.CREDIT_NOTE, amount=amount, quantity=line.approved_quantity or line.quantity)
    return True


def request_material_delivery(ctx: ActionContext, _arg) -> bool:
    """A claim delivery line with a warehouse order that ships new material (Reimburse Material)."""
    line = ctx.line()
    if _live_delivery(ctx.claim, line.line_no, MaterialType.REIMBURSE_MATERIAL):
        return False
    ctx.new_document(OutboundKind.MATERIAL_DELIVERY, quantity=line.approved_quantity or line.quantity,
                     material_type=MaterialType.REIMBURSE_MATERIAL)
    return True


def record_inventory_allocation(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    if ctx.claim.documents_of(line.line_no, OutboundKind.INVENTORY_ALLOCATION):
        return False
    delivery = _live_delivery(ctx.claim, line.line_no, MaterialType.REIMBURSE_MATERIAL)
    ctx.new_document(OutboundKind.INVENTORY_ALLOCATION, quantity=delivery.quantity if delivery else line.quantity,
                     status=OutboundStatus.FINAL, order=delivery.number if delivery else None)
    return True


def confirm_shipment(ctx: ActionContext, _arg) -> bool:
    doc = ctx.claim.document(ctx.command.document_number)
    if doc is None or doc.status != OutboundStatus.OPEN:
        return False
    doc.status = OutboundStatus.FINAL
    return True


def _live_delivery(claim: Claim, line_no: int, material_type: str) -> OutboundDocument | None:
    return next((d for d in claim.documents_of(line_no, OutboundKind.MATERIAL_DELIVERY)
                 if d.material_type == material_type and d.status != OutboundStatus.VOIDED), None)


def take_ownership(ctx: ActionContext, _arg) -> bool:
    """Keep and Take Ownership: the received item goes back to stock as company owned."""
    ctx.new_document(OutboundKind.OWNERSHIP_CHANGE, quantity=ctx.line().received_quantity,
                     status=OutboundStatus.FINAL, ownership="company_owned")
    return True


def scrap_item(ctx: ActionContext, _arg) -> bool:
    ctx.new_document(OutboundKind.SCRAP, quantity=ctx.line().received_quantity, status=OutboundStatus.FINAL)
    return True


def return_item_to_customer(ctx: ActionContext, _arg) -> bool:
    """A claim delivery line (Material Type = Return Material) with a warehouse order to the customer."""
    line = ctx.line()
    if _live_delivery(ctx.claim, line.line_no, MaterialType.RETURN_MATERIAL):
        return False
    ctx.new_document(OutboundKind.MATERIAL_DELIVERY, quantity=line.received_quantity,
                     material_type=MaterialType.RETURN_MATERIAL, ownership="customer_owned")
    return True


def print_rma(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    ctx.new_document(OutboundKind.RMA, quantity=line.quantity, status=OutboundStatus.FINAL,
                     item=line.item_code, customer=ctx.claim.customer_code)
    line.print_rma = RmaStatus.PRINTED
    return True


def register_warranty_cost(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    ctx.new_document(OutboundKind.WARRANTY_COST, amount=line.approved_amount or Decimal("0"),
                     status=OutboundStatus.FINAL, tagged_to=line.tagged_to, warranty_status="active")
    return True


def register_contract_cost(ctx: ActionContext, _arg) -> bool:
    line = ctx.line()
    ctx.new_document(OutboundKind.CONTRACT_COST_COVERAGE, amount=line.approved_amount or Decimal("0"),
                     status=OutboundStatus.FINAL, order_type="claim")
    return True


# --- invoice-based settlement ----------------------------------------------------------------------
def link_purchase_invoice(ctx: ActionContext, _arg) -> bool:
    cmd = ctx.command
    done = cmd.final_invoice and (cmd.approved_in_ap or cmd.finalized_in_gl)
    ctx.new_document(OutboundKind.PURCHASE_INVOICE, amount=round_money(cmd.amount or Decimal("0")),
                     number=cmd.document_number, status=OutboundStatus.FINAL if done else OutboundStatus.OPEN,
                     final_invoice=cmd.final_invoice,
                     approved_in_ap=cmd.approved_in_ap, finalized_in_gl=cmd.finalized_in_gl,
                     invoice_kind=cmd.invoice_kind)
    return True


def update_purchase_invoice(ctx: ActionContext, _arg) -> bool:
    cmd, doc = ctx.command, ctx.claim.document(ctx.command.document_number)
    if doc is None:  # the service refuses an unknown document before the rules run
        return False
    updated = {**doc.attributes, "final_invoice": doc.attributes.get("final_invoice") or cmd.final_invoice,
               "approved_in_ap": doc.attributes.get("approved_in_ap") or cmd.approved_in_ap,
               "finalized_in_gl": doc.attributes.get("finalized_in_gl") or cmd.finalized_in_gl}
    if updated == doc.attributes:
        return False
    doc.attributes = updated
    if updated["final_invoice"] and (updated["approved_in_ap"] or updated["finalized_in_gl"]):
        doc.status = OutboundStatus.FINAL
    return True


# --- credit notes ------------------------------------------------------------------------------------
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
        ctx.event("credit_note.voided", line=ctx.line_no)
    return changed


# --- modify and cancel --------------------------------------------------------------------------------
def apply_line_changes(ctx: ActionContext, _arg) -> bool:
    """Applies a handler's edit; clearing Return Material Required drops the open receipt."""
    line, changes = ctx.line(), ctx.command.changes or {}
    if "quantity" in changes and "amount" not in changes and line.quantity:
        # the amount follows the quantity pro rata, so a smaller claim never keeps the larger amount
        line.amount = round_money(line.amount * changes["quantity"] / line.quantity)
    for name, value in changes.items():
        setattr(line, name, value)
    if not line.return_material_required and line.receipt_status == ReceiptStatus.OPEN:
        line.receipt_status = ReceiptStatus.NONE
        order = ctx.claim.live_document(line.line_no, OutboundKind.RECEIPT_ORDER)
        if order and order.status == OutboundStatus.OPEN:
            order.status = OutboundStatus.VOIDED
    return True


def apply_claim_changes(ctx: ActionContext, _arg) -> bool:
    for name, value in (ctx.command.changes or {}).items():
        setattr(ctx.claim, name, value)
    return True


def cancel_open_documents(ctx: ActionContext, _arg) -> bool:
    """Undo what can still be undone: open credit notes voided, open warehouse orders canceled."""
    changed = False
    for doc in ctx.claim.documents_of(ctx.line_no, OutboundKind.CREDIT_NOTE) + [
            d for d in ctx.claim.documents if d.line_no == ctx.line_no and d.kind in ORDER_KINDS]:
        if doc.status == OutboundStatus.OPEN:
            doc.status = OutboundStatus.VOIDED
            ctx.event(f"{doc.kind}.canceled", line=ctx.line_no, document=doc.number)
            changed = True
    return changed


# --- history, delete, call --------------------------------------------------------------------------
def post_to_history(ctx: ActionContext, _arg) -> bool:
    if ctx.claim.posted_to_history:
        return False
    ctx.claim.posted_to_history = True
    ctx.effects.post_to_history = True
    return True


def delete_claim(ctx: ActionContext, _arg) -> bool:
    ctx.effects.delete_claim = True
    return False  # nothing more to derive: the claim is gone after this command


def solve_call(ctx: ActionContext, _arg) -> bool:
    if getattr(ctx.claim, "call_status", None) == "solved":
        return False
    ctx.claim.call_status = "solved"
    ctx.effects.solve_call = True
    return True


REGISTRY = {name: fn for name, fn in globals().items() if callable(fn) and name in {
    "set_claim_status", "set_line_status", "set_claim_flags", "record_approval", "record_approved_values",
    "record_rejection", "record_cancellation", "create_estimate", "approve_estimate", "request_receipt",
    "mark_rma_to_be_printed",
    "record_receipt", "record_service_delivery", "terminate_receipts", "create_inspection",
    "record_inspection_result", "request_supplier_claim", "record_supplier_decision", "request_credit_note",
    "request_material_delivery", "record_inventory_allocation", "confirm_shipment", "take_ownership",
    "scrap_item", "return_item_to_customer", "print_rma", "register_warranty_cost", "register_contract_cost",
    "link_purchase_invoice", "update_purchase_invoice", "finalize_credit_note", "void_credit_note",
    "apply_line_changes", "apply_claim_changes", "cancel_open_documents", "post_to_history", "delete_claim", "solve_call"}}


def apply_action(ctx: ActionContext, action: Action) -> bool:
    try:
        return REGISTRY[action.name](ctx, action.argument)
    except EvaluationFailed:
        raise
    except Exception as exc:  # a failing action fails the whole command; nothing is committed
        raise EvaluationFailed(f"action {action.name} of rule {ctx.rule_id} failed: {exc}",
                               code="action_failed") from exc
