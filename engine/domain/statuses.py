"""Status and option vocabularies of the claim process (snake_case, as rule files write them)."""
from enum import StrEnum


class HeaderStatus(StrEnum):
    FREE = "free"
    MODIFIED = "modified"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELED = "canceled"
    CLOSED = "closed"


class LineStatus(StrEnum):
    FREE = "free"
    MODIFIED = "modified"
    PENDING_APPROVAL_ESTIMATES = "pending_approval_estimates"
    PENDING_MATERIAL_RETURN = "pending_material_return"
    PENDING_SUPPLIER_APPROVAL = "pending_supplier_approval"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    APPROVED_FOR_INVOICE_LINKING = "approved_for_invoice_linking"
    SETTLED = "settled"
    REJECTED = "rejected"
    CANCELED = "canceled"


# Lines that still wait for a decision (approve or reject).
UNDECIDED_LINE_STATUSES = frozenset({
    LineStatus.FREE, LineStatus.MODIFIED, LineStatus.PENDING_APPROVAL_ESTIMATES,
    LineStatus.PENDING_MATERIAL_RETURN, LineStatus.PENDING_SUPPLIER_APPROVAL,
    LineStatus.PENDING_APPROVAL,
})
# Lines whose approval stands (they hold quantity and may be settled).
APPROVED_LINE_STATUSES = frozenset({
    LineStatus.APPROVED, LineStatus.APPROVED_FOR_INVOICE_LINKING, LineStatus.SETTLED,
})
# A rejected or canceled line frees its quantity on the original document again (DOMAIN 5.6).
RELEASED_LINE_STATUSES = frozenset({LineStatus.REJECTED, LineStatus.CANCELED})


class InvoiceProcedure(StrEnum):
    CREDIT_NOTE_BASED = "credit_note_based"
    INVOICE_BASED = "invoice_based"


class ClaimMethod(StrEnum):
    REIMBURSE_COSTS = "reimburse_costs"
    REIMBURSE_MATERIALS = "reimburse_materials"


class DocumentType(StrEnum):
    INVOICE = "invoice"
    SALES_ORDER = "sales_order"
    SERVICE_ORDER = "service_order"
    MAINTENANCE_SALES_ORDER = "maintenance_sales_order"
    SALES_SCHEDULE = "sales_schedule"


class ClaimOrigin(StrEnum):
    MANUAL = "manual"
    DOCUMENT = "document"
    CALL = "call"


class OutboundKind(StrEnum):
    """Documents the claim service asks outside modules for."""
    CREDIT_NOTE = "credit_note"


class OutboundStatus(StrEnum):
    OPEN = "open"
    FINAL = "final"
    VOIDED = "voided"
