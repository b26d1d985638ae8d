"""Tables of the claim database and the imperative mapping of the domain dataclasses onto them."""
from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text, UniqueConstraint)
from sqlalchemy.orm import registry, relationship

from ...engine.domain.model import (AuditEntry, Call, Claim, ClaimLine, Company, Customer,
                                    HistoryRecord, Inspection, Item, OriginalDocument, StoredRuleSet,
                                    OriginalDocumentLine, OutboundDocument, OutboxEvent)
from .types import ExactDecimal, UtcDateTime

# Explicit constraint names: the migration spells the same names, and error translation finds
# the constraint a duplicate violated by its name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper_registry = registry(metadata=metadata)

CODE = 40      # company, customer, item and document codes/numbers
STATUS = 40    # status and vocabulary columns hold plain strings (StrEnum values)


def _id() -> Column:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _company_fk() -> Column:
    return Column("company_code", String(CODE), ForeignKey("companies.code"), nullable=False)


companies = Table(
    "companies", metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("use_claim_history", Boolean, nullable=False, default=False),
    Column("inventory_allocations_required", Boolean, nullable=False, default=False),
    Column("document_approval", Boolean, nullable=False, default=False),
    Column("claim_number_prefix", String(20), nullable=False, default="CLM-"),
    Column("line_step", Integer, nullable=False, default=10),
    Column("next_claim_seq", Integer, nullable=False, default=1),
)

