"""The identity tables (migration ``0002_identity``), on the metadata of ``tables``.

``identity_block``: the blocking index, one row per blocking key of each state identity; the
candidate search is one indexed join per batch. ``worklist_item``: a near match waiting for a data
admin. ``identity_request``: a merge or split asked for by one data admin, carried out when a second
one validates it. ``child_alias``: a merged-away MSIX id and the child it now names. ``identity_history``:
who did what to which item or request, when (never deleted). ``identity_model`` (migration
``0009_identity_model``): the fitted model, one row a version.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Float, ForeignKey, Index, Table, Text
from sqlalchemy.dialects.postgresql import JSONB

from hub.store.tables import metadata

identity_block = Table(
    "identity_block",
    metadata,
    Column("block_key", Text, primary_key=True),
    Column("state", Text, primary_key=True),
    Column("state_student_id", Text, primary_key=True),
)

child_alias = Table(
    "child_alias",
    metadata,
    Column("alias_msix_id", Text, primary_key=True),
    Column("msix_id", Text, ForeignKey("child.msix_id"), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Column("request_id", BigInteger),
    Index("child_alias_msix_id", "msix_id"),
)

worklist_item = Table(
    "worklist_item",
    metadata,
    Column("item_id", BigInteger, primary_key=True, autoincrement=True),
    Column("msix_id", Text, nullable=False),  # the provisional child
    Column("state", Text, nullable=False),
    Column("state_student_id", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", JSONB, nullable=False),
    Column("candidates", JSONB, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),  # open, confirmed, rejected
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("escalated_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", Text),
    Index("worklist_item_status", "status", "created_at"),
    Index("worklist_item_student", "state", "state_student_id", unique=True),
)

identity_request = Table(
    "identity_request",
    metadata,
    Column("request_id", BigInteger, primary_key=True, autoincrement=True),
    Column("kind", Text, nullable=False),  # merge, split
    Column("params", JSONB, nullable=False),
    Column("item_id", BigInteger),
    Column("status", Text, nullable=False, server_default="pending"),  # pending, done, refused
    Column("requested_by", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("validated_by", Text),
    Column("validated_at", DateTime(timezone=True)),
    Column("outcome", JSONB),
    Index("identity_request_status", "status"),
)

identity_history = Table(
    "identity_history",
    metadata,
    Column("entry_id", BigInteger, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("item_id", BigInteger),
    Column("request_id", BigInteger),
    Column("detail", JSONB, nullable=False),
)

identity_model = Table(
    "identity_model",
    metadata,
    Column("version", BigInteger, primary_key=True, autoincrement=True),
    Column("fitted_at", DateTime(timezone=True), nullable=False),
    Column("parameters", JSONB, nullable=False),
)
