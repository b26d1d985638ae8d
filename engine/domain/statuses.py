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
    """Documents the claim service asks outside modules for, or records for them."""
    CREDIT_NOTE = "credit_note"                      # Invoicing: sales credit note
    RECEIPT_ORDER = "receipt_order"                  # Warehousing: receive into customer-owned stock
    SERVICE_DELIVERY_ORDER = "service_delivery_order"  # Warehousing: to the service department
    MATERIAL_DELIVERY = "material_delivery"          # Warehousing: claim delivery line + warehouse order
    INVENTORY_ALLOCATION = "inventory_allocation"    # Warehousing: allocation for a delivery
    OWNERSHIP_CHANGE = "ownership_change"            # Warehousing: received item becomes company owned
    SCRAP = "scrap"                                  # Warehousing: received item scrapped
    RMA = "rma"                                      # printed return material authorisation
    SUPPLIER_CLAIM_REQUEST = "supplier_claim_request"  # Purchasing: recover from the supplier
    PURCHASE_INVOICE = "purchase_invoice"            # Accounts Payable: invoice linked to the line
    WARRANTY_COST = "warranty_cost"                  # Service: claim cost on a warranty
    CONTRACT_COST_COVERAGE = "contract_cost_coverage"  # Service: contract cost coverage record


# Warehouse orders: the claim cannot close while one is open (DOMAIN 2.5).
ORDER_KINDS = frozenset({OutboundKind.RECEIPT_ORDER, OutboundKind.SERVICE_DELIVERY_ORDER,
                         OutboundKind.MATERIAL_DELIVERY})


class OutboundStatus(StrEnum):
    OPEN = "open"        # waiting for the outside module
    FINAL = "final"      # done (finalized, shipped, received, delivered, printed, recorded)
    VOIDED = "voided"    # undone (credit note voided, order canceled, receipts terminated)


class MaterialType(StrEnum):
    RETURN_MATERIAL = "return_material"
    REIMBURSE_MATERIAL = "reimburse_material"


class ItemAction(StrEnum):
    """Approval / Rejection Action: what happens to a received item."""
    KEEP_AND_TAKE_OWNERSHIP = "keep_and_take_ownership"
    RETURN_TO_CUSTOMER = "return_to_customer"
    SCRAP = "scrap"


class TaggedTo(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    REPAIR_WARRANTY = "repair_warranty"
    CONTRACT = "contract"
    GOODWILL = "goodwill"
    SERIALIZED_ITEM_WARRANTY = "serialized_item_warranty"
    GENERIC_WARRANTY = "generic_warranty"


class EstimateStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    APPROVED = "approved"


class ReceiptStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    RECEIVED = "received"
    TERMINATED = "terminated"


class RmaStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    TO_BE_PRINTED = "to_be_printed"
    PRINTED = "printed"


class InspectionStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REJECTED = "rejected"


class SupplierDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELED = "canceled"


class CallStatus(StrEnum):
    OPEN = "open"
    TRANSFERRED = "transferred"
    SOLVED = "solved"
