"""Accounts governed per state (docs/obligations.md, "Accounts"): the request form (no sign-in), the
verifying authority's confirmation, and the user admin's page and API (approve, disable, enable,
deactivate, re-certify; the Accounts report)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from hub.api import security, service
from hub.api.deps import ApiUser, Conn, PageSession, app_state, now
from hub.api.routes import guard
from hub.api.routes.api import PRINTABLE, StateCode, known_query_only
from hub.api.routes.pages import render
from hub.domain.accounts import AccountSettings
from hub.store import account_report, accounts
from hub.store.people import User

api_router = APIRouter(prefix="/api", tags=["accounts"], dependencies=[Depends(known_query_only)])
pages_router = APIRouter(include_in_schema=False)
REQUEST_CSRF_COOKIE = "msix_request_csrf"
Text = Annotated[str, Form(min_length=1, max_length=200, pattern=PRINTABLE)]
Action = Literal["disable", "enable", "deactivate", "certify"]
STATUS_OF = {"disable": "disabled", "enable": "active", "deactivate": "deactivated"}


def scope(user: User, state: str | None) -> str | None:
    """Whose accounts this person manages: the admin every state's (or one), a user admin their own."""
    code = service.check_state(state) if state else None
    if user.role == "admin":
        return code
    if user.role == "user_admin" and user.state and code in (None, user.state):
        return user.state
    raise HTTPException(403, "your role may not manage these accounts")


def _run(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except accounts.NotPermitted as exc:
        raise HTTPException(403, str(exc)) from None
    except accounts.Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    except accounts.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except accounts.UserInputError as exc:
        raise HTTPException(422, str(exc)) from None


def _do(conn: Connection, user: User, username: str, action: Action, reason: str) -> None:
    if action == "certify":
        _run(lambda: accounts.certify(conn, now(), username, user.username))
    else:
        _run(lambda: accounts.set_status(conn, now(), username, STATUS_OF[action], user.username, reason))


# --- API --------------------------------------------------------------------------------------------


@api_router.get(
    "/accounts",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    summary="The Accounts report: a state's accounts, status and re-certification",
)
def report(conn: Conn, user: ApiUser, state: StateCode | None = None) -> list[dict[str, Any]]:
    return account_report.report(conn, scope(user, state), now(), AccountSettings())


@api_router.get(
    "/accounts/requests",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    summary="Account requests waiting for a verifier or an approver",
)
def waiting(conn: Conn, user: ApiUser, state: StateCode | None = None) -> list[dict[str, Any]]:
    return account_report.requests(conn, scope(user, state))


@api_router.post(
    "/accounts/requests/{request_id}/verify",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    status_code=204,
    summary="Confirm as verifying authority",
)
def verify(conn: Conn, user: ApiUser, request_id: guard.Key) -> Response:
    _run(lambda: accounts.verify(conn, now(), request_id, user.username))
    return Response(status_code=204)


@api_router.post(
    "/accounts/requests/{request_id}/approve",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    summary="Approve (a user admin, not the verifier)",
)
def approve(conn: Conn, user: ApiUser, request_id: guard.Key) -> dict[str, str]:
    scope(user, None)
    return {"username": _run(lambda: accounts.approve(conn, now(), request_id, user.username))}


@api_router.post(
    "/accounts/{username}/{action}",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    status_code=204,
    summary="Disable, enable, deactivate or certify",
)
def change(
    conn: Conn,
    user: ApiUser,
    username: guard.Key,
    action: Action,
    reason: Annotated[str, Query(max_length=200, pattern=PRINTABLE)] = "",
) -> Response:
    scope(user, None)
    _do(conn, user, username, action, reason[:200])
    return Response(status_code=204)


# --- pages ------------------------------------------------------------------------------------------


@pages_router.get("/accounts", dependencies=guard.PAGE)
def accounts_page(request: Request, conn: Conn, session: PageSession, state: str = "") -> HTMLResponse:
    code = scope(session.user, state or None)
    rules = AccountSettings()
    return render(
        request,
        "accounts.html",
        session,
        state=code,
        rows=account_report.report(conn, code, now(), rules),
        waiting=account_report.requests(conn, code),
        events=account_report.events(conn, code, 30),
        rules=rules,
    )


def _check_csrf(session_csrf: str | None, given: str) -> None:
    if not security.same(given, session_csrf):
        raise HTTPException(400, "the form expired; reload the page")


@pages_router.post("/accounts/{username}/{action}", dependencies=guard.PAGE)
def change_page(
    conn: Conn,
    session: PageSession,
    username: guard.Key,
    action: Action,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_csrf(session.csrf, csrf)
    scope(session.user, None)
    _do(conn, session.user, username, action, reason)
    return RedirectResponse("/accounts", status_code=303)


@pages_router.post("/accounts/requests/{request_id}/verify", dependencies=guard.PAGE)
def verify_step(conn: Conn, session: PageSession, request_id: guard.Key, csrf: Annotated[str, Form()] = "") -> Response:
    _check_csrf(session.csrf, csrf)
    _run(lambda: accounts.verify(conn, now(), request_id, session.user.username))
    return RedirectResponse("/accounts/verify", status_code=303)


@pages_router.post("/accounts/requests/{request_id}/approve", dependencies=guard.PAGE)
def approve_step(
    conn: Conn, session: PageSession, request_id: guard.Key, csrf: Annotated[str, Form()] = ""
) -> Response:
    _check_csrf(session.csrf, csrf)
    scope(session.user, None)
    _run(lambda: accounts.approve(conn, now(), request_id, session.user.username))
    return RedirectResponse("/accounts", status_code=303)


@pages_router.get("/accounts/verify", dependencies=guard.PAGE)
def verify_page(request: Request, conn: Conn, session: PageSession) -> HTMLResponse:
    """Any signed-in person: the requests that name them as verifying authority."""
    mine = [r for r in account_report.requests(conn, None) if r["verifier"] == session.user.username]
    return render(request, "accounts_verify.html", session, waiting=[r for r in mine if r["status"] == "requested"])


@pages_router.get("/accounts/request")
def request_form(request: Request) -> HTMLResponse:
    csrf = security.new_secret()
    page = render(request, "accounts_request.html", None, csrf=csrf, error="", done="")
    page.set_cookie(
        REQUEST_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=app_state(request).web.cookie_secure,
        path="/accounts/request",
    )
    return page


async def _request_csrf(request: Request) -> None:
    """The form's token against its cookie, before any field is read: a forged post is a 400 whatever
    it carries (a page of another site cannot read the cookie)."""
    form = await request.form()
    if not security.same(str(form.get("csrf", "")), request.cookies.get(REQUEST_CSRF_COOKIE)):
        raise HTTPException(400, "the form expired; reload the page")


@pages_router.post("/accounts/request", dependencies=[Depends(_request_csrf)])
def request_submit(
    request: Request,
    conn: Conn,
    username: Text,
    full_name: Text,
    role: Text,
    agency: Text,
    verifier: Text,
    password: Annotated[str, Form(min_length=12, max_length=200)],
    state: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    code = service.check_state(state) if state else None
    hashed = security.hash_password(password)
    try:
        accounts.request(conn, now(), username, full_name, role, code, agency, verifier, hashed)
    except accounts.UserInputError as exc:
        return render(request, "accounts_request.html", None, 422, csrf=csrf, error=str(exc), done="")
    done = f"Asked. {verifier} must confirm who you are; then a user admin of {code or 'the hub'} decides."
    return render(request, "accounts_request.html", None, csrf=csrf, error="", done=done)
