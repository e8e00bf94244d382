"""Records received per hour as a roll-up the merge worker appends to, instead of counting a state's
records by when they were last changed: the dashboard's chart then reads a few rows per hour, not
every record of the state, and a record changed twice counts twice (it was received twice).

Existing records are counted once, in the hour of their latest change (all that is known of them).
The (state, updated_at) index of 0005 served only that count and goes: one index fewer to keep up
to date on every record the worker writes.

Revision ID: 0006_records_received
Revises: 0005_dashboard
"""

from alembic import op

revision = "0006_records_received"
down_revision = "0005_dashboard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Append-only (one row per batch, state and family): two workers never wait for each other's
    # lock on a shared counter row, and a batch's rows commit or vanish with the batch.
    op.execute(
        """CREATE TABLE records_received (
               state text NOT NULL,
               family text NOT NULL,
               hour timestamptz NOT NULL,
               records integer NOT NULL CHECK (records > 0))"""
    )
    op.execute("CREATE INDEX records_received_state_hour ON records_received (state, hour)")
    op.execute(
        """INSERT INTO records_received (state, family, hour, records)
           SELECT state, family, date_trunc('hour', updated_at), count(*) FROM record GROUP BY 1, 2, 3"""
    )
    op.drop_index("record_state_updated_at", "record")


def downgrade() -> None:
    op.create_index("record_state_updated_at", "record", ["state", "updated_at"])
    op.execute("DROP TABLE records_received")
