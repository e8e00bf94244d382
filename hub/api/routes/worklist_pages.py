"""The identity worklist pages for data admins: near matches, one side by side with the score's
reasons and the confirm and reject forms, merge and split requests, pending validations.

Same service and rules as ``/api/worklist`` (``hub.api.worklist``); every form carries the
session's CSRF token. After a form, the browser is sent to a page (303) with a one-line note.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from hub.api import security, worklist
from hub.api.deps import Conn, PageSession, app_state, client, now
from hub.api.routes.pages import render
from producers.topics import is_state_code

router = APIRouter(include_in_schema=False)


def _check(session: Any, csrf: str) -> None:
    worklist.require_data_admin(session.user)
    if not security.same(csrf, session.csrf):
        raise HTTPException(400, "the form expired; reload the page")


def _back(path: str, note: str = "", error: str = "") -> Response:
    query = urlencode({k: v for k, v in (("note", note), ("error", error)) if v})
    return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)


def _outcome(conn: Connection, path: str, act: Callable[[], str]) -> Response:
    """Run a form's action; the service's refusal (409, 422, 404) comes back as the page's error line.
    The request's transaction commits either way (a redirect is a success), so the action runs in a
    savepoint: a refusal leaves nothing of it behind."""
    try:
        with conn.begin_nested():
            note = act()
    except HTTPException as exc:
        if exc.status_code in (403, 400):
            raise
        return _back(path, error=str(exc.detail))
    except RequestValidationError as exc:
        return _back(path, error="; ".join(str(e.get("msg", "")) for e in exc.errors()))
    return _back(path, note=note)


@router.get("/worklist")
def list_page(
    request: Request, conn: Conn, session: PageSession, status: str = "open", note: str = "", error: str = ""
) -> HTMLResponse:
    worklist.require_data_admin(session.user)
    if status not in worklist.ITEM_STATUSES:
        raise HTTPException(422, "status: open, confirmed or rejected")
    found = worklist.items(conn, app_state(request), session.user, status, None, 200, client(request))
    return render(
        request, "worklist.html", session, items=found, shown=status, statuses=worklist.ITEM_STATUSES,
        note=note[:300], error=error[:300],
    )  # fmt: skip


@router.get("/worklist/requests")
def requests_page(request: Request, conn: Conn, session: PageSession, note: str = "", error: str = "") -> HTMLResponse:
    worklist.require_data_admin(session.user)
    pending = worklist.requests(conn, "pending")
    done = worklist.requests(conn, "done")[-20:][::-1]
    return render(
        request, "identity_requests.html", session, pending=pending, done=done, note=note[:300], error=error[:300]
    )


@router.post("/worklist/merge")
def merge_submit(
    conn: Conn,
    session: PageSession,
    master: Annotated[str, Form()] = "",
    others: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check(session, csrf)
    # Ids separated by spaces, commas or new lines: the service checks each (12 digits, check digit).
    rest = [o for o in others.replace(",", " ").split() if o]

    def act() -> str:
        if not rest:
            raise HTTPException(422, "name at least one MSIX id to merge into the master")
        request_id = worklist.merge(conn, session.user, master.strip(), rest, now())
        return f"Merge request {request_id} waits for a second data admin."

    return _outcome(conn, "/worklist/requests", act)


@router.post("/worklist/split")
def split_submit(
    conn: Conn,
    session: PageSession,
    msix_id: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check(session, csrf)
    code = state.strip().upper()

    def act() -> str:
        if not is_state_code(code):
            raise HTTPException(422, "the state must be a USPS code like TX")
        request_id = worklist.split(conn, session.user, msix_id.strip(), code, now())
        return f"Split request {request_id} waits for a second data admin."

    return _outcome(conn, "/worklist/requests", act)


@router.post("/worklist/requests/{request_id}/validate")
def validate_submit(
    request: Request, conn: Conn, session: PageSession, request_id: int, csrf: Annotated[str, Form()] = ""
) -> Response:
    _check(session, csrf)

    def act() -> str:
        done = worklist.validate(conn, app_state(request), session.user, request_id, client(request))
        if done["kind"] == "merge":
            return f"Request {request_id} done: {', '.join(done['merged'])} merged into {done['master']}."
        return f"Request {request_id} done: records moved from {done['from']} to new MSIX id {done['new_msix_id']}."

    return _outcome(conn, "/worklist/requests", act)


@router.get("/worklist/{item_id}")
def item_page(
    request: Request, conn: Conn, session: PageSession, item_id: int, note: str = "", error: str = ""
) -> HTMLResponse:
    worklist.require_data_admin(session.user)
    found = worklist.item(conn, session.user, item_id, client(request))
    return render(request, "worklist_item.html", session, item=found, note=note[:300], error=error[:300])


@router.post("/worklist/{item_id}/confirm")
def confirm_submit(
    conn: Conn,
    session: PageSession,
    item_id: int,
    candidate: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check(session, csrf)

    def act() -> str:
        request_id = worklist.confirm(conn, session.user, item_id, candidate.strip() or None, now())
        return f"Merge request {request_id} waits for a second data admin."

    return _outcome(conn, f"/worklist/{item_id}", act)


@router.post("/worklist/{item_id}/reject")
def reject_submit(conn: Conn, session: PageSession, item_id: int, csrf: Annotated[str, Form()] = "") -> Response:
    _check(session, csrf)

    def act() -> str:
        worklist.reject(conn, session.user, item_id, now())
        return f"Item {item_id} rejected: the children stay apart."

    return _outcome(conn, f"/worklist/{item_id}", act)
