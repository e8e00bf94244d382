"""What the worklist API and pages both do, on the identity service (``hub.store.identity_admin``):
the acting data admin comes from the session, each view of children's data is audited, and the
service's refusals become HTTP answers (404 unknown, 409 not now or not by you, 422 bad input)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection

from hub.api import roles, service
from hub.api.deps import AppState, forbid_unless, now
from hub.errors import UserInputError
from hub.identity import admin
from hub.store import identity_admin, people
from hub.store.people import User

ITEM_STATUSES = (admin.OPEN, admin.CONFIRMED, admin.REJECTED)
REQUEST_STATUSES = (admin.PENDING, admin.DONE)


def require_data_admin(user: User) -> None:
    forbid_unless(roles.may_resolve_identities(user.role))


@contextmanager
def answers() -> Iterator[None]:
    """The service's refusals as HTTP errors; the message is the service's own one line."""
    try:
        yield
    except admin.NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except admin.Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except UserInputError as exc:
        # Shaped like FastAPI's own 422 (the OpenAPI document promises that shape for every 422).
        raise service.invalid("body", "request", str(exc)) from exc


def items(
    conn: Connection, state: AppState, user: User, status: str, escalated: bool | None, limit: int, client: str | None
) -> list[dict[str, Any]]:
    """Items of a status, escalated first, after escalating the overdue ones (as the CLI does); every
    child listed (the new one and its candidates) is audited."""
    identity_admin.escalate(conn, now(), state.escalate_after)
    # The filter on escalation is applied after the service's limit, so ask for the most it allows.
    found = identity_admin.list_items(conn, status, limit if escalated is None else 10_000)
    if escalated is not None:
        found = [i for i in found if i["escalated"] == escalated]
    found = found[:limit]
    shown = (m for i in found for m in (i["msix_id"], *i["candidates"]))
    people.audit_each(conn, user, "worklist", shown, f"list {status}", client)
    return found


def item(conn: Connection, user: User, item_id: int, client: str | None) -> dict[str, Any]:
    """The item side by side, with its history; audited as a view of every child it shows."""
    with answers():
        found = identity_admin.show_item(conn, item_id)
    found["history"] = identity_admin.history(conn, item_id=item_id)
    for msix_id in [found["msix_id"], *(c["msix_id"] for c in found["candidates"])]:
        people.audit(conn, user, "worklist", msix_id, f"item {item_id}", client)
    return found


def confirm(conn: Connection, user: User, item_id: int, candidate: str | None, at: datetime) -> int:
    with answers():
        return identity_admin.confirm(conn, item_id, user.username, at, candidate)


def reject(conn: Connection, user: User, item_id: int, at: datetime) -> None:
    with answers():
        identity_admin.reject(conn, item_id, user.username, at)


def merge(conn: Connection, user: User, master: str, others: list[str], at: datetime) -> int:
    with answers():
        return identity_admin.request_merge(conn, master, others, user.username, at)


def split(conn: Connection, user: User, msix_id: str, state: str, at: datetime) -> int:
    with answers():
        return identity_admin.request_split(conn, msix_id, state, user.username, at)


def validate(conn: Connection, state: AppState, user: User, request_id: int, client: str | None) -> dict[str, Any]:
    with answers():
        return identity_admin.validate(conn, request_id, user.username, now(), state.topics, client)


def requests(conn: Connection, status: str) -> list[dict[str, Any]]:
    return identity_admin.list_requests(conn, status)
