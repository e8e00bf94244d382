"""Probabilistic identity matching: the facts it reads, its blocking index, the near-match worklist,
merge and split requests validated by a second person, and aliases of merged MSIX ids.

Revision ID: 0002_identity
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_identity"
down_revision = "0001"
branch_labels = None
depends_on = None

NOW = sa.text("now()")
NEW_FACTS = (
    "middle_name",
    "birth_city",
    "birth_state",
    "birth_country",
    "parent1_first_name",
    "parent1_last_name",
    "parent2_first_name",
    "parent2_last_name",
)


def upgrade() -> None:
    for column in NEW_FACTS:
        op.add_column("state_identity", sa.Column(column, sa.Text, nullable=False, server_default=""))
    op.create_table(
        "identity_block",
        sa.Column("block_key", sa.Text, primary_key=True),
        sa.Column("state", sa.Text, primary_key=True),
        sa.Column("state_student_id", sa.Text, primary_key=True),
    )
    op.create_index("identity_block_student", "identity_block", ["state", "state_student_id"])
    op.create_table(
        "child_alias",
        sa.Column("alias_msix_id", sa.Text, primary_key=True),
        sa.Column("msix_id", sa.Text, sa.ForeignKey("child.msix_id"), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.BigInteger),
    )
    op.create_index("child_alias_msix_id", "child_alias", ["msix_id"])
    op.create_table(
        "worklist_item",
        sa.Column("item_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("msix_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("state_student_id", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("candidates", JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="open"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.Text),
    )
    op.create_index("worklist_item_status", "worklist_item", ["status", "created_at"])
    op.create_index("worklist_item_student", "worklist_item", ["state", "state_student_id"], unique=True)
    op.create_table(
        "identity_request",
        sa.Column("request_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("params", JSONB, nullable=False),
        sa.Column("item_id", sa.BigInteger),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_by", sa.Text),
        sa.Column("validated_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", JSONB),
    )
    op.create_index("identity_request_status", "identity_request", ["status"])
    op.create_table(
        "identity_history",
        sa.Column("entry_id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("item_id", sa.BigInteger),
        sa.Column("request_id", sa.BigInteger),
        sa.Column("detail", JSONB, nullable=False),
    )


def downgrade() -> None:
    for table in ("identity_history", "identity_request", "worklist_item", "child_alias", "identity_block"):
        op.drop_table(table)
    for column in NEW_FACTS:
        op.drop_column("state_identity", column)
