"""Parents' correction parts and move notices as deadlines: per owning state, how many are open, due
soon and overdue at a moment (the dashboards and /metrics), and a state's items to act on now.

Reads ``correction_part`` (``hub.store.corrections`` writes it), ``move_notice`` and its receipts; the
standing is worked out with the same rule as a data request's (``hub.domain.deadlines.standing``), by
the owing state's calendar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, exists, func, select

from hub import calendars
from hub.domain import deadline_board, deadlines
from hub.domain.deadline_board import Cutoffs, Tally
from hub.domain.deadlines import standing
from hub.store.obligation_tables import correction_part, parent_correction
from hub.store.receipts import ACKNOWLEDGED, notice_receipt
from hub.store.tables import move_notice

KIND = "parent_correction"
NOTICE_KIND = "change_of_residence"
LISTED = 200  # parts a dashboard lists at most
NOTICES_LISTED = 20  # notices a dashboard lists at most; it says how many more there are


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


# --- move notices -----------------------------------------------------------------------------------
# A notice to state ST is owed by ST under ``change_of_residence`` from the moment the hub made it,
# and answered by ST's ``acknowledged`` receipt: the receipt is the state telling the hub it acted on
# the notice (a ``received`` one only says that it arrived).


def _unacknowledged() -> ColumnElement[bool]:
    m, r = move_notice, notice_receipt
    acked = and_(r.c.notice_id == m.c.notice_id, r.c.kind == ACKNOWLEDGED)
    return ~exists().where(acked)


def _cutoffs(state: str, now: datetime) -> Cutoffs:
    return deadline_board.cutoffs(calendars.calendar_for(state), calendars.obligation_for(state, NOTICE_KIND), now)


def _per_state(now: datetime, which: str) -> ColumnElement[datetime]:
    """The ``which`` cut-off of the notice's destination: its own calendar's, else the federal one."""
    own = {st: getattr(_cutoffs(st, now), which) for st in sorted(calendars.available())}
    federal = getattr(_cutoffs(calendars.FEDERAL, now), which)
    return case(own, value=move_notice.c.to_state, else_=federal) if own else federal


def notice_counts(conn: Connection, now: datetime, only: str | None = None) -> dict[str, Tally]:
    """Per destination state (``only``: that one, by the ``move_notice_to_state`` index), its
    unacknowledged notices at ``now`` (open, due soon, overdue).

    One pass over ``move_notice`` anti-joined to the acknowledgements: a notice's standing depends
    only on when it was made, so comparing ``created_at`` with the state's two cut-offs
    (``deadline_board.cutoffs``) counts it, and no due date is worked out per notice in Python (a
    state may have hundreds of thousands: 400,000 notices, half acknowledged, count in ~140 ms)."""
    m = move_notice
    soon, overdue = _per_state(now, "due_soon"), _per_state(now, "overdue")
    query = (
        select(
            m.c.to_state,
            func.count(),
            func.count().filter(m.c.created_at < soon),
            func.count().filter(m.c.created_at < overdue),
        )
        .where(_unacknowledged(), *([m.c.to_state == only] if only else []))
        .group_by(m.c.to_state)
    )
    return {st: Tally(n, pressing - late, late) for st, n, pressing, late in conn.execute(query)}


def pressing_notices(conn: Connection, state: str, now: datetime) -> list[dict[str, Any]]:
    """``state``'s unacknowledged notices due soon or overdue at ``now``, the oldest (soonest due)
    first, ``NOTICES_LISTED`` at most: ``notice_id``, ``from_state``, ``due_at``, ``standing``. The
    ``move_notice_to_state`` index gives them in order; due dates are worked out for these only."""
    m = move_notice
    query = (
        select(m.c.notice_id, m.c.from_state, m.c.created_at)
        .where(m.c.to_state == state, m.c.created_at < _cutoffs(state, now).due_soon, _unacknowledged())
        .order_by(m.c.created_at, m.c.notice_id)
        .limit(NOTICES_LISTED)
    )
    calendar, owed = calendars.calendar_for(state), calendars.obligation_for(state, NOTICE_KIND)
    out = []
    for row in conn.execute(query):
        due = deadlines.due_at(calendar, owed, row.created_at)
        out.append({"notice_id": row.notice_id, "from_state": row.from_state, "kind": NOTICE_KIND,
                    "due_at": due.isoformat(), "standing": standing(calendar, due, None, now)})  # fmt: skip
    return out
