"""Accounts governed per state: requests verified and approved by two other people, disabled and
deactivated, re-certified, swept when unused, purged only after their retention; every change an
``account_event`` row in the same transaction (docs/obligations.md, "Accounts")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from hub.domain import accounts as rules
from hub.domain.accounts import AccountSettings
from hub.errors import UserInputError
from hub.store.obligation_tables import account_event, account_request
from hub.store.web_tables import web_session, web_user

KNOWN_ROLES = frozenset(
    {
        "counselor",
        "registrar",
        "recruiter",
        "mep_specialist",
        "data_admin",
        "state_data_manager",
        "admin",
        "federal",
        "user_admin",
    }
)
HUB_WIDE = frozenset({"data_admin", "admin", "federal"})


class NotPermitted(UserInputError):
    """The acting person may not do this to this account (403 on the API, exit 2 on the CLI)."""


class NotFound(UserInputError):
    """No such account or request (404 on the API, exit 2 on the CLI)."""


class Conflict(UserInputError):
    """Not in this state (an approved request approved again, a deactivated account enabled)."""


def event(
    conn: Connection,
    now: datetime,
    username: str,
    state: str | None,
    action: str,
    actor: str,
    detail: str | None = None,
) -> None:
    conn.execute(
        insert(account_event).values(at=now, username=username, state=state, action=action, actor=actor, detail=detail)
    )


def _account(conn: Connection, username: str) -> dict[str, Any] | None:
    row = conn.execute(select(web_user).where(web_user.c.username == username)).mappings().first()
    return dict(row) if row else None


def may_manage(actor_role: str, actor_state: str | None, state: str | None) -> bool:
    """The hub's admin manages every account; a state's user admin manages that state's."""
    return actor_role == "admin" or (actor_role == "user_admin" and actor_state is not None and actor_state == state)


def _actor(conn: Connection, name: str, state: str | None) -> dict[str, Any]:
    found = _account(conn, name)
    if found is None or found["status"] != "active" or not may_manage(found["role"], found["state"], state):
        raise NotPermitted(f"{name!r} may not manage {state or 'hub-wide'} accounts")
    return found


def request(
    conn: Connection,
    now: datetime,
    username: str,
    full_name: str,
    role: str,
    state: str | None,
    agency: str,
    verifier: str,
    password_hash: str,
) -> str:
    """A requested account, waiting for its verifier; returns the request's id."""
    if role not in KNOWN_ROLES:
        raise UserInputError(f"unknown role {role!r}")
    if (role in HUB_WIDE) != (state is None):
        raise UserInputError(f"a {role} {'has no' if role in HUB_WIDE else 'needs a'} state")
    if _account(conn, username) is not None or _pending(conn, username):
        raise Conflict(f"user {username!r} exists already or is requested")
    vouching = _account(conn, verifier)
    if vouching is None or vouching["status"] != "active" or verifier == username:
        raise UserInputError(f"the verifying authority {verifier!r} must be another person's active account")
    if state is not None and vouching["state"] not in (state, None):
        raise UserInputError(f"the verifying authority {verifier!r} is not of {state}")
    request_id = str(uuid.uuid4())
    conn.execute(
        insert(account_request).values(
            request_id=request_id,
            username=username,
            full_name=full_name,
            role=role,
            state=state,
            agency=agency,
            verifier=verifier,
            password_hash=password_hash,
            requested_at=now,
        )
    )
    event(conn, now, username, state, "requested", username, f"{role} at {agency}; verifier {verifier}")
    return request_id


def _pending(conn: Connection, username: str) -> bool:
    r = account_request
    query = select(r.c.request_id).where(r.c.username == username, r.c.status.in_(("requested", "verified")))
    return conn.execute(query).first() is not None


def _request(conn: Connection, request_id: str) -> dict[str, Any]:
    row = conn.execute(select(account_request).where(account_request.c.request_id == request_id)).mappings().first()
    if row is None:
        raise NotFound(f"no account request {request_id!r}")
    return dict(row)


def verify(conn: Connection, now: datetime, request_id: str, by: str) -> None:
    """The verifying authority the requester named confirms who they are (the second person)."""
    found = _request(conn, request_id)
    if found["verifier"] != by:
        raise NotPermitted(f"only {found['verifier']!r}, the verifying authority named, may confirm this request")
    if found["status"] != "requested":
        raise Conflict(f"this request is {found['status']}")
    conn.execute(
        update(account_request)
        .where(account_request.c.request_id == request_id)
        .values(status="verified", verified_by=by, verified_at=now)
    )
    event(conn, now, found["username"], found["state"], "verified", by)


