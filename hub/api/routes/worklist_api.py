"""The identity worklist API for data admins (issue 3): near matches side by side, confirm or
reject, merge and split requests, and their validation by a second data admin. Thin: the rules
are ``hub.identity.admin``'s, carried out by ``hub.store.identity_admin``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from hub.api import worklist
from hub.api.deps import ApiUser, Conn, app_state, client, now
from hub.api.routes.api import Problem, known_query_only
from producers.topics import USPS_CODES

router = APIRouter(prefix="/api", tags=["worklist"], dependencies=[Depends(known_query_only)])

_SAID = {
    400: "the body is not JSON",
    401: "not signed in, or the token has expired",
    403: "only data admins resolve identities",
    404: "no such worklist item, request or child",
    409: "not now: the item or request is closed or waiting, or the validator is the requester",
}


def _answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _SAID[code]} for code in codes}


MSIX_PATTERN = r"^[0-9]{12}$"
MsixField = Annotated[str, Field(pattern=MSIX_PATTERN, description="12 digits, the last a check digit")]
StateField = Annotated[str, Field(pattern="^(" + "|".join(sorted(USPS_CODES)) + ")$", description="USPS code")]
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a worklist item's id")]
RequestId = Annotated[int, Path(ge=1, le=2**63 - 1, description="a merge or split request's id")]


class Confirm(BaseModel):
    candidate: MsixField | None = Field(default=None, description="the candidate to merge into (the best by default)")


class MergeRequest(BaseModel):
    master: MsixField = Field(description="the record that stays; the others' ids become its aliases")
    others: list[MsixField] = Field(min_length=1, max_length=20)


class SplitRequest(BaseModel):
    msix_id: MsixField
    state: StateField = Field(description="the state whose records move to a new MSIX id")


class Requested(BaseModel):
    request_id: int
    status: Literal["pending"] = "pending"


def _json(value: Any) -> Any:
    return jsonable_encoder(value)


@router.get("/worklist", summary="Near matches waiting for a data admin, escalated first", responses=_answers(401, 403))
def list_items(
    request: Request,
    conn: Conn,
    user: ApiUser,
    status: Literal["open", "confirmed", "rejected"] = "open",
    # Exactly true or false: a bool parameter would also take 1, yes, on... which the schema does not say.
    escalated: Literal["true", "false"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    worklist.require_data_admin(user)
    flag = None if escalated is None else escalated == "true"
    return _json(worklist.items(conn, app_state(request), user, status, flag, limit, client(request)))


@router.get(
    "/worklist/{item_id}",
    summary="One near match side by side: the new identity, each candidate's, the score's reasons, history",
    responses=_answers(401, 403, 404),
)
def show_item(request: Request, conn: Conn, user: ApiUser, item_id: ItemId) -> dict[str, Any]:
    worklist.require_data_admin(user)
    return _json(worklist.item(conn, user, item_id, client(request)))


@router.post(
    "/worklist/{item_id}/confirm",
    status_code=202,
    summary="Confirm: a request to merge the new child into a candidate, for a second data admin to validate",
    responses=_answers(400, 401, 403, 404, 409),
)
def confirm(conn: Conn, user: ApiUser, item_id: ItemId, body: Annotated[Confirm | None, Body()] = None) -> Requested:
    worklist.require_data_admin(user)
    return Requested(request_id=worklist.confirm(conn, user, item_id, body.candidate if body else None, now()))


@router.post(
    "/worklist/{item_id}/reject",
    summary="Reject: the new child stays a child of its own (no validation needed)",
    responses=_answers(401, 403, 404, 409),
)
def reject(conn: Conn, user: ApiUser, item_id: ItemId) -> dict[str, Any]:
    worklist.require_data_admin(user)
    worklist.reject(conn, user, item_id, now())
    return {"item_id": item_id, "status": "rejected"}


@router.post(
    "/identity/merge",
    status_code=202,
    summary="Request a merge: the master stays, the others become its aliases (once validated)",
    responses=_answers(400, 401, 403, 404),
)
def merge(conn: Conn, user: ApiUser, body: MergeRequest) -> Requested:
    worklist.require_data_admin(user)
    return Requested(request_id=worklist.merge(conn, user, body.master, body.others, now()))


@router.post(
    "/identity/split",
    status_code=202,
    summary="Request a split: one state's records of a child move to a new MSIX id (once validated)",
    responses=_answers(400, 401, 403, 404),
)
def split(conn: Conn, user: ApiUser, body: SplitRequest) -> Requested:
    worklist.require_data_admin(user)
    return Requested(request_id=worklist.split(conn, user, body.msix_id, body.state, now()))


@router.get("/identity/requests", summary="Merge and split requests (pending: waiting for validation)",
            responses=_answers(401, 403))  # fmt: skip
def requests(conn: Conn, user: ApiUser, status: Literal["pending", "done"] = "pending") -> list[dict[str, Any]]:
    worklist.require_data_admin(user)
    return _json(worklist.requests(conn, status))


@router.post(
    "/identity/requests/{request_id}/validate",
    summary="Validate a request (a data admin other than the requester): the merge or split is carried out",
    responses=_answers(401, 403, 404, 409),
)
def validate(request: Request, conn: Conn, user: ApiUser, request_id: RequestId) -> dict[str, Any]:
    worklist.require_data_admin(user)
    return _json(worklist.validate(conn, app_state(request), user, request_id, client(request)))
