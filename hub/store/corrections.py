"""Parents' correction requests in PostgreSQL: recorded with one part per owning state (each with its
``parent_correction`` deadline, by that state's calendar) and, in the same transaction, one
CorrectionRequest a part queued in the outbox for the owning state's ``datarequest.ST``; acknowledged
and decided by the state (its CorrectionAnswer read by the worker, or the operator's command)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import Connection, insert, select, text

import schemas
from hub import calendars
from hub.domain import correction_messages as messages
from hub.domain import corrections as rules
from hub.domain.deadlines import due_at
from hub.errors import UserInputError
from hub.store.obligation_tables import correction_part, parent_correction
from producers.topics import Topics

KIND = "parent_correction"
CHANGED, SAME, FINAL, UNKNOWN = "changed", "same", "final", "unknown"


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
    topics: Topics,
) -> dict[str, Any]:
    """A parent's request against the consolidated record ``found``; ``parent`` has ``parent_name``,
    ``identified_by``, ``statement`` and ``lang``; ``by`` is (user name, their state). Each owning
    state's CorrectionRequest is queued in the caller's transaction: the request exists exactly when
    it will be sent (the outbox relay sends it, at least once)."""
    try:
        parts = rules.route(found, items)
        texts = {k: rules.check_text(k, parent.get(k, "")) for k in ("parent_name", "identified_by", "statement")}
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    lang = parent.get("lang", "en")
    if lang not in ("en", "es"):
        raise UserInputError("the letter's language is en or es")
    correction_id = str(uuid.uuid4())
    row = {"correction_id": correction_id, "msix_id": found["msix_id"], "received_at": now, "recorded_by": by[0],
           "recorded_state": by[1], "lang": lang, **texts}  # fmt: skip
    conn.execute(insert(parent_correction).values(**row))
    for part in parts:
        due = due_at(calendars.calendar_for(part.state), calendars.obligation_for(part.state, KIND), now)
        conn.execute(
            insert(correction_part).values(
                correction_id=correction_id, state=part.state, items=[dict(i) for i in part.items], due_at=due
            )
        )
        ids = (i["state_student_id"] for i in found.get("state_ids", []) if i.get("state") == part.state)
        _queue(conn, topics, messages.request_value(row, part, due, ids))
    return get(conn, correction_id, now)


def _queue(conn: Connection, topics: Topics, value: dict[str, Any]) -> None:
    """The CorrectionRequest onto ``datarequest.ST`` (what the hub asks of ST), keyed by correction id."""
    conn.execute(
        text("INSERT INTO outbox (topic, key, value) VALUES (:t, :k, :v)"),
        {
            "t": topics.data_requests(value["state"]),
            "k": value["correction_id"].encode(),
            "v": schemas.encode(messages.REQUEST, value),
        },
    )


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


def answer_part(
    cur: psycopg.Cursor[Any], correction_id: str, state: str, action: str, reason: str | None, by: str, at: datetime
) -> str:
    """Apply state ``state``'s ``action`` (``acknowledged`` or an outcome) to its part: ``CHANGED``,
    ``SAME`` (nothing to do), ``FINAL`` (decided otherwise before), ``UNKNOWN`` (no such part).
    The part's row is locked: the worker and an operator answering at once do not both decide."""
    cur.execute(
        "SELECT p.acknowledged_at, p.outcome, p.reason, c.received_at FROM correction_part p "
        "JOIN parent_correction c USING (correction_id) WHERE p.correction_id = %s AND p.state = %s "
        "FOR UPDATE OF p",
        (correction_id, state),
    )
    found = cur.fetchone()
    if found is None:
        return UNKNOWN
    part = dict(zip(("acknowledged_at", "outcome", "reason", "received_at"), found, strict=True))
    try:
        # A state's clock is its own: never earlier than the request.
        changes = rules.answered(part, action, reason, by, max(at, part["received_at"]))
    except rules.Final:
        return FINAL
    if not changes:
        return SAME
    assignments = ", ".join(f"{column} = %({column})s" for column in changes)  # the rule's own column names
    cur.execute(
        f"UPDATE correction_part SET {assignments} WHERE correction_id = %(cid)s AND state = %(st)s",
        {**changes, "cid": correction_id, "st": state},
    )
    return CHANGED


def _driver(conn: Connection) -> psycopg.Cursor[Any]:
    """psycopg's own cursor, inside SQLAlchemy's transaction: the operator's and the worker's answers
    take the same path."""
    return cast("psycopg.Connection[Any]", conn.connection.driver_connection).cursor()


def acknowledge(conn: Connection, now: datetime, correction_id: str, state: str, by: str) -> dict[str, Any]:
    with _driver(conn) as cur:
        result = answer_part(cur, correction_id, state, messages.ACKNOWLEDGED, None, by, now)
    if result == UNKNOWN:
        raise NotFound(f"correction request {correction_id!r} has no part for {state}")
    return get(conn, correction_id, now)


def decide(
    conn: Connection, now: datetime, correction_id: str, state: str, by: str, outcome: str, reason: str | None
) -> dict[str, Any]:
    """The state's decision: ``corrected`` (through a new submission), ``removed``, or ``kept`` with
    the reason. A decision is final (deciding again is refused); deciding acknowledges too.
    An unknown request or part is said before a mistake in the decision (404 before 422)."""
    p = correction_part
    if conn.execute(select(p.c.state).where(p.c.correction_id == correction_id, p.c.state == state)).first() is None:
        raise NotFound(f"correction request {correction_id!r} has no part for {state}")
    try:
        rules.check_decision(outcome, reason)
        why = rules.check_text("reason", reason or "", required=False) or None
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    with _driver(conn) as cur:
        result = answer_part(cur, correction_id, state, outcome, why, by, now)
    if result == UNKNOWN:
        raise NotFound(f"correction request {correction_id!r} has no part for {state}")
    if result != CHANGED:
        raise Decided(f"{state} decided this request already")
    return get(conn, correction_id, now)
