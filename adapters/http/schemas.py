"""Request and response bodies of the API (amounts and quantities travel as decimal strings, never floats)."""
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ...engine.domain.statuses import ClaimMethod, DocumentType, InvoiceProcedure

# Codes fit the database's 40-character columns; control characters (NUL above all, which
# PostgreSQL refuses in text) are input errors, not database failures.
Code = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$")]
# At most 14 integer and 4 decimal digits: what the database's Numeric(18, 4) columns hold.
DecimalText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,14}(\.[0-9]{1,4})?$")]
LineNo = Annotated[int, Field(ge=1, le=1_000_000_000)]


Text500 = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")]
Text2000 = Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")]


def decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimOptionsIn(Strict):
    invoice_procedure: InvoiceProcedure = InvoiceProcedure.CREDIT_NOTE_BASED
    claim_method: ClaimMethod = ClaimMethod.REIMBURSE_COSTS
    use_estimates: bool = False
    return_material_required: bool = False
    internal_text: Text2000 = ""


class DocumentClaimIn(ClaimOptionsIn):
    """Copy all lines of an original document (or the chosen ones), as far as not claimed yet."""
    source: Literal["document"]
    document: Code
    document_type: DocumentType | None = None
    lines: list[LineNo] | None = Field(None, min_length=1, max_length=1000,
                                       description="Document line numbers to copy (default: all).")


class ManualLineIn(Strict):
    item: Code
    quantity: DecimalText
    amount: DecimalText
    description: Text500 = ""


class ManualClaimIn(ClaimOptionsIn):
    """A claim without an original document: customer and lines given by hand."""
    source: Literal["manual"]
    customer: Code
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    lines: list[ManualLineIn] = Field(min_length=1, max_length=1000)




# --- lifecycle command bodies ------------------------------------------------------------------
class NoArguments(Strict):
    """The command takes no arguments; an empty object (or no body) will do."""


class ApproveIn(Strict):
    line: LineNo | None = Field(None, description="Approve this line only (default: the whole claim).")
    quantity: DecimalText | None = Field(None, description="Approved quantity (line approval only).")
    amount: DecimalText | None = Field(None, description="Approved amount (line approval only).")
    reason: Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")] = Field(
        "", description="Approval reason (required with document approval).")
    override_canceled_supplier_claim: bool = False


class RejectIn(Strict):
    line: LineNo | None = Field(None, description="Reject this line only (default: the whole claim).")
    reason: Code = Field(description="Rejection reason code.")
    text: Text2000 = ""


class FinalizeCreditNoteIn(Strict):
    credit_note: Code = Field(description="Number of the credit note Invoicing finalized.")


class LineIn(Strict):
    line: LineNo


class SetApprovedIn(LineIn):
    quantity: DecimalText | None = None
    amount: DecimalText | None = None


class InspectionIn(LineIn):
    measurement_type: Annotated[str, StringConstraints(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class ReceiptIn(LineIn):
    quantity: DecimalText


EditValue = Union[bool, DecimalText, Code]


class ModifyLineIn(LineIn):
    changes: dict[Code, EditValue] = Field(min_length=1, max_length=20,
                                           description="Line field -> new value (quantities and amounts as text).")


class ModifyClaimIn(Strict):
    changes: dict[Code, Text2000] = Field(min_length=1, max_length=5,
                                          description="invoice_procedure and/or internal_text, while free.")


class CancelIn(Strict):
    reason: Code
    text: Text2000 = ""


class OrderIn(Strict):
    order: Code = Field(description="Number of the warehouse order.")


class InspectionResultIn(Strict):
    inspection: Code
    text: Text2000 = ""


class SupplierDecisionIn(LineIn):
    decision: Literal["approved", "rejected", "canceled"]


class InvoiceFlags(Strict):
    final: bool = False
    approved_in_ap: bool = False
    finalized_in_gl: bool = False


class LinkInvoiceIn(InvoiceFlags):
    line: LineNo
    invoice: Code
    amount: DecimalText
    kind: Literal["cost", "order"] = "cost"


class UpdateInvoiceIn(InvoiceFlags):
    invoice: Code


class CreditNoteIn(Strict):
    credit_note: Code


class WhyIn(Strict):
    action: Code = Field(description="approve, reject, settle, cancel, close, submit or any command name.")
    line: LineNo | None = None
    reason: Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\x00-\x1f\x7f]*$")] = ""


class CallClaimIn(ClaimOptionsIn):
    """A claim header from a customer call (its text becomes the internal text)."""
    source: Literal["call"]
    call: Code


NewClaimIn = Annotated[Union[DocumentClaimIn, ManualClaimIn, CallClaimIn], Field(discriminator="source")]


# --- responses (documentation and schema checks; the views in engine/service/views.py fill them) ----
class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class LineOut(Open):
    line: int
    status: str
    item: str
    quantity: str
    amount: str
    approved_quantity: str | None = None
    approved_amount: str | None = None


class DocumentOut(Open):
    kind: str
    number: str
    line: int
    status: str
    amount: str
    currency: str


class AuditOut(Open):
    at: str
    command: str
    actor: str
    line: int | None = None
    to: str
    rule: str


class ClaimSummaryOut(Open):
    company: str
    number: str
    status: str
    customer: str
    currency: str
    amount: str
    version: int


class ClaimOut(ClaimSummaryOut):
    lines: list[LineOut]
    documents: list[DocumentOut]
    audit: list[AuditOut] | None = None
    fired: list[str] | None = Field(None, description="Rules that fired (command answers only).")


class ClaimPageOut(BaseModel):
    items: list[ClaimSummaryOut]
    limit: int
    offset: int
    next_offset: int | None


class ReasonOut(Open):
    code: str
    message: str
    rule_id: str | None = None
    location: str | None = None


class Problem(Open):
    """application/problem+json: `code` is stable, `reasons` lists every cause."""
    type: str
    title: str
    status: int
    detail: str
    code: str
    reasons: list[ReasonOut]


class RuleOut(Open):
    id: str
    phase: str
    commands: list[str]
    description: str
    origin: str


class RulesOut(BaseModel):
    company: str
    hash: str
    parameters: dict
    rules: list[RuleOut]


class HealthOut(Open):
    status: Literal["ok", "unavailable"]
    database: dict
    rules: dict


class WhoAmIOut(BaseModel):
    key_id: str
    name: str
    role: str
    companies: list[str]
    permissions: list[str]
