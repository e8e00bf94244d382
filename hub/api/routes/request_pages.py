"""Data requests for people: the record page's "ask another state" form (``POST
/students/{msix_id}/requests``, the API's rules with the page's CSRF token) and ``/requests``, a
state's requests sent and received with their deadlines. Each child listed is audited, as the API's
list is."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRouter

from hub import calendars, requests
from hub.api import security, service
from hub.api.deps import Conn, PageSession, app_state, client, now
from hub.api.routes import guard
from hub.api.routes.pages import render, show_record
from hub.domain import deadline_board
from hub.domain.data_requests import KINDS
from hub.errors import UserInputError
from hub.store import people
from producers.topics import is_state_code

router = APIRouter(include_in_schema=False)


@router.post("/students/{msix_id}/requests", dependencies=guard.PAGE)
def ask_page(
    request: Request,
    conn: Conn,
    session: PageSession,
    msix_id: str,
    to_state: Annotated[str, Form(max_length=2)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not security.same(csrf, session.csrf):
        raise HTTPException(400, "the form expired; reload the page")
    user = session.user
    assert user.state is not None  # the guard let only a person of a state through
    # The audit row says what was asked only in words the hub knows (what a form sends may be anything).
    said = f"{user.state}->{to_state if is_state_code(to_state) else '?'} {kind if kind in KINDS else '?'}"
    found = service.record(conn, user, service.master_of(conn, msix_id), "request", said, client(request))
    try:
        if not is_state_code(to_state):
            raise UserInputError("choose the state to ask")
        who = requests.requester(user.username, user.role, user.state)
        made = requests.ask(conn, app_state(request).topics, found, kind, (user.state, to_state), text, who, now())
    except UserInputError as exc:
        values = {"to_state": to_state, "kind": kind, "text": text}
        return show_record(request, session, found, 422, ask_error=str(exc), ask_values=values)
    return RedirectResponse(f"/requests?state={user.state}&made={made['request_id']}", status_code=303)


def shown(row: dict[str, Any]) -> dict[str, Any]:
    """A request's JSON with what the page says of its deadline: the last day in the asked state's
    own time, and its standing in words."""
    due = deadline_board.last_day(calendars.calendar_for(row["to_state"]), datetime.fromisoformat(row["due_at"]))
    standing = "overdue" if row["overdue"] else "due soon" if row["due_soon"] else row["status"]
    return {**row, "due_day": due.isoformat(), "standing": standing}


@router.get("/requests", dependencies=guard.PAGE)
def requests_page(request: Request, conn: Conn, session: PageSession, state: str = "", made: str = "") -> HTMLResponse:
    code = service.check_state(state or session.user.state or "")
    found = [shown(r) for r in requests.listed(conn, code, now(), "both")]
    people.audit_each(conn, session.user, "requests", (r["msix_id"] for r in found), f"page {code}", client(request))
    received = [r for r in found if r["to_state"] == code]
    sent = [r for r in found if r["from_state"] == code]
    return render(
        request, "requests.html", session, state=code, received=received, sent=sent,
        made=next((r for r in sent if r["request_id"] == made), None),
    )  # fmt: skip
