"""Server-rendered pages: sign in and out, search, the record (with its "ask another state" form, which
``hub.api.routes.request_pages`` answers), credits, move notices.

Same rules as the API (roles, audit); a browser session is a cookie (HttpOnly, SameSite=Strict,
Secure), and every form that changes something carries a CSRF token checked against the session.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from hub import requirements
from hub.api import permissions, roles, security, service
from hub.api.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Conn,
    PageSession,
    app_state,
    client,
    permit,
    signed_in,
)
from hub.api.login import login
from hub.domain import asking
from hub.domain.data_requests import MAX_TEXT
from hub.domain.record_view import SUBJECTS, courses_by_year, flags
from hub.store import people
from hub.store.search import Query
from producers.topics import USPS_CODES

router = APIRouter(include_in_schema=False)

ENROLLMENT_TYPES = {"01": "school", "02": "residency only", "03": "MEP summer", "04": "MEP year-round"}
STATUSES = {
    "earned": "earned",
    "in_progress": "in progress",
    "duplicate": "same course, counted once",
    "no_credit": "no credit",
}


def render(
    request: Request, template: str, session: people.Session | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page with the header the permission table gives the signed-in person (nothing without one)."""
    user = session.user if session is not None else None
    routes = request.app.routes
    context.update(
        session=session,
        can_read=user is not None and roles.may_read_records(user.role),
        nav=permissions.nav(routes, user.role, user.state) if user else [],
        home=permissions.home(user.role, user.state) if user else permissions.Link("the sign-in page", "/login"),
    )
    return app_state(request).templates.TemplateResponse(request, template, context, status_code=status)


def error_page(request: Request, status: int, title: str, detail: str, headers: Mapping[str, str] | None) -> Response:
    """An error for a person: the header they may use and a way back to their home, never a link
    their role may not follow."""
    try:
        with app_state(request).engine.begin() as conn:
            session = signed_in(request, conn)
    except SQLAlchemyError:  # the error page still answers without the database, with no header
        session = None
    page = render(request, "error.html", session, status, code=status, title=title, detail=detail)
    page.headers.update(headers or {})
    return page


def landing(request: Request, user: people.User, next_: str) -> str:
    """Where a person goes after signing in: ``next`` when their role may open it, else their home."""
    wanted = _safe_next(next_)
    if wanted and permissions.may_open(request.app.routes, wanted, user.role, user.state):
        return wanted
    return permissions.home(user.role, user.state).href


def _safe_next(value: str) -> str:
    """Only a path on this site: never `//elsewhere` or an absolute URL (an open redirect)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else ""


def _login_page(request: Request, next_: str, status: int = 200, error: str = "", username: str = "") -> HTMLResponse:
    csrf = security.new_secret()
    page = render(
        request, "login.html", None, status, csrf=csrf, next=_safe_next(next_), error=error, username=username
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="strict",
        secure=app_state(request).web.cookie_secure,
        path="/login",
    )
    return page


@router.get("/login")
def login_form(request: Request, next: str = "") -> HTMLResponse:
    return _login_page(request, next)


@router.post("/login")
def login_submit(
    request: Request,
    conn: Conn,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not security.same(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, next, 400, "The form expired. Please sign in again.", username)
    try:
        session = login(request, conn, username, password, "cookie")
    except HTTPException as exc:
        error = (
            "Too many failed sign-ins. Wait a few minutes."
            if exc.status_code == 429
            else "Wrong user name or password."
        )
        return _login_page(request, next, exc.status_code, error, username)
    web = app_state(request).web
    page = RedirectResponse(landing(request, session.user, next), status_code=303)
    page.set_cookie(
        SESSION_COOKIE, session.secret, max_age=session.minutes * 60, httponly=True, samesite="strict",
        secure=web.cookie_secure, path="/",
    )  # fmt: skip
    page.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return page


@router.post("/logout")
def logout(request: Request, conn: Conn, session: PageSession, csrf: Annotated[str, Form()] = "") -> Response:
    if not security.same(csrf, session.csrf):
        raise HTTPException(400, "the form expired; reload the page")
    people.close_session(conn, security.token_hash(request.cookies.get(SESSION_COOKIE, "")))
    page = RedirectResponse("/login", status_code=303)
    page.delete_cookie(SESSION_COOKIE, path="/")
    return page


@router.get("/")
def home(request: Request, conn: Conn) -> Response:
    """A person's home (``hub.api.permissions.HOMES``); the sign-in form for anyone else."""
    found = signed_in(request, conn)
    where = permissions.home(found.user.role, found.user.state).href if found else "/login"
    return RedirectResponse(where, status_code=303)


