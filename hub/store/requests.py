"""Data requests in the store: a new request and its outbox row in one transaction, the answers the
recorder reads from ``state.ST.responses``, and the lists and counts readers ask for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, text

import schemas
from hub.domain.data_requests import Answer
from producers.topics import Topics

COLUMNS = (
    "request_id, msix_id, kind, text, from_state, to_state, requested_by, requested_at, due_at, status, "
    "answered_at, answered_by, reason, attachment"
)
LISTED = 1000  # requests a list shows at most, newest first
_DIRECTION = {"sent": "from_state = :st", "received": "to_state = :st", "both": "(from_state = :st OR to_state = :st)"}


def insert(conn: Connection, topics: Topics, value: dict[str, Any]) -> None:
    """Store the request and queue its DataRequest for ``datarequest.TO`` in the same transaction:
    the request exists exactly when it will be sent (the relay sends it, at least once)."""
    row = {k: v for k, v in value.items() if k != "state_student_id"}
    conn.execute(
        text(
            "INSERT INTO data_request (request_id, msix_id, kind, text, from_state, to_state, requested_by, "
            "requested_at, due_at) VALUES (:request_id, :msix_id, :kind, :text, :from_state, :to_state, "
            ":requested_by, :requested_at, :due_at)"
        ),
        row,
    )
    conn.execute(
        text("INSERT INTO outbox (topic, key, value) VALUES (:t, :k, :v)"),
        {
            "t": topics.data_requests(value["to_state"]),
            "k": value["request_id"].encode(),
            "v": schemas.encode("DataRequest", value),
        },
    )


def known_to(cur: psycopg.Cursor, ids: Iterable[str], state: str) -> set[str]:
    """Which of ``ids`` are requests that were sent to ``state``."""
    cur.execute("SELECT request_id FROM data_request WHERE request_id = ANY(%s) AND to_state = %s", (list(ids), state))
    return {row[0] for row in cur.fetchall()}


def record(cur: psycopg.Cursor, answers: Iterable[Answer]) -> int:
    """Store answers to requests sent to the answering state; a later answer replaces an earlier
    one, the same answer again changes nothing. Returns how many changed a request. The time kept is
    never later than now nor earlier than the request (a state's clock is its own)."""
    changed = 0
    for a in answers:
        cur.execute(
            "UPDATE data_request SET status = %(status)s, reason = %(reason)s, attachment = %(attachment)s, "
            "answered_by = %(by)s, response_id = %(response_id)s, "
            "answered_at = GREATEST(LEAST(%(at)s, now()), requested_at) "
            "WHERE request_id = %(request_id)s AND to_state = %(state)s "
            "AND response_id IS DISTINCT FROM %(response_id)s "
            "AND (answered_at IS NULL OR answered_at <= GREATEST(LEAST(%(at)s, now()), requested_at))",
            a.__dict__,
        )
        changed += max(cur.rowcount, 0)
    return changed


def listed(
    conn: Connection,
    state: str | None,
    direction: str = "both",
    only_overdue: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Requests made by or of ``state`` (every state's: None), newest first; ``direction`` sent
    (by the state), received (of it) or both; ``only_overdue``: unanswered past due at ``now``."""
    where = ["TRUE"]
    if state is not None:
        where.append(_DIRECTION[direction])
    if only_overdue:
        where.append("answered_at IS NULL AND due_at <= :now")
    order = f"ORDER BY requested_at DESC, request_id LIMIT {LISTED}"
    query = f"SELECT {COLUMNS} FROM data_request WHERE {' AND '.join(where)} {order}"
    return [dict(r) for r in conn.execute(text(query), {"st": state, "now": now}).mappings()]


def open_to(conn: Connection) -> list[dict[str, Any]]:
    """Every unanswered request, for the per-state counts (to_state and due_at)."""
    rows = conn.execute(text("SELECT to_state, due_at, answered_at FROM data_request WHERE answered_at IS NULL"))
    return [dict(r) for r in rows.mappings()]
