"""The claim aggregate and the master data it refers to, as plain Python objects.

The database adapter maps these classes imperatively (adapters/db/orm.py), so the engine never
imports SQLAlchemy. Amounts are Decimal and always travel with their document's currency.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .money import Money
from .statuses import (APPROVED_LINE_STATUSES, RELEASED_LINE_STATUSES, UNDECIDED_LINE_STATUSES,
                       CallStatus, ClaimMethod, ClaimOrigin, EstimateStatus, HeaderStatus,
                       InspectionStatus, InvoiceProcedure, ItemAction, LineStatus, OutboundKind,
                       OutboundStatus, ReceiptStatus, RmaStatus, TaggedTo)


@dataclass(eq=False)
class Company:
    """A company running the claim service, with its claim-management parameters."""
    code: str
    name: str
    currency: str
    use_claim_history: bool = False
    inventory_allocations_required: bool = False
    document_approval: bool = False
    claim_number_prefix: str = "CLM-"
    line_step: int = 10
    next_claim_seq: int = 1

    def next_claim_number(self) -> str:
        number = f"{self.claim_number_prefix}{self.next_claim_seq:06d}"
        self.next_claim_seq += 1
        return number

    def parameters(self) -> dict:
        return {"use_claim_history": self.use_claim_history,
                "inventory_allocations_required": self.inventory_allocations_required,
                "document_approval": self.document_approval}


@dataclass(eq=False)
class Customer:
    company_code: str
    code: str
    name: str = ""
    country: str = ""
    id: int | None = None


@dataclass(eq=False)
class Item:
    company_code: str
    code: str
    description: str = ""
    id: int | None = None


@dataclass(eq=False)
class OriginalDocumentLine:
    line_no: int
    item_code: str
    quantity: Decimal
    unit_price: Decimal
    description: str = ""
    id: int | None = None
    document_id: int | None = None

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


@dataclass(eq=False)
class OriginalDocument:
    """A sales document a customer can claim against (invoice, sales order, ...)."""
    company_code: str
    doc_type: str
    number: str
    customer_code: str
    doc_date: datetime
    currency: str
    lines: list[OriginalDocumentLine] = field(default_factory=list)
    source: str = ""
    id: int | None = None

    def line(self, line_no: int) -> OriginalDocumentLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)


@dataclass(eq=False)
class OutboundDocument:
    """A document the claim asked an outside module for (credit note, warehouse order, ...) or
    recorded for it (RMA, warranty cost, ...). `attributes` holds kind-specific answers, e.g. a
    purchase invoice's final/approved/finalized flags."""
    kind: str
    number: str
    line_no: int
    amount: Decimal
    currency: str
    quantity: Decimal = Decimal("0")
    status: str = OutboundStatus.OPEN
    created_at: datetime | None = None
    material_type: str | None = None
    attributes: dict = field(default_factory=dict)
    id: int | None = None
    claim_id: int | None = None

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


@dataclass(eq=False)
class ClaimLine:
    line_no: int
    item_code: str
    quantity: Decimal
    amount: Decimal
    claim_method: str = ClaimMethod.REIMBURSE_COSTS
    status: str = LineStatus.FREE
    description: str = ""
    use_estimates: bool = False
    return_material_required: bool = False
    approved_quantity: Decimal | None = None
    approved_amount: Decimal | None = None
    rejection_reason: str | None = None
    rejection_text: str | None = None
    approval_reason: str | None = None
    doc_line_id: int | None = None
    generate_supplier_claim: bool = False
    wait_on_supplier_approval: bool = False
    inspection_required: bool = False
    approval_action: str = ItemAction.KEEP_AND_TAKE_OWNERSHIP
    rejection_action: str = ItemAction.RETURN_TO_CUSTOMER
    tagged_to: str = TaggedTo.NOT_APPLICABLE
    estimate_status: str = EstimateStatus.NONE
    estimate_quantity: Decimal | None = None
    estimate_amount: Decimal | None = None
    receipt_status: str = ReceiptStatus.NONE
    received_quantity: Decimal = Decimal("0")
    delivered_quantity: Decimal = Decimal("0")
    print_rma: str = RmaStatus.NOT_REQUIRED
    id: int | None = None
    claim_id: int | None = None

    @property
    def undecided(self) -> bool:
        return self.status in UNDECIDED_LINE_STATUSES

    @property
    def holds_quantity(self) -> bool:
        return self.status not in RELEASED_LINE_STATUSES

    @property
    def approved(self) -> bool:
        return self.status in APPROVED_LINE_STATUSES


