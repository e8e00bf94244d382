"""The JSON API (CONTRACT.md): tokens, search, records, credits, the report, notices, the audit log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from hub.api import service
from hub.api.deps import ApiUser, Conn, client, permit
from hub.api.login import login
from hub.store import people
from hub.store.search import Query as SearchQuery
from producers.topics import USPS_CODES


class Problem(BaseModel):
    detail: str


def _answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    said = {401: "not signed in, or the token has expired", 403: "your role may not do this",
            404: "no child with this MSIX id", 429: "too many failed logins"}  # fmt: skip
    return {code: {"model": Problem, "description": said[code]} for code in codes}


def _query_names(dependant: Dependant) -> Iterator[str]:
    yield from (p.alias for p in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def known_query_only(request: Request) -> None:
    """422 for a query parameter the operation does not take: a misspelt filter (`?birthdate=`)
    must not quietly widen a search."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = set(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise service.invalid("query", unknown[0], "unknown query parameter")


router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(known_query_only)])


def _json(value: Any) -> Response:
    """The body serialized by orjson at once, without FastAPI's encoder walking a whole consolidated
    record in Python first."""
    # OPT_NON_STR_KEYS: a move's keys come from SQLAlchemy's row mapping as str subclasses.
    return Response(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS), media_type="application/json")


_READ = _answers(401, 403)
_ONE = _answers(401, 403, 404)

MsixId = Annotated[str, Query(pattern=r"^[0-9]{12}$")]
MsixPath = Annotated[str, Path(pattern=r"^[0-9]{12}$", description="12 digits, the last a check digit")]
StateCode = Annotated[str, Query(pattern="^(" + "|".join(sorted(USPS_CODES)) + ")$", description="USPS code")]
# No control characters (PostgreSQL text cannot even hold NUL).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
_FILENAME = re.compile(r"[^0-9]")


@router.post("/token", summary="A bearer token for a user name and password", responses=_answers(401, 429))
def token(
    request: Request,
    conn: Conn,
    username: Annotated[str, Form(min_length=1, max_length=200, pattern=PRINTABLE)],
    password: Annotated[str, Form(min_length=1, max_length=1000)],
) -> dict[str, Any]:
    session = login(request, conn, username, password, "bearer")
    return {"access_token": session.secret, "token_type": "bearer", "expires_in": session.minutes * 60}


@router.get("/students", summary="Find children by name (fuzzy), state id or MSIX id, and birth date", responses=_READ)
def find_students(
    request: Request,
    conn: Conn,
    user: ApiUser,
    q: Annotated[
        str, Query(min_length=1, max_length=100, pattern=PRINTABLE, description="a name, a state id or an MSIX id")
    ],
    birth_date: date | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> Response:
    permit(request, user)
    return _json(service.find(conn, user, SearchQuery(q, birth_date, limit), "api", client(request)))


@router.get("/students/{msix_id}", summary="One consolidated record", responses=_ONE)
def student(request: Request, conn: Conn, user: ApiUser, msix_id: MsixPath) -> Response:
    permit(request, user)
    return _json(service.record(conn, user, msix_id, "view", "api", client(request)))


@router.get("/students/{msix_id}/credits", summary="Credits toward a state's graduation requirements", responses=_ONE)
def credits(request: Request, conn: Conn, user: ApiUser, msix_id: MsixPath, state: StateCode | None = None) -> Response:
    permit(request, user)
    code = service.check_state(state) if state else user.state or "default"
    found = service.record(conn, user, msix_id, "credits", code, client(request))
    return _json(service.credits(found, code))


@router.get(
    "/students/{msix_id}/report.pdf",
    summary="The Consolidated Student Record Report (PDF), in English or Spanish",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **_ONE},
)
def report(
    request: Request,
    conn: Conn,
    user: ApiUser,
    msix_id: MsixPath,
    lang: Literal["en", "es"] = "en",
    state: StateCode | None = None,
) -> Response:
    permit(request, user)
    code = service.check_state(state) if state else user.state or "default"
    found = service.record(conn, user, msix_id, "report", lang, client(request))
    body = service.report(found, code, lang, date.today())
    name = f"msix-{_FILENAME.sub('', msix_id)}-{lang}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/notices", summary="Move notices for a destination state", responses=_READ)
def notices(request: Request, conn: Conn, user: ApiUser, state: StateCode) -> list[dict[str, Any]]:
    code = service.check_state(state)
    permit(request, user, code)
    return service.notices(conn, user, code, "api", client(request))


@router.get("/audit", summary="Who saw a record, when and what (admin only)", responses=_READ)
def audit(
    request: Request,
    conn: Conn,
    user: ApiUser,
    msix_id: MsixId | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JSONResponse:
    permit(request, user)
    rows = people.audit_entries(conn, msix_id, limit)
    return JSONResponse([{**r, "at": r["at"].isoformat()} for r in rows])
