"""The JSON API (CONTRACT.md): tokens, search, records, credits, the report, notices, the audit log."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from hub.api import roles, service
from hub.api.deps import ApiUser, Conn, client, forbid_unless
from hub.api.login import login
from hub.store import people
from hub.store.search import Query as SearchQuery
from hub.store.search import search

router = APIRouter(prefix="/api", tags=["api"])

MsixId = Annotated[str, Query(pattern=r"^[0-9]{12}$")]
StateCode = Annotated[str, Query(pattern=r"^[A-Za-z]{2}$", description="USPS code")]
_FILENAME = re.compile(r"[^0-9]")


@router.post("/token", summary="A bearer token for a user name and password")
def token(
    request: Request, conn: Conn, username: Annotated[str, Form()], password: Annotated[str, Form()]
) -> dict[str, Any]:
    session = login(request, conn, username, password, "bearer")
    return {"access_token": session.secret, "token_type": "bearer", "expires_in": session.minutes * 60}


@router.get("/students", summary="Find children by name (fuzzy), state id or MSIX id, and birth date")
def find_students(
    conn: Conn,
    user: ApiUser,
    q: Annotated[str, Query(max_length=100, description="a name, a state student id or an MSIX id")] = "",
    birth_date: date | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> list[dict[str, Any]]:
    forbid_unless(roles.may_read_records(user.role))
    if not q.strip() and birth_date is None:
        raise HTTPException(422, "give q, birth_date, or both")
    return search(conn, SearchQuery(q, birth_date, limit))


@router.get("/students/{msix_id}", summary="One consolidated record")
def student(request: Request, conn: Conn, user: ApiUser, msix_id: str) -> dict[str, Any]:
    forbid_unless(roles.may_read_records(user.role))
    return service.record(conn, user, msix_id, "view", "api", client(request))


@router.get("/students/{msix_id}/credits", summary="Credits toward a state's graduation requirements")
def credits(
    request: Request, conn: Conn, user: ApiUser, msix_id: str, state: StateCode | None = None
) -> dict[str, Any]:
    forbid_unless(roles.may_read_records(user.role))
    code = service.check_state(state) if state else user.state or "default"
    found = service.record(conn, user, msix_id, "credits", code, client(request))
    return service.credits(found, code)


@router.get(
    "/students/{msix_id}/report.pdf",
    summary="The Consolidated Student Record Report (PDF), in English or Spanish",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def report(
    request: Request,
    conn: Conn,
    user: ApiUser,
    msix_id: str,
    lang: Literal["en", "es"] = "en",
    state: StateCode | None = None,
) -> Response:
    forbid_unless(roles.may_read_records(user.role))
    code = service.check_state(state) if state else user.state or "default"
    found = service.record(conn, user, msix_id, "report", lang, client(request))
    body = service.report(found, code, lang, date.today())
    name = f"msix-{_FILENAME.sub('', msix_id)}-{lang}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/notices", summary="Move notices for a destination state")
def notices(conn: Conn, user: ApiUser, state: StateCode) -> list[dict[str, Any]]:
    code = service.check_state(state)
    forbid_unless(roles.may_read_notices(user.role, user.state, code))
    return service.notices(conn, code)


@router.get("/audit", summary="Who saw a record, when and what (admin only)")
def audit(
    conn: Conn, user: ApiUser, msix_id: MsixId | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> JSONResponse:
    forbid_unless(roles.may_read_audit(user.role))
    rows = people.audit_entries(conn, msix_id, limit)
    return JSONResponse([{**r, "at": r["at"].isoformat()} for r in rows])
