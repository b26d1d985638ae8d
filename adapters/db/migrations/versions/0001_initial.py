"""Initial schema: companies, master data, original documents, claims, audit trail, outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2024-06-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# Spelled out here rather than imported, so this revision never changes under our feet:
# amounts are exact (TEXT on SQLite, whose NUMERIC goes through float), timestamps carry UTC.
AMOUNT = sa.Numeric(18, 4).with_variant(sa.Text(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
CODE = sa.String(40)
STATUS = sa.String(40)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)  # the primary key is declared per table


def _company(table: str) -> sa.Column:
    return sa.Column("company_code", CODE, sa.ForeignKey("companies.code", name=f"fk_{table}_company_code_companies"),
                     nullable=False)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("use_claim_history", sa.Boolean(), nullable=False),
        sa.Column("inventory_allocations_required", sa.Boolean(), nullable=False),
        sa.Column("document_approval", sa.Boolean(), nullable=False),
        sa.Column("claim_number_prefix", sa.String(20), nullable=False),
        sa.Column("line_step", sa.Integer(), nullable=False),
        sa.Column("next_claim_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_companies"),
    )
    op.create_table(
        "customers",
        _id(),
        _company("customers"),
        sa.Column("code", CODE, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("company_code", "code", name="uq_customers_company_code_code"),
    )
    op.create_table(
        "items",
        _id(),
        _company("items"),
        sa.Column("code", CODE, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("company_code", "code", name="uq_items_company_code_code"),
    )
    op.create_table(
        "original_documents",
        _id(),
        _company("original_documents"),
        sa.Column("doc_type", STATUS, nullable=False),
        sa.Column("number", CODE, nullable=False),
        sa.Column("customer_code", CODE, nullable=False),
        sa.Column("doc_date", UTC_TIME, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_original_documents"),
        sa.UniqueConstraint("company_code", "doc_type", "number",
                            name="uq_original_documents_company_code_doc_type_number"),
    )
    op.create_index("ix_original_documents_company_code_number", "original_documents",
                    ["company_code", "number"])
    op.create_index("ix_original_documents_company_code_customer_code", "original_documents",
                    ["company_code", "customer_code"])
    op.create_table(
        "original_document_lines",
        _id(),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_code", CODE, nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_original_document_lines"),
        sa.ForeignKeyConstraint(["document_id"], ["original_documents.id"], ondelete="CASCADE",
                                name="fk_original_document_lines_document_id_original_documents"),
        sa.UniqueConstraint("document_id", "line_no", name="uq_original_document_lines_document_id_line_no"),
    )
    op.create_table(
        "claims",
        _id(),
        _company("claims"),
        sa.Column("number", CODE, nullable=False),
        sa.Column("customer_code", CODE, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("origin", STATUS, nullable=False),
        sa.Column("invoice_procedure", STATUS, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("partially_approved", sa.Boolean(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("document_number", CODE, nullable=True),
        sa.Column("document_type", STATUS, nullable=True),
        sa.Column("internal_text", sa.Text(), nullable=False),
        sa.Column("source_ref", sa.String(200), nullable=True),
        sa.Column("ruleset_hash", sa.String(128), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claims"),
        sa.ForeignKeyConstraint(["document_id"], ["original_documents.id"],
                                name="fk_claims_document_id_original_documents"),
        sa.UniqueConstraint("company_code", "number", name="uq_claims_company_code_number"),
        sa.UniqueConstraint("company_code", "source_ref", name="uq_claims_company_code_source_ref"),
    )
    op.create_index("ix_claims_company_code_status", "claims", ["company_code", "status"])
    op.create_table(
        "claim_lines",
        _id(),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("item_code", CODE, nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("claim_method", STATUS, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("use_estimates", sa.Boolean(), nullable=False),
        sa.Column("return_material_required", sa.Boolean(), nullable=False),
        sa.Column("approved_quantity", AMOUNT, nullable=True),
        sa.Column("approved_amount", AMOUNT, nullable=True),
        sa.Column("rejection_reason", STATUS, nullable=True),
        sa.Column("rejection_text", sa.Text(), nullable=True),
        sa.Column("doc_line_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_claim_lines"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE",
                                name="fk_claim_lines_claim_id_claims"),
        sa.ForeignKeyConstraint(["doc_line_id"], ["original_document_lines.id"],
                                name="fk_claim_lines_doc_line_id_original_document_lines"),
        sa.UniqueConstraint("claim_id", "line_no", name="uq_claim_lines_claim_id_line_no"),
    )
    op.create_index("ix_claim_lines_doc_line_id", "claim_lines", ["doc_line_id"])
    op.create_table(
        "outbound_documents",
        _id(),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("kind", STATUS, nullable=False),
        sa.Column("number", CODE, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("quantity", AMOUNT, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_documents"),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], ondelete="CASCADE",
                                name="fk_outbound_documents_claim_id_claims"),
        sa.UniqueConstraint("claim_id", "number", name="uq_outbound_documents_claim_id_number"),
    )
    op.create_index("ix_outbound_documents_number", "outbound_documents", ["number"])
    # No foreign key to claims: the audit trail outlives deleted claims.
    op.create_table(
        "audit_entries",
        _id(),
        sa.Column("company_code", CODE, nullable=False),
        sa.Column("claim_number", CODE, nullable=False),
        sa.Column("command", STATUS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("ruleset_hash", sa.String(128), nullable=False),
        sa.Column("from_status", STATUS, nullable=False),
        sa.Column("to_status", STATUS, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entries"),
    )
    op.create_index("ix_audit_entries_company_code_claim_number", "audit_entries",
                    ["company_code", "claim_number"])
    op.create_table(
        "outbox_events",
        _id(),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
    )


def downgrade() -> None:
    for table in ("outbox_events", "audit_entries", "outbound_documents", "claim_lines", "claims",
                  "original_document_lines", "original_documents", "items", "customers", "companies"):
        op.drop_table(table)
