"""Signing in, for the API (a bearer token) and the pages (a session cookie): throttled, audited
by outcome in the server's log (user name only), secrets kept hashed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from fastapi import HTTPException, Request
from sqlalchemy import Connection

from hub.api import security
from hub.api.deps import app_state, client, now
from hub.store import people

log = structlog.get_logger("hub.api")


@dataclass(frozen=True, slots=True)
class NewSession:
    secret: str
    csrf: str | None
    minutes: int
    user: people.User


def login(request: Request, conn: Connection, username: str, password: str, kind: str) -> NewSession:
    """A new session for good credentials; 401 for bad ones; 429 after too many attempts. The
    attempt is counted before the password is checked (``hub.store.throttle`` says why)."""
    state = app_state(request)
    # A name with control characters is no one's (and PostgreSQL text cannot hold NUL).
    found = people.credentials(conn, username) if username.isprintable() else None
    keys = state.throttle.keys(client(request), username, found is not None)
    wait = state.throttle.attempt(state.engine, keys)
    if wait > 0:
        raise HTTPException(429, "too many failed logins; try again later", headers={"Retry-After": str(int(wait) + 1)})
    if not security.verify_password(found[1] if found else None, password) or found is None:
        log.info("login failed", username=username, kind=kind)
        raise HTTPException(401, "wrong user name or password", headers={"WWW-Authenticate": "Bearer"})
    user, stored = found
    state.throttle.succeeded(state.engine, keys)
    if security.needs_rehash(stored):
        people.set_password_hash(conn, user.username, security.hash_password(password))
    minutes = state.web.token_minutes if kind == "bearer" else state.web.session_minutes
    secret = security.new_secret()
    csrf = security.new_secret() if kind == "cookie" else None
    people.purge_sessions(conn, now())
    people.open_session(
        conn, security.token_hash(secret), user.username, kind, csrf, now() + timedelta(minutes=minutes)
    )
    log.info("login", username=user.username, role=user.role, kind=kind)
    return NewSession(secret, csrf, minutes, user)
