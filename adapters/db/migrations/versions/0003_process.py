"""The whole claim process: gates and decisions on lines, inspections, calls, history, rule-set versions.

Revision ID: 0003_process
Revises: 0002_http
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_process"
down_revision = "0002_http"
branch_labels = None
depends_on = None

AMOUNT = sa.Numeric(18, 4).with_variant(sa.Text(), "sqlite")
UTC_TIME = sa.DateTime(timezone=True)
CODE = sa.String(40)
STATUS = sa.String(40)

LINE_COLUMNS = [
    ("generate_supplier_claim", sa.Boolean(), sa.false()),
    ("wait_on_supplier_approval", sa.Boolean(), sa.false()),
    ("inspection_required", sa.Boolean(), sa.false()),
    ("approval_action", STATUS, sa.text("'keep_and_take_ownership'")),
    ("rejection_action", STATUS, sa.text("'return_to_customer'")),
    ("tagged_to", STATUS, sa.text("'not_applicable'")),
    ("estimate_status", STATUS, sa.text("'none'")),
    ("receipt_status", STATUS, sa.text("'none'")),
    ("received_quantity", AMOUNT, sa.text("'0'")),
    ("delivered_quantity", AMOUNT, sa.text("'0'")),
    ("print_rma", STATUS, sa.text("'not_required'")),
]


def upgrade() -> None:
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("call_number", CODE, nullable=True))
        batch.add_column(sa.Column("cancel_reason", STATUS, nullable=True))
        batch.add_column(sa.Column("cancel_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("canceled_at", UTC_TIME, nullable=True))
        batch.add_column(sa.Column("posted_to_history", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("updated_at", UTC_TIME, nullable=True))
    with op.batch_alter_table("claim_lines") as batch:
        for name, type_, default in LINE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        batch.add_column(sa.Column("approval_reason", STATUS, nullable=True))
        batch.add_column(sa.Column("estimate_quantity", AMOUNT, nullable=True))
        batch.add_column(sa.Column("estimate_amount", AMOUNT, nullable=True))
    with op.batch_alter_table("outbound_documents") as batch:
        batch.add_column(sa.Column("material_type", STATUS, nullable=True))
        batch.add_column(sa.Column("attributes", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), sa.ForeignKey("claims.id", name="fk_inspections_claim_id_claims",
                                                          ondelete="CASCADE"), nullable=False),
        sa.Column("number", CODE, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("measurement_type", sa.String(100), nullable=False),
        sa.Column("origin", STATUS, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("result_text", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_inspections"),
        sa.UniqueConstraint("claim_id", "number", name="uq_inspections_claim_id_number"),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_code", CODE, sa.ForeignKey("companies.code", name="fk_calls_company_code_companies"),
                  nullable=False),
        sa.Column("number", CODE, nullable=False),
        sa.Column("customer_code", CODE, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document_number", CODE, nullable=True),
        sa.Column("document_type", STATUS, nullable=True),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("claim_number", CODE, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calls"),
        sa.UniqueConstraint("company_code", "number", name="uq_calls_company_code_number"),
    )
    op.create_table(
        "claim_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_code", CODE, nullable=False),
        sa.Column("claim_number", CODE, nullable=False),
        sa.Column("posted_at", UTC_TIME, nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_history"),
        sa.UniqueConstraint("company_code", "claim_number", name="uq_claim_history_company_code_claim_number"),
    )


    op.create_table(
        "rule_sets",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("company_code", CODE, nullable=True),
        sa.Column("stored_at", UTC_TIME, nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_rule_sets"),
    )


def downgrade() -> None:
    op.drop_table("rule_sets")
    op.drop_table("claim_history")
    op.drop_table("calls")
    op.drop_table("inspections")
    with op.batch_alter_table("outbound_documents") as batch:
        batch.drop_column("attributes")
        batch.drop_column("material_type")
    with op.batch_alter_table("claim_lines") as batch:
        for name in ["estimate_amount", "estimate_quantity", "approval_reason"] + [c[0] for c in reversed(LINE_COLUMNS)]:
            batch.drop_column(name)
    with op.batch_alter_table("claims") as batch:
        for name in ("updated_at", "posted_to_history", "canceled_at", "cancel_text", "cancel_reason", "call_number"):
            batch.drop_column(name)
