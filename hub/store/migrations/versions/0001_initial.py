"""The consolidated record store: children, state identities, records, notices, outbox, offsets.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    # MSIX ids are drawn from this sequence (eleven digits, then a check digit added in Python).
    op.execute("CREATE SEQUENCE msix_serial START WITH 10000000001")
    op.create_table(
        "child",
        sa.Column("msix_id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_table(
        "state_identity",
        sa.Column("state", sa.Text, primary_key=True),
        sa.Column("state_student_id", sa.Text, primary_key=True),
        sa.Column("msix_id", sa.Text, sa.ForeignKey("child.msix_id"), nullable=False),
        sa.Column("first_name", sa.Text, nullable=False, server_default=""),
        sa.Column("last_name_1", sa.Text, nullable=False, server_default=""),
        sa.Column("last_name_2", sa.Text, nullable=False, server_default=""),
        sa.Column("birth_date", sa.Date),
        sa.Column("sex", sa.Text, nullable=False, server_default=""),
        sa.Column("multiple_birth", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("blocking_key", sa.Text),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_index("state_identity_msix_id", "state_identity", ["msix_id"])
    op.create_index("state_identity_blocking_key", "state_identity", ["blocking_key"])
    op.create_table(
        "record",
        sa.Column("state", sa.Text, primary_key=True),
        sa.Column("state_student_id", sa.Text, primary_key=True),
        sa.Column("family", sa.Text, primary_key=True),
        sa.Column("record_key", sa.Text, primary_key=True),
        sa.Column("fields", JSONB),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_table("processed_event", sa.Column("event_id", sa.Uuid, primary_key=True))
    op.create_table(
        "consumer_offset",
        sa.Column("group_id", sa.Text, primary_key=True),
        sa.Column("topic", sa.Text, primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "move_notice",
        sa.Column("notice_id", sa.Text, primary_key=True),
        sa.Column("msix_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text, nullable=False),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("to_city", sa.Text),
        sa.Column("move_date", sa.Date),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name_1", sa.Text),
        sa.Column("birth_date", sa.Date),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("move_notice_msix_id", "move_notice", ["msix_id"])
    op.create_index("move_notice_to_state", "move_notice", ["to_state", "created_at"])
    op.create_table(
        "identity_event",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("msix_id", sa.Text, nullable=False),
        sa.Column("state", sa.Text),
        sa.Column("state_student_id", sa.Text),
        sa.Column("other_msix_id", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("identity_event_msix_id", "identity_event", ["msix_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "identity_event",
        "move_notice",
        "consumer_offset",
        "processed_event",
        "record",
        "state_identity",
        "child",
    ):
        op.drop_table(table)
    op.execute("DROP SEQUENCE msix_serial")
