"""The consolidated record store's tables (SQLAlchemy Core). Alembic migrations create them.

Records are keyed by where they came from (state, state student id, family, record key), never by
MSIX id: which child a state's records belong to lives in one place, ``state_identity``, so linking,
merging or splitting children re-points one row instead of rewriting every record.
"""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

child = Table(
    "child",
    metadata,
    Column("msix_id", Text, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

state_identity = Table(
    "state_identity",
    metadata,
    Column("state", Text, primary_key=True),
    Column("state_student_id", Text, primary_key=True),
    Column("msix_id", Text, ForeignKey("child.msix_id"), nullable=False),
    # Normalized facts, so a matcher can decide on candidates without reading their records.
    Column("first_name", Text, nullable=False, server_default=""),
    Column("last_name_1", Text, nullable=False, server_default=""),
    Column("last_name_2", Text, nullable=False, server_default=""),
    Column("birth_date", Date),
    Column("sex", Text, nullable=False, server_default=""),
    Column("multiple_birth", Boolean, nullable=False, server_default="false"),
    Column("middle_name", Text, nullable=False, server_default=""),
    Column("birth_city", Text, nullable=False, server_default=""),
    Column("birth_state", Text, nullable=False, server_default=""),
    Column("birth_country", Text, nullable=False, server_default=""),
    Column("parent1_first_name", Text, nullable=False, server_default=""),
    Column("parent1_last_name", Text, nullable=False, server_default=""),
    Column("parent2_first_name", Text, nullable=False, server_default=""),
    Column("parent2_last_name", Text, nullable=False, server_default=""),
    # The blocking keys this identity's rows of ``identity_block`` were written with: an update
    # deletes exactly the stale ones by primary key (migration 0013).
    Column("block_keys", ARRAY(Text), nullable=False, server_default="{}"),
    Column("linked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("state_identity_msix_id", "msix_id"),
)

record = Table(
    "record",
    metadata,
    Column("state", Text, primary_key=True),
    Column("state_student_id", Text, primary_key=True),
    Column("family", Text, primary_key=True),
    Column("record_key", Text, primary_key=True),
    Column("fields", JSONB),  # NULL: deleted (a tombstone that keeps its time)
    Column("source_ts", DateTime(timezone=True), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Records the worker applied, by state, family and hour: one row per batch (append-only, so two
# workers never contend for a counter row), summed for the dashboard's "records received per hour".
records_received = Table(
    "records_received",
    metadata,
    Column("state", Text, nullable=False),
    Column("family", Text, nullable=False),
    Column("hour", DateTime(timezone=True), nullable=False),
    Column("records", Integer, nullable=False),
    Index("records_received_state_hour", "state", "hour"),
)

# Every event applied, by id, inserted in the same transaction as its effect: the primary key is
# what makes a redelivered or republished event a no-op.
processed_event = Table(
    "processed_event",
    metadata,
    Column("event_id", Uuid, primary_key=True),
)

# The source of truth for where each consumer is: written in the same transaction as the effect,
# so a worker killed between the database commit and Kafka's offset commit resumes exactly here.
consumer_offset = Table(
    "consumer_offset",
    metadata,
    Column("group_id", Text, primary_key=True),
    Column("topic", Text, primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
)

move_notice = Table(
    "move_notice",
    metadata,
    Column("notice_id", Text, primary_key=True),
    Column("msix_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("from_state", Text, nullable=False),
    Column("to_state", Text, nullable=False),
    Column("to_city", Text),
    Column("move_date", Date),
    Column("first_name", Text),
    Column("last_name_1", Text),
    Column("birth_date", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("move_notice_msix_id", "msix_id"),
    Index("move_notice_to_state", "to_state", "created_at"),
)

identity_event = Table(
    "identity_event",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("msix_id", Text, nullable=False),
    Column("state", Text),
    Column("state_student_id", Text),
    Column("other_msix_id", Text),
    Column("reason", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("identity_event_msix_id", "msix_id"),
)

# Messages to publish, written in the same transaction as what caused them; the relay sends them
# and deletes them. A crash between send and delete sends again: readers de-duplicate by id.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("topic", Text, nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
