"""What routes share: the app's state, a database transaction, the signed-in user, role checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection, Engine

from hub.api import permissions, security
from hub.config import WebSettings
from hub.store import people
from hub.store.people import User
from hub.store.throttle import LoginThrottle
from producers.topics import Topics

SESSION_COOKIE = "msix_session"
LOGIN_CSRF_COOKIE = "msix_login_csrf"
# The session's CSRF token, for the API called with the session cookie (pages put it in a meta tag).
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class AppState:
    engine: Engine
    web: WebSettings
    throttle: LoginThrottle
    templates: Jinja2Templates
    topics: Topics  # where a validated merge or split publishes its identity events (through the outbox)
    escalate_after: timedelta  # an open worklist item escalates after this


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.hub
    return state


def transaction(request: Request) -> Iterator[Connection]:
    """One transaction a request: a record read and its audit row commit together."""
    with app_state(request).engine.begin() as conn:
        yield conn


Conn = Annotated[Connection, Depends(transaction, scope="function")]
_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/token")


def now() -> datetime:
    return datetime.now(UTC)


def client(request: Request) -> str | None:
    return request.client.host if request.client else None


class NotSignedIn(Exception):
    """A page asked for by a browser without a session: answered with a redirect to the login page."""


def _session(request: Request, conn: Connection, bearer: HTTPAuthorizationCredentials | None) -> people.Session | None:
    if bearer is not None:
        return people.find_session(conn, security.token_hash(bearer.credentials), "bearer", now())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return people.find_session(conn, security.token_hash(cookie), "cookie", now())
    return None


def signed_in(request: Request, conn: Connection) -> people.Session | None:
    """The browser's session, if any: for pages that any visitor may open (home, errors)."""
    return _session(request, conn, None)


def api_user(
    request: Request, conn: Conn, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> User:
    """The API's caller, by bearer token (or the browser's session cookie, for links like the report)."""
    found = _session(request, conn, bearer)
    if found is None:
        raise HTTPException(401, "not signed in, or the token has expired", headers={"WWW-Authenticate": "Bearer"})
    # A browser sends its cookie with any site's request (SameSite is the browser's promise, not
    # ours): a change made with the cookie must also carry the session's CSRF token, which another
    # site cannot read. A bearer token is never sent by itself, so it needs none.
    unsafe = found.kind == "cookie" and request.method not in SAFE_METHODS
    if unsafe and not security.same(request.headers.get(CSRF_HEADER), found.csrf):
        raise HTTPException(403, f"a change made with the session cookie needs the {CSRF_HEADER} header")
    return found.user


def page_session(request: Request, conn: Conn) -> people.Session:
    found = _session(request, conn, None)
    if found is None:
        raise NotSignedIn
    return found


ApiUser = Annotated[User, Depends(api_user)]
PageSession = Annotated[people.Session, Depends(page_session)]


def forbid_unless(allowed: bool) -> None:
    if not allowed:
        raise HTTPException(403, "your role may not do this")


def permit(request: Request, user: User, state: str | None = None) -> None:
    """403 unless the permission table lets ``user`` use the route this request came in by, for
    ``state`` (the state the route acts on; None when it is about no state)."""
    route = request.scope.get("route")
    route_key = permissions.key(route) if route is not None else ""
    if not permissions.allows(route_key, user.role, user.state, state):
        where = f" for {state}" if state and user.state and state != user.state else ""
        raise HTTPException(403, f"your role may not open this page or route{where}")
