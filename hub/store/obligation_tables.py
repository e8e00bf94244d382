"""Tables of account governance and parents' corrections (migration 0011_obligations)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from hub.store.tables import metadata

# A requested account: the requester, the person who vouches for them (verifier), and the state's
# user admin who approves; three different people.
account_request = Table(
    "account_request",
    metadata,
    Column("request_id", Text, primary_key=True),
    Column("username", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("state", Text),
    Column("agency", Text, nullable=False),
    Column("verifier", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False, server_default="requested"),
    Column("verified_by", Text),
    Column("verified_at", DateTime(timezone=True)),
    Column("decided_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text),
)

# Every change to an account (requested, verified, approved, disabled, enabled, deactivated,
# certified, purged), by whom: "msix" for the automatic steps.
account_event = Table(
    "account_event",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", Text, nullable=False),
    Column("state", Text),
    Column("action", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("detail", Text),
)

parent_correction = Table(
    "parent_correction",
    metadata,
    Column("correction_id", Text, primary_key=True),
    Column("msix_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_state", Text, nullable=False),
    Column("parent_name", Text, nullable=False),
    Column("identified_by", Text, nullable=False),
    Column("statement", Text, nullable=False),
    Column("lang", Text, nullable=False, server_default="en"),
)

# One part per state owning a disputed item: that state acknowledges and decides it.
correction_part = Table(
    "correction_part",
    metadata,
    Column("correction_id", Text, ForeignKey("parent_correction.correction_id", ondelete="CASCADE"), primary_key=True),
    Column("state", Text, primary_key=True),
    Column("items", JSONB, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", Text),
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", Text),
    Column("outcome", Text),
    Column("reason", Text),
)
