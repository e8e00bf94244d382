"""The outbox as the relay works it: take a batch, then delete what Kafka acknowledged and park what
it refused for good (``outbox_parked``, migration 0007), in the caller's transaction.

Reading the parked rows (``msix outbox parked``, the dashboard, /metrics) shows ids, topics and
reasons, never a message's value: it may hold a child's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg
from sqlalchemy import Connection, text

OutboxRow = tuple[int, str, bytes, bytes]  # (id, topic, key, value)


def take(cur: psycopg.Cursor, limit: int) -> list[OutboxRow]:
    """The oldest rows no other relay holds, locked until the caller's transaction ends."""
    # SKIP LOCKED lets several relays share the outbox without sending one row twice at once.
    cur.execute("SELECT id, topic, key, value FROM outbox ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED", (limit,))
    return [(row_id, topic, bytes(key), bytes(value)) for row_id, topic, key, value in cur.fetchall()]


def delete(cur: psycopg.Cursor, ids: Sequence[int]) -> None:
    if ids:
        cur.execute("DELETE FROM outbox WHERE id = ANY(%s)", (list(ids),))


def park(cur: psycopg.Cursor, parked: Sequence[tuple[int, str, str]]) -> None:
    """Move rows ``(id, error_code, reason)`` from the outbox to ``outbox_parked``."""
    if not parked:
        return
    ids, codes, reasons = (list(column) for column in zip(*parked, strict=True))
    cur.execute(
        """WITH gone AS (DELETE FROM outbox WHERE id = ANY(%s) RETURNING id, topic, key, value, created_at)
           INSERT INTO outbox_parked (id, topic, key, value, created_at, error_code, reason)
           SELECT g.id, g.topic, g.key, g.value, g.created_at, r.code, r.reason
             FROM gone g JOIN unnest(%s::bigint[], %s::text[], %s::text[]) AS r(id, code, reason) USING (id)
           ON CONFLICT (id) DO UPDATE SET topic = EXCLUDED.topic, key = EXCLUDED.key, value = EXCLUDED.value,
               error_code = EXCLUDED.error_code, reason = EXCLUDED.reason, parked_at = now()""",
        (ids, ids, codes, reasons),
    )


@dataclass(frozen=True)
class Parked:
    id: int
    topic: str
    key: str  # an MSIX id or a state student id, as text
    bytes: int  # the value's size; the value itself stays in the table
    created_at: datetime
    parked_at: datetime
    error_code: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in self.__dict__.items()}


def parked(conn: Connection, limit: int = 1000) -> list[Parked]:
    """The parked rows, oldest first."""
    rows = conn.execute(
        text(
            "SELECT id, topic, key, octet_length(value), created_at, parked_at, error_code, reason "
            "FROM outbox_parked ORDER BY id LIMIT :limit"
        ),
        {"limit": limit},
    ).all()
    return [Parked(r[0], r[1], bytes(r[2]).decode("utf-8", "replace"), *r[3:]) for r in rows]


def counts_by_topic(conn: Connection) -> dict[str, int]:
    rows = conn.execute(text("SELECT topic, count(*) FROM outbox_parked GROUP BY topic")).all()
    return {topic: n for topic, n in rows}


def requeue(conn: Connection, ids: Sequence[int] | None) -> int:
    """Move parked rows (all with ``ids=None``) back to the outbox under their own ids, for the relay
    to try again (once the operator made the missing topic or ACL); returns how many moved."""
    moved = conn.execute(
        text(
            "WITH back AS (DELETE FROM outbox_parked WHERE CAST(:all AS boolean) OR id = ANY(:ids) "
            "RETURNING id, topic, key, value, created_at) "
            "INSERT INTO outbox (id, topic, key, value, created_at) SELECT * FROM back"
        ),
        {"all": ids is None, "ids": list(ids or [])},
    )
    return moved.rowcount
