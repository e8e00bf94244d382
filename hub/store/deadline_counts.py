"""Parents' correction parts as deadlines: per owning state, how many are undecided, due soon and
overdue at a moment (the dashboards and /metrics), and a state's parts that need acting on now.

Reads ``correction_part`` only (``hub.store.corrections`` writes it); the standing is worked out with
the same rule as a data request's (``hub.domain.deadlines.standing``), by the owning state's calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from hub import calendars
from hub.domain import deadline_board
from hub.domain.deadline_board import Tally
from hub.domain.deadlines import standing
from hub.store.obligation_tables import correction_part, parent_correction

KIND = "parent_correction"
LISTED = 200  # parts a dashboard lists at most


def correction_counts(conn: Connection, now: datetime) -> dict[str, Tally]:
    """Per owning state, its undecided parts at ``now`` (open, due soon, overdue)."""
    p = correction_part
    rows = conn.execute(select(p.c.state, p.c.due_at).where(p.c.decided_at.is_(None)))
    return deadline_board.tally(((st, due) for st, due in rows), calendars.calendar_for, now)


def pressing_parts(conn: Connection, state: str, now: datetime) -> list[dict[str, Any]]:
    """``state``'s undecided parts that are due soon or overdue at ``now``, soonest due first:
    ``correction_id``, ``msix_id``, ``kind``, ``due_at``, ``standing``."""
    p, c = correction_part, parent_correction
    query = (
        select(p.c.correction_id, c.c.msix_id, p.c.due_at)
        .join(c, c.c.correction_id == p.c.correction_id)
        .where(p.c.state == state, p.c.decided_at.is_(None))
        .order_by(p.c.due_at, p.c.correction_id)
    )
    calendar = calendars.calendar_for(state)
    out = []
    for row in conn.execute(query):
        found = standing(calendar, row.due_at, None, now)
        if found in ("due_soon", "overdue"):
            out.append({"correction_id": row.correction_id, "msix_id": row.msix_id, "kind": KIND,
                        "due_at": row.due_at.isoformat(), "standing": found})  # fmt: skip
    return out[:LISTED]
