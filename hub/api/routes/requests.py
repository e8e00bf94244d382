"""Data requests between states over the API (CONTRACT.md, "Obligations between states"):
``POST /api/students/{msix_id}/requests`` and ``GET /api/requests?state=ST``. ``router`` also carries
their pages (``hub.api.routes.request_pages``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hub import requests
from hub.api import service
from hub.api.deps import ApiUser, Conn, app_state, client, now, permit
from hub.api.routes import request_pages
from hub.api.routes.api import PRINTABLE, MsixPath, Problem, StateCode, known_query_only
from hub.domain.data_requests import KINDS, MAX_TEXT
from hub.errors import UserInputError
from hub.store import people

api_router = APIRouter(prefix="/api", tags=["requests"], dependencies=[Depends(known_query_only)])

_ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not signed in, or the token has expired"},
    403: {"model": Problem, "description": "your role may not do this"},
}


class Ask(BaseModel):
    """What is asked of which state; the requesting state is the signed-in user's."""

    to_state: StateCode
    kind: Literal[KINDS]  # type: ignore[valid-type]
    text: Annotated[str | None, Field(max_length=MAX_TEXT, pattern=PRINTABLE)] = None


@api_router.post(
    "/students/{msix_id}/requests",
    status_code=201,
    summary="Ask another state for more of a child's records",
    responses={
        **_ANSWERS,
        400: {"model": Problem, "description": "the body is not JSON"},
        404: {"model": Problem, "description": "no child with this MSIX id"},
    },
)
def ask(request: Request, conn: Conn, user: ApiUser, msix_id: MsixPath, body: Ask) -> dict[str, Any]:
    permit(request, user, user.state)
    assert user.state is not None
    route = (user.state, service.check_state(body.to_state))
    found = service.record(conn, user, msix_id, "request", f"{route[0]}->{route[1]} {body.kind}", client(request))
    who = requests.requester(user.username, user.role, user.state)
    try:
        return requests.ask(conn, app_state(request).topics, found, body.kind, route, body.text, who, now())
    except UserInputError as exc:
        raise service.invalid("body", "to_state" if route[0] == route[1] else "text", str(exc)) from None


@api_router.get("/requests", summary="Data requests made by or of a state, with deadlines", responses=_ANSWERS)
def listed(
    request: Request,
    conn: Conn,
    user: ApiUser,
    state: StateCode,
    direction: Literal["sent", "received", "both"] = "both",
    overdue: bool = False,
) -> JSONResponse:
    code = service.check_state(state)
    permit(request, user, code)
    found = requests.listed(conn, code, now(), direction, overdue)
    # A request names a child by MSIX id: each listed is audited, like a notice.
    people.audit_each(conn, user, "requests", (r["msix_id"] for r in found), f"api {code}", client(request))
    return JSONResponse(found)


# What the app includes: the API and the pages.
router = APIRouter()
router.include_router(api_router)
router.include_router(request_pages.router)