@dataclass(eq=False)
class Claim:
    """A customer claim: header, lines and the documents it asked outside modules for."""
    company_code: str
    number: str
    customer_code: str
    currency: str
    origin: str = ClaimOrigin.MANUAL
    invoice_procedure: str = InvoiceProcedure.CREDIT_NOTE_BASED
    status: str = HeaderStatus.FREE
    partially_approved: bool = False
    document_id: int | None = None
    document_number: str | None = None
    document_type: str | None = None
    internal_text: str = ""
    source_ref: str | None = None
    ruleset_hash: str | None = None
    created_at: datetime | None = None
    call_number: str | None = None
    cancel_reason: str | None = None
    cancel_text: str | None = None
    canceled_at: datetime | None = None
    posted_to_history: bool = False
    updated_at: datetime | None = None   # every command touches it, so the version always moves
    lines: list[ClaimLine] = field(default_factory=list)
    documents: list[OutboundDocument] = field(default_factory=list)
    inspections: list["Inspection"] = field(default_factory=list)
    version: int = 1
    id: int | None = None

    def line(self, line_no: int) -> ClaimLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)

    def documents_of(self, line_no: int, kind: str = OutboundKind.CREDIT_NOTE) -> list[OutboundDocument]:
        return [d for d in self.documents if d.line_no == line_no and d.kind == kind]

    def live_credit_note(self, line_no: int) -> OutboundDocument | None:
        """The line's credit note that is not voided (there is at most one)."""
        return next((d for d in self.documents_of(line_no) if d.status != OutboundStatus.VOIDED), None)

    def document(self, number: str) -> OutboundDocument | None:
        return next((d for d in self.documents if d.number == number), None)

    def live_document(self, line_no: int, kind: str) -> OutboundDocument | None:
        """The line's document of `kind` that is not voided (at most one per kind and line)."""
        return next((d for d in self.documents_of(line_no, kind) if d.status != OutboundStatus.VOIDED), None)

    def inspections_of(self, line_no: int) -> list["Inspection"]:
        return [i for i in self.inspections if i.line_no == line_no]

    def inspection(self, number: str) -> "Inspection | None":
        return next((i for i in self.inspections if i.number == number), None)


@dataclass(eq=False)
class Inspection:
    """A service inspection of a returned item: created from a measurement type, or by hand."""
    number: str
    line_no: int
    measurement_type: str = ""
    origin: str = "manual"          # automatic | manual
    status: str = InspectionStatus.OPEN
    result_text: str = ""
    created_at: datetime | None = None
    id: int | None = None
    claim_id: int | None = None


@dataclass(eq=False)
class Call:
    """A customer service call a claim can be registered from."""
    company_code: str
    number: str
    customer_code: str
    text: str = ""
    document_number: str | None = None
    document_type: str | None = None
    status: str = CallStatus.OPEN
    claim_number: str | None = None
    id: int | None = None


@dataclass(eq=False)
class HistoryRecord:
    """A closed claim copied to history (the claim itself may be deleted afterwards)."""
    company_code: str
    claim_number: str
    posted_at: datetime
    snapshot: dict
    id: int | None = None


@dataclass(eq=False)
class AuditEntry:
    """One status change: which command, who, when, under which rule and rule-set version."""
    company_code: str
    claim_number: str
    command: str
    actor: str
    at: datetime
    rule_id: str
    ruleset_hash: str
    from_status: str
    to_status: str
    line_no: int | None = None
    id: int | None = None


@dataclass(eq=False)
class OutboxEvent:
    """An integration event written in the same transaction as the document it announces."""
    topic: str
    payload: dict
    created_at: datetime
    id: int | None = None


@dataclass(eq=False)
class StoredRuleSet:
    """An effective rule set kept by its content hash, so claims can stay on their version."""
    hash: str
    company_code: str | None
    stored_at: datetime
    content: dict