def approve(conn: Connection, now: datetime, request_id: str, by: str) -> str:
    """The state's user admin (a third person) approves: the account exists from now."""
    found = _request(conn, request_id)
    _actor(conn, by, found["state"])
    if found["status"] not in ("requested", "verified"):
        raise Conflict(f"this request is {found['status']}")
    if why := rules.check_two_people(found["username"], found["verified_by"], by):
        raise NotPermitted(why)
    conn.execute(
        update(account_request)
        .where(account_request.c.request_id == request_id)
        .values(status="approved", decided_by=by, decided_at=now)
    )
    conn.execute(
        insert(web_user).values(
            username=found["username"],
            role=found["role"],
            state=found["state"],
            password_hash=found["password_hash"],
            agency=found["agency"],
            created_at=now,
            certified_at=now,
        )
    )
    event(conn, now, found["username"], found["state"], "approved", by, found["role"])
    return str(found["username"])


def refuse(conn: Connection, now: datetime, request_id: str, by: str, reason: str) -> None:
    found = _request(conn, request_id)
    _actor(conn, by, found["state"])
    if found["status"] not in ("requested", "verified"):
        raise Conflict(f"this request is {found['status']}")
    conn.execute(
        update(account_request)
        .where(account_request.c.request_id == request_id)
        .values(status="refused", decided_by=by, decided_at=now, reason=reason)
    )
    event(conn, now, found["username"], found["state"], "refused", by, reason)


def set_status(conn: Connection, now: datetime, username: str, status: str, by: str, reason: str) -> None:
    """Disable (reversible), enable again, or deactivate (for good). ``by`` is a person allowed to
    manage the account's state, or ``msix`` for the automatic steps. Sessions end with the account."""
    found = _account(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    if by != rules.SYSTEM:
        _actor(conn, by, found["state"])
    if found["status"] == "deactivated":
        raise Conflict(f"{username} is deactivated: that is permanent")
    values: dict[str, Any] = {"status": status, "status_reason": reason or None}
    if status == "deactivated":
        values["deactivated_at"] = now
    if status == "active":  # enabled again: it counts as used and certified from now
        values |= {"last_seen_at": now, "certified_at": now}
    conn.execute(update(web_user).where(web_user.c.username == username).values(**values))
    if status != "active":
        conn.execute(delete(web_session).where(web_session.c.username == username))
    action = {"active": "enabled", "disabled": "disabled", "deactivated": "deactivated"}[status]
    event(conn, now, username, found["state"], action, by, reason or None)


def certify(conn: Connection, now: datetime, username: str, by: str) -> None:
    found = _account(conn, username)
    if found is None:
        raise NotFound(f"no user {username!r}")
    _actor(conn, by, found["state"])
    if found["status"] != "active":
        raise Conflict(f"{username} is {found['status']}: enable it first")
    conn.execute(update(web_user).where(web_user.c.username == username).values(certified_at=now))
    event(conn, now, username, found["state"], "certified", by)


def _standing(row: Any) -> rules.Standing:
    return rules.Standing(
        row["username"],
        row["status"],
        row["last_seen_at"],
        row["created_at"],
        row["certified_at"],
        row["deactivated_at"],
    )


def sweep(conn: Connection, now: datetime, settings: AccountSettings) -> list[tuple[str, str]]:
    """Disable every active account unused too long or past re-certification; what was disabled."""
    done = []
    for row in conn.execute(select(web_user).where(web_user.c.status == "active")).mappings().all():
        if reason := rules.disable_reason(_standing(row), settings, now):
            set_status(conn, now, row["username"], "disabled", rules.SYSTEM, reason)
            done.append((row["username"], reason))
    return done


def purge(conn: Connection, now: datetime, settings: AccountSettings) -> list[str]:
    """Delete the records of deactivated accounts whose retention has passed (never before)."""
    gone = []
    for row in conn.execute(select(web_user).where(web_user.c.status == "deactivated")).mappings().all():
        if rules.may_purge(_standing(row), settings, now):
            conn.execute(delete(web_user).where(web_user.c.username == row["username"]))
            event(conn, now, row["username"], row["state"], "purged", rules.SYSTEM)
            gone.append(row["username"])
    return gone
