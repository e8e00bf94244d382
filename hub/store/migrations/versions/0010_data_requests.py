"""Data requests between states (docs/obligations.md): what one state asked another for, by when,
and the answer, recorded from the asked state's ``state.ST.responses``.

Revision ID: 0010_data_requests
Revises: 0009_identity_model
"""

from alembic import op

revision = "0010_data_requests"
down_revision = "0009_identity_model"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row a request; the answer's columns stay empty until the asked state answers. due_at is
    # fixed when the request is made (by the asked state's calendar then), so a calendar changed
    # later never moves a deadline already given.
    op.execute(
        """CREATE TABLE data_request (
               request_id text PRIMARY KEY,
               msix_id text NOT NULL,
               kind text NOT NULL,
               text text,
               from_state text NOT NULL,
               to_state text NOT NULL,
               requested_by text NOT NULL,
               requested_at timestamptz NOT NULL,
               due_at timestamptz NOT NULL,
               status text NOT NULL DEFAULT 'open',
               answered_at timestamptz,
               answered_by text,
               reason text,
               attachment text,
               response_id text,
               CHECK (from_state <> to_state),
               CHECK (due_at > requested_at),
               CHECK ((answered_at IS NULL) = (status = 'open'))
           )"""
    )
    # The asked state's open requests (its overdue list, the dashboards' counts), and the
    # requester's own list.
    op.execute("CREATE INDEX data_request_to ON data_request (to_state, due_at) WHERE answered_at IS NULL")
    op.execute("CREATE INDEX data_request_from ON data_request (from_state, requested_at)")
    op.execute("CREATE INDEX data_request_msix_id ON data_request (msix_id)")


def downgrade() -> None:
    op.execute("DROP TABLE data_request")