customers = Table(
    "customers", metadata,
    _id(),
    _company_fk(),
    Column("code", String(CODE), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("country", String(100), nullable=False, default=""),
    UniqueConstraint("company_code", "code"),
)

items = Table(
    "items", metadata,
    _id(),
    _company_fk(),
    Column("code", String(CODE), nullable=False),
    Column("description", String(500), nullable=False, default=""),
    UniqueConstraint("company_code", "code"),
)

original_documents = Table(
    "original_documents", metadata,
    _id(),
    _company_fk(),
    Column("doc_type", String(STATUS), nullable=False),
    Column("number", String(CODE), nullable=False),
    Column("customer_code", String(CODE), nullable=False),
    Column("doc_date", UtcDateTime, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("source", String(500), nullable=False, default=""),
    UniqueConstraint("company_code", "doc_type", "number"),
    Index(None, "company_code", "number"),
    Index(None, "company_code", "customer_code"),
)

original_document_lines = Table(
    "original_document_lines", metadata,
    _id(),
    Column("document_id", Integer, ForeignKey("original_documents.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("item_code", String(CODE), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("unit_price", ExactDecimal, nullable=False),
    Column("description", String(500), nullable=False, default=""),
    UniqueConstraint("document_id", "line_no"),
)

claims = Table(
    "claims", metadata,
    _id(),
    _company_fk(),
    Column("number", String(CODE), nullable=False),
    Column("customer_code", String(CODE), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("origin", String(STATUS), nullable=False),
    Column("invoice_procedure", String(STATUS), nullable=False),
    Column("status", String(STATUS), nullable=False),
    Column("partially_approved", Boolean, nullable=False, default=False),
    Column("document_id", Integer, ForeignKey("original_documents.id"), nullable=True),
    Column("document_number", String(CODE), nullable=True),
    Column("document_type", String(STATUS), nullable=True),
    Column("internal_text", Text, nullable=False, default=""),
    Column("source_ref", String(200), nullable=True),
    Column("ruleset_hash", String(128), nullable=True),
    Column("created_at", UtcDateTime, nullable=True),
    Column("call_number", String(CODE), nullable=True),
    Column("cancel_reason", String(STATUS), nullable=True),
    Column("cancel_text", Text, nullable=True),
    Column("canceled_at", UtcDateTime, nullable=True),
    Column("posted_to_history", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    UniqueConstraint("company_code", "number"),
    # NULLs never collide in a unique constraint, so claims without a source reference coexist.
    UniqueConstraint("company_code", "source_ref"),
    Index(None, "company_code", "status"),
)

claim_lines = Table(
    "claim_lines", metadata,
    _id(),
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("item_code", String(CODE), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("claim_method", String(STATUS), nullable=False),
    Column("status", String(STATUS), nullable=False),
    Column("description", String(500), nullable=False, default=""),
    Column("use_estimates", Boolean, nullable=False, default=False),
    Column("return_material_required", Boolean, nullable=False, default=False),
    Column("approved_quantity", ExactDecimal, nullable=True),
    Column("approved_amount", ExactDecimal, nullable=True),
    Column("rejection_reason", String(STATUS), nullable=True),
    Column("rejection_text", Text, nullable=True),
    Column("doc_line_id", Integer, ForeignKey("original_document_lines.id"), nullable=True),
    Column("approval_reason", String(STATUS), nullable=True),
    Column("generate_supplier_claim", Boolean, nullable=False, default=False),
    Column("wait_on_supplier_approval", Boolean, nullable=False, default=False),
    Column("inspection_required", Boolean, nullable=False, default=False),
    Column("approval_action", String(STATUS), nullable=False, default="keep_and_take_ownership"),
    Column("rejection_action", String(STATUS), nullable=False, default="return_to_customer"),
    Column("tagged_to", String(STATUS), nullable=False, default="not_applicable"),
    Column("estimate_status", String(STATUS), nullable=False, default="none"),
    Column("estimate_quantity", ExactDecimal, nullable=True),
    Column("estimate_amount", ExactDecimal, nullable=True),
    Column("receipt_status", String(STATUS), nullable=False, default="none"),
    Column("received_quantity", ExactDecimal, nullable=False, default=0),
    Column("delivered_quantity", ExactDecimal, nullable=False, default=0),
    Column("print_rma", String(STATUS), nullable=False, default="not_required"),
    UniqueConstraint("claim_id", "line_no"),
    Index(None, "doc_line_id"),
)

outbound_documents = Table(
    "outbound_documents", metadata,
    _id(),
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(STATUS), nullable=False),
    Column("number", String(CODE), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("amount", ExactDecimal, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("quantity", ExactDecimal, nullable=False),
    Column("status", String(STATUS), nullable=False),
    Column("created_at", UtcDateTime, nullable=True),
    Column("material_type", String(STATUS), nullable=True),
    Column("attributes", JSON, nullable=False, default=dict),
    UniqueConstraint("claim_id", "number"),
    Index(None, "number"),
)

inspections = Table(
    "inspections", metadata,
    _id(),
    Column("claim_id", Integer, ForeignKey("claims.id", ondelete="CASCADE"), nullable=False),
    Column("number", String(CODE), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("measurement_type", String(100), nullable=False, default=""),
    Column("origin", String(STATUS), nullable=False),
    Column("status", String(STATUS), nullable=False),
    Column("result_text", Text, nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=True),
    UniqueConstraint("claim_id", "number"),
)

calls = Table(
    "calls", metadata,
    _id(),
    _company_fk(),
    Column("number", String(CODE), nullable=False),
    Column("customer_code", String(CODE), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("document_number", String(CODE), nullable=True),
    Column("document_type", String(STATUS), nullable=True),
    Column("status", String(STATUS), nullable=False),
    Column("claim_number", String(CODE), nullable=True),
    UniqueConstraint("company_code", "number"),
)

# History outlives the claim (delete after posting keeps the copy): no foreign key to claims.
claim_history = Table(
    "claim_history", metadata,
    _id(),
    Column("company_code", String(CODE), nullable=False),
    Column("claim_number", String(CODE), nullable=False),
    Column("posted_at", UtcDateTime, nullable=False),
    Column("snapshot", JSON, nullable=False),
    UniqueConstraint("company_code", "claim_number"),
)

rule_sets = Table(
    "rule_sets", metadata,
    Column("hash", String(64), primary_key=True),
    Column("company_code", String(CODE), nullable=True),
    Column("stored_at", UtcDateTime, nullable=False),
    Column("content", JSON, nullable=False),
)

# No foreign key to claims: the audit trail outlives deleted claims.
audit_entries = Table(
    "audit_entries", metadata,
    _id(),
    Column("company_code", String(CODE), nullable=False),
    Column("claim_number", String(CODE), nullable=False),
    Column("command", String(STATUS), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("ruleset_hash", String(128), nullable=False),
    Column("from_status", String(STATUS), nullable=False),
    Column("to_status", String(STATUS), nullable=False),
    Column("line_no", Integer, nullable=True),
    Index(None, "company_code", "claim_number"),
)

outbox_events = Table(
    "outbox_events", metadata,
    _id(),
    Column("topic", String(200), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


def start_mappers() -> None:
    """Map the domain dataclasses onto the tables, once per process (later calls do nothing)."""
    if mapper_registry.mappers:
        return
    m = mapper_registry.map_imperatively
    m(Company, companies)
    m(Customer, customers)
    m(Item, items)
    m(OriginalDocumentLine, original_document_lines)
    m(OriginalDocument, original_documents, properties={
        # selectin: collections arrive with their parent, so objects stay usable after the
        # session closes (the CLI renders after commit).
        "lines": relationship(OriginalDocumentLine, order_by=original_document_lines.c.line_no,
                              cascade="all, delete-orphan", lazy="selectin"),
    })
    m(ClaimLine, claim_lines)
    m(OutboundDocument, outbound_documents)
    m(Inspection, inspections)
    m(Call, calls)
    m(HistoryRecord, claim_history)
    m(StoredRuleSet, rule_sets)
    m(Claim, claims, version_id_col=claims.c.version, properties={
        "lines": relationship(ClaimLine, order_by=claim_lines.c.line_no,
                              cascade="all, delete-orphan", lazy="selectin", passive_deletes=True),
        "documents": relationship(OutboundDocument,
                                  order_by=[outbound_documents.c.line_no, outbound_documents.c.id],
                                  cascade="all, delete-orphan", lazy="selectin", passive_deletes=True),
        "inspections": relationship(Inspection, order_by=[inspections.c.line_no, inspections.c.id],
                                    cascade="all, delete-orphan", lazy="selectin", passive_deletes=True),
    })
    m(AuditEntry, audit_entries)
    m(OutboxEvent, outbox_events)
