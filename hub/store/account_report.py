"""The Accounts report per state, and the requests waiting for a decision (read-only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from hub.domain import accounts as rules
from hub.domain.accounts import AccountSettings
from hub.store.obligation_tables import account_event, account_request
from hub.store.web_tables import web_user


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def report(conn: Connection, state: str | None, now: datetime, settings: AccountSettings) -> list[dict[str, Any]]:
    """Every account of ``state`` (all of them for None) with its status, last use, re-certification
    due date and, once deactivated, the date its record may be purged."""
    u = web_user
    query = select(u).order_by(u.c.state, u.c.username)
    if state is not None:
        query = query.where(u.c.state == state)
    out = []
    for row in conn.execute(query).mappings():
        standing = rules.Standing(
            row["username"],
            row["status"],
            row["last_seen_at"],
            row["created_at"],
            row["certified_at"],
            row["deactivated_at"],
        )
        due = rules.certification_due(standing, settings)
        gone = row["deactivated_at"]
        out.append(
            {
                "username": row["username"],
                "role": row["role"],
                "state": row["state"],
                "agency": row["agency"],
                "status": row["status"],
                "status_reason": row["status_reason"],
                "created_at": _iso(row["created_at"]),
                "last_seen_at": _iso(row["last_seen_at"]),
                "certification_due": _iso(due),
                "certification_overdue": row["status"] == "active" and now >= due,
                "deactivated_at": _iso(gone),
                "kept_until": _iso(gone + timedelta(days=settings.retention_days)) if gone else None,
            }
        )
    return out


def requests(conn: Connection, state: str | None) -> list[dict[str, Any]]:
    """Requests waiting for their verifier or an approver (never the password's hash)."""
    r = account_request
    query = (
        select(
            r.c.request_id,
            r.c.username,
            r.c.full_name,
            r.c.role,
            r.c.state,
            r.c.agency,
            r.c.verifier,
            r.c.requested_at,
            r.c.status,
            r.c.verified_by,
            r.c.verified_at,
        )
        .where(r.c.status.in_(("requested", "verified")))
        .order_by(r.c.requested_at)
    )
    if state is not None:
        query = query.where(r.c.state == state)
    return [
        {k: _iso(v) if isinstance(v, datetime) else v for k, v in row.items()} for row in conn.execute(query).mappings()
    ]


def events(conn: Connection, state: str | None, limit: int = 200) -> list[dict[str, Any]]:
    e = account_event
    query = select(e.c.at, e.c.username, e.c.state, e.c.action, e.c.actor, e.c.detail).order_by(e.c.id.desc())
    if state is not None:
        query = query.where(e.c.state == state)
    return [{**row, "at": _iso(row["at"])} for row in conn.execute(query.limit(limit)).mappings()]
