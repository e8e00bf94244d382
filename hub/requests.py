"""Data requests between states as services: what the API, the command line, the dashboards and
/metrics call (docs/obligations.md).

A request goes through the hub: stored with its deadline and queued for ``datarequest.TO`` in one
transaction (the worker's outbox relay sends it). The answer goes through Kafka, like everything a
state tells the hub: the asked state writes it to ``state.TO.responses`` (only its principal and the
operator may), the worker's response recorder stores it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

import schemas
from hub import calendars
from hub.config import KafkaSettings
from hub.domain import data_requests, deadlines
from hub.notices import who
from hub.store import requests as store
from producers.producer import Producer
from producers.topics import Topics


def _new_id() -> str:
    return str(uuid.uuid4())


def ask(
    conn: Connection,
    topics: Topics,
    record: dict[str, Any],
    kind: str,
    route: tuple[str, str],
    text: str | None,
    requested_by: str,
    now: datetime,
    new_id: Callable[[], str] = _new_id,
) -> dict[str, Any]:
    """Ask ``route[1]`` for more of the child's records (``record``: the consolidated record, by its
    master id) on behalf of ``route[0]``; returns the request's JSON. ``UserInputError`` for a request
    that cannot be made; the caller's transaction commits it."""
    to_state = route[1]
    calendar = calendars.calendar_for(to_state)
    due = deadlines.due_at(calendar, calendars.obligation_for(to_state, calendars.RECORDS_REQUEST), now)
    ids = [i["state_student_id"] for i in record.get("state_ids", []) if i.get("state") == to_state]
    value = data_requests.request_value(
        new_id(), record["msix_id"], kind, text, route, requested_by, now, due, ids[0] if ids else None
    )
    store.insert(conn, topics, value)
    return as_json({**value, "status": data_requests.OPEN, "answered_at": None}, now)


def requester(name: str, role: str, state: str) -> str:
    """How a request names who asked: ``carmen (counselor, CA)``."""
    return f"{name} ({role}, {state})"


def as_json(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A request's JSON (CONTRACT.md: request_id, msix_id, kind, from_state, to_state, requested_by,
    requested_at, due_at, status, answered_at), with its text, answer and standing at ``now``."""
    keep = ("request_id", "msix_id", "kind", "text", "from_state", "to_state", "requested_by", "requested_at",
            "due_at", "status", "answered_at", "answered_by", "reason", "attachment")  # fmt: skip
    found = {k: row.get(k) for k in keep}
    found |= data_requests.status(found, calendars.calendar_for(found["to_state"]), now)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in found.items()}


def listed(
    conn: Connection, state: str | None, now: datetime, direction: str = "both", only_overdue: bool = False
) -> list[dict[str, Any]]:
    return [as_json(row, now) for row in store.listed(conn, state, direction, only_overdue, now)]


def answer(
    kafka: KafkaSettings,
    state: str,
    request_id: str,
    status: str,
    text: str | None = None,
    attachment: str | None = None,
    person: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """State ``state`` answers a request: the DataResponse is on Kafka when this returns
    (AccessDenied if ``kafka``'s principal may not speak for ``state``)."""
    at = now or datetime.now(UTC)
    value = data_requests.response_value(request_id, state, status, text, attachment, who(kafka, person), at)
    with Producer(kafka) as producer:
        producer.send(
            Topics(kafka.topic_prefix).responses(state), request_id.encode(), schemas.encode("DataResponse", value)
        )
    return value


@dataclass(frozen=True)
class Counts:
    """A state's unanswered requests: all of them, those due within a working day, those overdue
    (escalated to the state's data manager). ``due_soon`` and ``overdue`` are parts of ``open``."""

    open: int = 0
    due_soon: int = 0
    overdue: int = 0


def counts(conn: Connection, now: datetime) -> dict[str, Counts]:
    """Per asked state, what it has yet to answer at ``now``: for the dashboards and /metrics."""
    tally: Counter[tuple[str, str]] = Counter()
    for row in store.open_to(conn):
        state = row["to_state"]
        tally[(state, deadlines.standing(calendars.calendar_for(state), row["due_at"], None, now))] += 1
    states = sorted({st for st, _ in tally})
    return {
        st: Counts(sum(n for (s, _), n in tally.items() if s == st), tally[(st, "due_soon")], tally[(st, "overdue")])
        for st in states
    }
