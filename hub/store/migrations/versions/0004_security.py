"""Move-notice receipts: which destination state received or acknowledged which notice, and when.

Revision ID: 0004_security
Revises: 0003_web
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_security"
down_revision = "0003_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_receipt",
        sa.Column("notice_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.create_index("notice_receipt_state", "notice_receipt", ["state", "kind"])


def downgrade() -> None:
    op.drop_table("notice_receipt")
