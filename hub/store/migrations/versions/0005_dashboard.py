"""Indexes for the state dashboard: a state's submissions by time (the last submissions, the latest
one) and its records by when the hub applied them (records received per hour), without reading
every record of the state.

Revision ID: 0005_dashboard
Revises: 0004_security
"""

from alembic import op

revision = "0005_dashboard"
down_revision = "0004_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("record_state_source_ts", "record", ["state", "source_ts"])
    op.create_index("record_state_updated_at", "record", ["state", "updated_at"])


def downgrade() -> None:
    op.drop_index("record_state_updated_at", "record")
    op.drop_index("record_state_source_ts", "record")
