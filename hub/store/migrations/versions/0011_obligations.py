"""Accounts governed per state, and parents' correction requests (docs/obligations.md).

- web_user gets a status (active, disabled: temporary and reversible, deactivated: permanent), when
  it was last used, certified, and deactivated, and the requester's school or agency.
- account_request: a requested account, verified by one person and approved by another.
- account_event: every change to an account, by whom.
- parent_correction and correction_part: a parent's request, one part per state that owns a
  disputed item, each with its deadline, acknowledgement and decision.

Revision ID: 0011_obligations
Revises: 0010_data_requests
"""

from alembic import op

revision = "0011_obligations"
down_revision = "0010_data_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """ALTER TABLE web_user
               ADD COLUMN status text NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'disabled', 'deactivated')),
               ADD COLUMN status_reason text,
               ADD COLUMN last_seen_at timestamptz,
               ADD COLUMN certified_at timestamptz NOT NULL DEFAULT now(),
               ADD COLUMN deactivated_at timestamptz,
               ADD COLUMN agency text,
               ADD CONSTRAINT web_user_deactivated CHECK ((status = 'deactivated') = (deactivated_at IS NOT NULL))"""
    )
    # The requester names who will vouch for them (verified_by must be that person); the approver is
    # a different person again (the CHECKs hold even if the code forgot).
    op.execute(
        """CREATE TABLE account_request (
               request_id text PRIMARY KEY,
               username text NOT NULL,
               full_name text NOT NULL,
               role text NOT NULL,
               state text,
               agency text NOT NULL,
               verifier text NOT NULL,
               password_hash text NOT NULL,
               requested_at timestamptz NOT NULL,
               status text NOT NULL DEFAULT 'requested'
                   CHECK (status IN ('requested', 'verified', 'approved', 'refused')),
               verified_by text,
               verified_at timestamptz,
               decided_by text,
               decided_at timestamptz,
               reason text,
               CHECK (verified_by IS NULL OR verified_by = verifier),
               CHECK (decided_by IS NULL OR status = 'refused' OR decided_by <> verified_by),
               CHECK (verified_by IS NULL OR verified_by <> username),
               CHECK (decided_by IS NULL OR decided_by <> username)
           )"""
    )
    op.execute("CREATE INDEX account_request_state ON account_request (state, status)")
    op.execute(
        """CREATE TABLE account_event (
               id bigserial PRIMARY KEY,
               at timestamptz NOT NULL,
               username text NOT NULL,
               state text,
               action text NOT NULL,
               actor text NOT NULL,
               detail text
           )"""
    )
    op.execute("CREATE INDEX account_event_username ON account_event (username, at)")
    op.execute(
        """CREATE TABLE parent_correction (
               correction_id text PRIMARY KEY,
               msix_id text NOT NULL,
               received_at timestamptz NOT NULL,
               recorded_by text NOT NULL,
               recorded_state text NOT NULL,
               parent_name text NOT NULL,
               identified_by text NOT NULL,
               statement text NOT NULL,
               lang text NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'es'))
           )"""
    )
    op.execute("CREATE INDEX parent_correction_msix_id ON parent_correction (msix_id)")
    op.execute(
        """CREATE TABLE correction_part (
               correction_id text NOT NULL REFERENCES parent_correction ON DELETE CASCADE,
               state text NOT NULL,
               items jsonb NOT NULL,
               due_at timestamptz NOT NULL,
               acknowledged_at timestamptz,
               acknowledged_by text,
               decided_at timestamptz,
               decided_by text,
               outcome text CHECK (outcome IN ('corrected', 'removed', 'kept')),
               reason text,
               PRIMARY KEY (correction_id, state),
               CHECK ((outcome IS NULL) = (decided_at IS NULL)),
               CHECK (outcome IS DISTINCT FROM 'kept' OR reason IS NOT NULL)
           )"""
    )
    op.execute("CREATE INDEX correction_part_open ON correction_part (state, due_at) WHERE decided_at IS NULL")


def downgrade() -> None:
    op.execute("DROP TABLE correction_part")
    op.execute("DROP TABLE parent_correction")
    op.execute("DROP TABLE account_event")
    op.execute("DROP TABLE account_request")
    op.execute(
        """ALTER TABLE web_user DROP CONSTRAINT web_user_deactivated, DROP COLUMN status,
               DROP COLUMN status_reason, DROP COLUMN last_seen_at, DROP COLUMN certified_at,
               DROP COLUMN deactivated_at, DROP COLUMN agency"""
    )
