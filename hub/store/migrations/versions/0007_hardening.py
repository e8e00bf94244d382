"""What hardening the hub against hostile input and faults needs in the store.

Each concern keeps its own function, so the parts can be read (and were written) apart.

Revision ID: 0007_hardening
Revises: 0006_records_received
"""

from alembic import op

revision = "0007_hardening"
down_revision = "0006_records_received"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _merge()
    _relay()
    _web()


def downgrade() -> None:
    _web_down()
    _relay_down()
    _merge_down()


def _merge() -> None:
    """The merge path: parked events and anything else the worker's checks need."""
    # What the merge worker kept instead of applying (hub.store.parked): messages of a schema it does
    # not know yet, and messages its checks refused, with their bytes, for `msix parked replay`.
    # The message's position is its identity: the worker meeting it again updates the row.
    op.execute(
        """CREATE TABLE parked_event (
               topic text NOT NULL,
               partition integer NOT NULL,
               "offset" bigint NOT NULL,
               state text NOT NULL,
               key bytea,
               data bytea,
               status text NOT NULL CHECK (status IN ('parked', 'rejected', 'replayed')),
               reason text NOT NULL,
               first_seen_at timestamptz NOT NULL,
               updated_at timestamptz NOT NULL,
               PRIMARY KEY (topic, partition, "offset"))"""
    )
    op.execute("CREATE INDEX parked_event_status ON parked_event (status, state)")


def _merge_down() -> None:
    op.execute("DROP TABLE parked_event")


def _relay() -> None:
    """The outbox relay: parked outbox rows with their reasons."""
    # A row Kafka refused for good (its topic does not exist or may not be written, the message is
    # too large...) moves here, so the outbox never jams behind it; `msix outbox parked` lists them.
    # The outbox row's id is kept: a parked row is the same message, not a new one.
    op.execute(
        """CREATE TABLE outbox_parked (
               id bigint PRIMARY KEY,
               topic text NOT NULL,
               key bytea NOT NULL,
               value bytea NOT NULL,
               created_at timestamptz NOT NULL,
               error_code text NOT NULL,
               reason text NOT NULL,
               parked_at timestamptz NOT NULL DEFAULT now())"""
    )


def _relay_down() -> None:
    op.execute("DROP TABLE outbox_parked")


def _web() -> None:
    """The web application: sign-in throttle, audit, roles."""
    # The sign-in throttle (hub.store.throttle): one row per key, and the keys are bounded (a client
    # address or an unknown user name is hashed into a fixed number of buckets).
    op.execute(
        """CREATE TABLE login_throttle (
               key text PRIMARY KEY,
               window_start timestamptz NOT NULL,
               attempts integer NOT NULL)"""
    )


def _web_down() -> None:
    op.execute("DROP TABLE login_throttle")
