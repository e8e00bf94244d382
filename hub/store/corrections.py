"""Parents' correction requests in PostgreSQL: recorded with one part per owning state (each with its
``parent_correction`` deadline, by that state's calendar), acknowledged and decided by the state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub import calendars
from hub.domain import corrections as rules
from hub.domain.deadlines import due_at
from hub.errors import UserInputError
from hub.store.obligation_tables import correction_part, parent_correction

KIND = "parent_correction"


class NotFound(UserInputError):
    """No such request, or no part of it for that state."""


class Decided(UserInputError):
    """The state decided its part already: a decision is final."""


def record(
    conn: Connection,
    now: datetime,
    found: dict[str, Any],
    items: list[dict[str, str]],
    parent: dict[str, str],
    by: tuple[str, str],
) -> dict[str, Any]:
    """A parent's request against the consolidated record ``found``; ``parent`` has ``parent_name``,
    ``identified_by``, ``statement`` and ``lang``; ``by`` is (user name, their state)."""
    try:
        parts = rules.route(found, items)
        texts = {k: rules.check_text(k, parent.get(k, "")) for k in ("parent_name", "identified_by", "statement")}
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    lang = parent.get("lang", "en")
    if lang not in ("en", "es"):
        raise UserInputError("the letter's language is en or es")
    correction_id = str(uuid.uuid4())
    conn.execute(
        insert(parent_correction).values(
            correction_id=correction_id,
            msix_id=found["msix_id"],
            received_at=now,
            recorded_by=by[0],
            recorded_state=by[1],
            lang=lang,
            **texts,
        )
    )
    for part in parts:
        due = due_at(calendars.calendar_for(part.state), calendars.obligation_for(part.state, KIND), now)
        conn.execute(
            insert(correction_part).values(
                correction_id=correction_id, state=part.state, items=[dict(i) for i in part.items], due_at=due
            )
        )
    return get(conn, correction_id, now)


def get(conn: Connection, correction_id: str, now: datetime) -> dict[str, Any]:
    row = (
        conn.execute(select(parent_correction).where(parent_correction.c.correction_id == correction_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no correction request {correction_id!r}")
    parts = (
        conn.execute(
            select(correction_part)
            .where(correction_part.c.correction_id == correction_id)
            .order_by(correction_part.c.state)
        )
        .mappings()
        .all()
    )
    shown = [_part(p, now) for p in parts]
    return {**_json(dict(row)), "parts": shown, "status": "closed" if rules.closed(shown) else "open"}


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}


def _part(p: Any, now: datetime) -> dict[str, Any]:
    standing = rules.part_standing(calendars.calendar_for(p["state"]), p["due_at"], p["decided_at"], now)
    out = _json({k: v for k, v in p.items() if k != "correction_id"})
    return {**out, "standing": standing, "overdue": standing == "overdue"}


def listed(conn: Connection, state: str, now: datetime, open_only: bool = False) -> list[dict[str, Any]]:
    """The requests with a part for ``state`` or recorded by its people (only its undecided parts'
    with ``open_only``), newest first."""
    c, p = parent_correction, correction_part
    ids = select(p.c.correction_id).where(p.c.state == state)
    if open_only:
        ids = ids.where(p.c.decided_at.is_(None))
    mine = c.c.correction_id.in_(ids) if open_only else c.c.correction_id.in_(ids) | (c.c.recorded_state == state)
    query = select(c.c.correction_id).where(mine).order_by(c.c.received_at.desc())
    return [get(conn, cid, now) for cid in conn.execute(query).scalars()]


def _own_part(conn: Connection, correction_id: str, state: str) -> dict[str, Any]:
    p = correction_part
    row = conn.execute(select(p).where(p.c.correction_id == correction_id, p.c.state == state)).mappings().first()
    if row is None:
        raise NotFound(f"correction request {correction_id!r} has no part for {state}")
    return dict(row)


def acknowledge(conn: Connection, now: datetime, correction_id: str, state: str, by: str) -> dict[str, Any]:
    part = _own_part(conn, correction_id, state)
    if part["acknowledged_at"] is None:
        conn.execute(
            update(correction_part)
            .where(correction_part.c.correction_id == correction_id, correction_part.c.state == state)
            .values(acknowledged_at=now, acknowledged_by=by)
        )
    return get(conn, correction_id, now)


def decide(
    conn: Connection, now: datetime, correction_id: str, state: str, by: str, outcome: str, reason: str | None
) -> dict[str, Any]:
    """The state's decision: ``corrected`` (through a new submission), ``removed``, or ``kept`` with
    the reason. A decision is final; deciding acknowledges too."""
    part = _own_part(conn, correction_id, state)
    try:
        rules.check_decision(outcome, reason)
        text = rules.check_text("reason", reason or "", required=False) or None
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    if part["outcome"] is not None:
        raise Decided(f"{state} decided this request already ({part['outcome']})")
    conn.execute(
        update(correction_part)
        .where(correction_part.c.correction_id == correction_id, correction_part.c.state == state)
        .values(
            decided_at=now,
            decided_by=by,
            outcome=outcome,
            reason=text,
            acknowledged_at=part["acknowledged_at"] or now,
            acknowledged_by=part["acknowledged_by"] or by,
        )
    )
    return get(conn, correction_id, now)
