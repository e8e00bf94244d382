"""The hub's people: accounts, their sessions and bearer tokens, and the audit log.

They share ``tables.metadata`` so that one Alembic environment sees every table.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, Table, Text, func

from hub.store.tables import metadata

web_user = Table(
    "web_user",
    metadata,
    Column("username", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("state", Text),  # the user's own state (school, MEP and state roles); NULL for hub-wide roles
    Column("password_hash", Text, nullable=False),  # argon2id, as argon2-cffi encodes it
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Account governance (migration 0011, hub.store.accounts): only "active" may sign in.
    Column("status", Text, nullable=False, server_default="active"),  # active, disabled, deactivated
    Column("status_reason", Text),
    Column("last_seen_at", DateTime(timezone=True)),  # the last sign-in
    Column("certified_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("deactivated_at", DateTime(timezone=True)),  # kept at least the retention time after this
    Column("agency", Text),  # the school or agency the account was requested for
)

# Every normalized name part of every state identity (kept by a trigger of migration 0003_web): the
# small vocabulary that fuzzy search expands a query's words against.
name_word = Table("name_word", metadata, Column("word", Text, primary_key=True))

# Bearer tokens and browser sessions alike: only a SHA-256 of the secret is kept, so a copy of the
# table does not let anyone in. A browser session also carries its CSRF token for forms.
web_session = Table(
    "web_session",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("username", Text, ForeignKey("web_user.username", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),  # "bearer" or "cookie"
    Column("csrf", Text),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("web_session_expires_at", "expires_at"),
)

# Who saw which child's record, when and from where. Written in the same transaction as the read
# it records is served from, never to a log file (no student data in logs).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("username", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("user_state", Text),
    Column("action", Text, nullable=False),  # view, credits, report, export
    Column("msix_id", Text),
    Column("detail", Text),  # e.g. the report's language, the credits' state, an export's filter
    Column("client", Text),  # the client's address as the server saw it
    Index("audit_log_msix_id", "msix_id", "at"),
)

# The sign-in throttle (hub.store.throttle, migration 0007): attempts per key in the current window.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", Text, primary_key=True),  # client#<bucket>, user:<account> or name#<bucket>
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
)