@router.get("/search")
def search_page(request: Request, conn: Conn, session: PageSession, q: str = "", birth_date: str = "") -> HTMLResponse:
    permit(request, session.user)
    results, error = None, ""
    born = None
    if birth_date:
        try:
            born = date.fromisoformat(birth_date)
        except ValueError:
            error = "The birth date must be a date like 2007-05-14."
    if not error and (q.strip() or born):
        results = service.find(conn, session.user, Query(q[:100], born), "page", client(request))
    return render(request, "search.html", session, q=q, birth_date=birth_date, results=results, error=error)


def _name(record: dict[str, Any]) -> str:
    s = record.get("student", {})
    return (
        " ".join(p for p in (s.get("first_name"), s.get("last_name_1"), s.get("last_name_2")) if p) or record["msix_id"]
    )


@router.get("/students/{msix_id}", response_model=None)
def record_page(request: Request, conn: Conn, session: PageSession, msix_id: str) -> HTMLResponse | Response:
    permit(request, session.user)
    master = service.master_of(conn, msix_id)
    if master != msix_id:  # a merged-away id: the page lives at the master's id
        return RedirectResponse(f"/students/{master}", status_code=303)
    found = service.record(conn, session.user, msix_id, "view", "page", client(request))
    return show_record(request, session, found)


def show_record(
    request: Request, session: people.Session, found: dict[str, Any], status: int = 200, **ask: Any
) -> HTMLResponse:
    """The record page of ``found`` (already read and audited); ``ask`` refills the "ask another
    state" form after a mistake (``ask_error``, ``ask_values``)."""
    user = session.user
    may_ask = user.state is not None and roles.ASK_STATE.allows(user.role, user.state)
    childs, rest = asking.states_to_ask(found, user.state or "", USPS_CODES)
    return render(
        request, "record.html", session, status, record=found, name=_name(found), flags=flags(found),
        years=courses_by_year(found.get("courses", [])), subjects=SUBJECTS, enrollment_types=ENROLLMENT_TYPES,
        may_ask=may_ask, ask_states=(childs, rest), kinds=asking.KIND_LABELS, max_text=MAX_TEXT,
        ask_error=ask.get("ask_error", ""), ask_values=ask.get("ask_values", {}),
    )  # fmt: skip


@router.get("/students/{msix_id}/credits")
def credits_page(request: Request, conn: Conn, session: PageSession, msix_id: str, state: str = "") -> HTMLResponse:
    permit(request, session.user)
    code = service.check_state(state) if state else session.user.state or "default"
    found = service.record(conn, session.user, msix_id, "credits", code, client(request))
    summary = service.credits(found, code)
    missing = [(a["area"], a["missing_if_current_passed"]) for a in summary["areas"] if a["missing_if_current_passed"]]
    states = sorted(requirements.available() - {requirements.DEFAULT} | {code})
    return render(
        request, "credits.html", session, c=summary, name=_name(found), state=code, states=states,
        missing=missing, statuses=STATUSES,
    )  # fmt: skip


@router.get("/notices")
def notices_page(request: Request, conn: Conn, session: PageSession, state: str = "") -> HTMLResponse:
    code = service.check_state(state or session.user.state or "")
    permit(request, session.user, code)
    return render(
        request,
        "notices.html",
        session,
        state=code,
        notices=service.notices(conn, session.user, code, "page", client(request)),
    )
