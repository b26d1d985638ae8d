"""HTTP service: API keys scoped to companies, and idempotency records of retried requests.

Revision ID: 0002_http
Revises: 0001_initial
Create Date: 2024-06-10
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_http"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

# Spelled out, not imported from http_store, so this revision never changes under our feet.
UTC_TIME = sa.DateTime(timezone=True)
KEY_ID = sa.String(16)
CODE = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", KEY_ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )
    op.create_table(
        "api_key_companies",
        sa.Column("key_id", KEY_ID, nullable=False),
        sa.Column("company_code", CODE, nullable=False),
        sa.PrimaryKeyConstraint("key_id", "company_code", name="pk_api_key_companies"),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], ondelete="CASCADE",
                                name="fk_api_key_companies_key_id_api_keys"),
        sa.ForeignKeyConstraint(["company_code"], ["companies.code"],
                                name="fk_api_key_companies_company_code_companies"),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("company_code", CODE, nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("api_key_id", KEY_ID, nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_code", "key", name="pk_idempotency_records"),
    )


def downgrade() -> None:
    op.drop_table("idempotency_records")
    op.drop_table("api_key_companies")
    op.drop_table("api_keys")
