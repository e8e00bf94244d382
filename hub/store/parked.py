"""Messages the merge worker kept instead of applying: parked (a schema the hub does not know yet) or
rejected by the hub's checks, with their bytes, so that ``msix parked replay`` can apply them after
an upgrade or a fix. One row per message position: seeing a message again updates its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

STATUSES = ("parked", "rejected", "replayed")
"""``parked``: waiting for the hub to know its schema; ``rejected``: refused by the hub's checks (and
sent to state.ST.rejected); ``replayed``: applied by a replay."""


@dataclass(frozen=True, slots=True)
class Held:
    """One kept message."""

    topic: str
    partition: int
    offset: int
    state: str
    key: bytes | None
    data: bytes | None
    status: str
    reason: str
    first_seen_at: datetime
    updated_at: datetime

    def summary(self) -> dict[str, Any]:
        """What ``msix parked list`` prints: the position, the state's key (an id), never the bytes."""
        return {
            "state": self.state,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "state_student_id": _printable(self.key.decode("utf-8", "replace")[:64]) if self.key else None,
            "status": self.status,
            "reason": self.reason,
            "bytes": len(self.data or b""),
            "first_seen_at": self.first_seen_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def _printable(text: str) -> str:
    # A hostile key's control characters must not reach the operator's terminal.
    return text if text.isprintable() else "".join(c if c.isprintable() else "\ufffd" for c in text)


def keep(cur: psycopg.Cursor, rows: Sequence[tuple[Any, ...]]) -> None:
    """Store (topic, partition, offset, state, key, data, status, reason, at) rows, in the batch's
    transaction; a position seen before takes the new status and reason."""
    if not rows:
        return
    cur.executemany(
        """INSERT INTO parked_event AS p (topic, partition, "offset", state, key, data, status, reason,
                                          first_seen_at, updated_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (topic, partition, "offset")
           DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, updated_at = EXCLUDED.updated_at""",
        [(*row, row[-1]) for row in rows],
    )


def load(cur: psycopg.Cursor, states: Sequence[str] | None, statuses: Sequence[str]) -> list[Held]:
    """Kept messages of ``states`` (None: all) with one of ``statuses``, in the order they came."""
    cur.execute(
        """SELECT topic, partition, "offset", state, key, data, status, reason, first_seen_at, updated_at
           FROM parked_event WHERE status = ANY(%s) AND (%s::text[] IS NULL OR state = ANY(%s))
           ORDER BY first_seen_at, topic, partition, "offset\"""",
        (list(statuses), None if states is None else list(states), None if states is None else list(states)),
    )
    return [Held(*row) for row in cur]


def mark_replayed(cur: psycopg.Cursor, positions: Sequence[tuple[str, int, int]], now: datetime) -> None:
    """Mark these positions applied by the replay of ``now``, except a row that replay itself kept
    again (the database refused the event: its row was updated at ``now``)."""
    cur.executemany(
        """UPDATE parked_event SET status = 'replayed', reason = 'applied by a replay', updated_at = %s
           WHERE topic = %s AND partition = %s AND "offset" = %s AND updated_at < %s""",
        [(now, *position, now) for position in positions],
    )
