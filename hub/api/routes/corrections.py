"""Parents' correction and removal requests (docs/obligations.md, "Corrections"): a MEP liaison
records one from the child's record; each owning state acknowledges and decides its part; the
parent's letter in English or Spanish. API under ``/api``, small pages under ``/corrections``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from hub.api import security, service
from hub.api.deps import ApiUser, Conn, PageSession, app_state, client, now
from hub.api.routes import guard
from hub.api.routes.api import MsixPath, StateCode, known_query_only
from hub.api.routes.pages import render
from hub.errors import UserInputError
from hub.report import letter
from hub.store import corrections, people
from hub.store.people import User

api_router = APIRouter(prefix="/api", tags=["corrections"], dependencies=[Depends(known_query_only)])
pages_router = APIRouter(include_in_schema=False)
LIAISONS = frozenset({"mep_specialist", "recruiter", "counselor", "registrar"})
Outcome = Literal["corrected", "removed", "kept"]


class Item(BaseModel):
    section: Literal["student", "enrollments", "courses", "assessments"]
    id: Annotated[str | None, Field(max_length=100)] = None
    field: Annotated[str | None, Field(max_length=100, pattern=r"^[a-z0-9_]+$")] = None
    state: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None


class Request_(BaseModel):
    """What the parent disputes and says, and how the liaison knew it was the parent."""

    items: Annotated[list[Item], Field(min_length=1, max_length=50)]
    parent_name: Annotated[str, Field(min_length=1, max_length=200)]
    identified_by: Annotated[str, Field(min_length=1, max_length=200)]
    statement: Annotated[str, Field(min_length=1, max_length=1000)]
    lang: Literal["en", "es"] = "en"


class Decision(BaseModel):
    outcome: Outcome
    reason: Annotated[str | None, Field(max_length=1000)] = None


def may_record(user: User) -> bool:
    return user.role in LIAISONS and user.state is not None


def may_decide(user: User, state: str) -> bool:
    return user.role == "admin" or (user.role == "state_data_manager" and user.state == state)


def may_list(user: User, state: str) -> bool:
    return user.role == "admin" or (user.role in LIAISONS | {"state_data_manager"} and user.state == state)


def _invalid(exc: UserInputError) -> Exception:
    if isinstance(exc, corrections.NotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, corrections.Decided):
        return HTTPException(409, str(exc))
    # A 422 in FastAPI's own shape: the OpenAPI document promises it for every 422.
    return service.invalid("body", "request", str(exc))


def _record(conn: Conn, user: User, msix_id: str, body: Request_, request: Request) -> dict[str, Any]:
    if not may_record(user):
        raise HTTPException(403, "only a MEP liaison of a state records a parent's request")
    found = service.record(conn, user, msix_id, "correction", "recorded", client(request))
    items = [i.model_dump(exclude_none=True) for i in body.items]
    parent = body.model_dump(include={"parent_name", "identified_by", "statement", "lang"})
    try:
        by = (user.username, str(user.state))
        return corrections.record(conn, now(), found, items, parent, by, app_state(request).topics)
    except UserInputError as exc:
        raise _invalid(exc) from None


@api_router.post(
    "/students/{msix_id}/corrections",
    dependencies=guard.API,
    responses=guard.answers(400, 401, 403, 404, 409),
    status_code=201,
    summary="Record a parent's correction request",
)
def record(request: Request, conn: Conn, user: ApiUser, msix_id: MsixPath, body: Request_) -> dict[str, Any]:
    return _record(conn, user, msix_id, body, request)


@api_router.get(
    "/corrections",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    summary="Parents' correction requests with a part for a state",
)
def listed(request: Request, conn: Conn, user: ApiUser, state: StateCode, open: bool = False) -> list[dict[str, Any]]:
    code = service.check_state(state)
    if not may_list(user, code):
        raise HTTPException(403, "a state's correction requests are for its people")
    found = corrections.listed(conn, code, now(), open)
    people.audit_each(conn, user, "corrections", (c["msix_id"] for c in found), f"api {code}", client(request))
    return found


def _change(conn: Conn, user: User, correction_id: str, state: str, decision: Decision | None) -> dict[str, Any]:
    code = service.check_state(state)
    if not may_decide(user, code):
        raise HTTPException(403, "only the state's data manager decides its part")
    try:
        if decision is None:
            return corrections.acknowledge(conn, now(), correction_id, code, user.username)
        return corrections.decide(conn, now(), correction_id, code, user.username, decision.outcome, decision.reason)
    except UserInputError as exc:
        raise _invalid(exc) from None


@api_router.post(
    "/corrections/{correction_id}/parts/{state}/ack",
    dependencies=guard.API,
    responses=guard.answers(401, 403, 404, 409),
    summary="The state acknowledges its part",
)
def acknowledge(conn: Conn, user: ApiUser, correction_id: guard.Key, state: guard.StatePath) -> dict[str, Any]:
    return _change(conn, user, correction_id, state, None)


@api_router.post(
    "/corrections/{correction_id}/parts/{state}/decision",
    dependencies=guard.API,
    responses=guard.answers(400, 401, 403, 404, 409),
    summary="The state decides its part",
)
def decide(
    conn: Conn, user: ApiUser, correction_id: guard.Key, state: guard.StatePath, body: Decision
) -> dict[str, Any]:
    return _change(conn, user, correction_id, state, body)


@api_router.get(
    "/corrections/{correction_id}/letter.pdf",
    dependencies=guard.API,
    response_class=Response,
    responses=guard.file_answers("application/pdf", 401, 403, 404),
    summary="The letter to the parent",
)
def letter_pdf(
    request: Request, conn: Conn, user: ApiUser, correction_id: guard.Key, lang: Literal["en", "es"] | None = None
) -> Response:
    try:
        found = corrections.get(conn, correction_id, now())
    except UserInputError:
        raise HTTPException(404, "no such correction request") from None
    states = {found["recorded_state"], *(p["state"] for p in found["parts"])}
    if not any(may_list(user, st) for st in states):
        raise HTTPException(403, "the letter is for the states of this request")
    record = service.record(conn, user, found["msix_id"], "letter", correction_id, client(request))
    s = record.get("student", {})
    name = " ".join(p for p in (s.get("first_name"), s.get("last_name_1"), s.get("last_name_2")) if p)
    body = letter.render(found, name or found["msix_id"], lang or found["lang"], date.today())
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="correction-{correction_id[:8]}.pdf"'},
    )


# --- pages ------------------------------------------------------------------------------------------


@pages_router.get("/corrections", dependencies=guard.PAGE)
def corrections_page(request: Request, conn: Conn, session: PageSession, state: str = "") -> HTMLResponse:
    code = service.check_state(state or session.user.state or "")
    if not may_list(session.user, code):
        raise HTTPException(403, "a state's correction requests are for its people")
    found = corrections.listed(conn, code, now())
    people.audit_each(conn, session.user, "corrections", (c["msix_id"] for c in found), f"page {code}", client(request))
    return render(
        request, "corrections.html", session, state=code, found=found, can_decide=may_decide(session.user, code)
    )


@pages_router.post("/corrections/{correction_id}/parts/{state}/decision", dependencies=guard.PAGE)
def decide_page(
    conn: Conn,
    session: PageSession,
    correction_id: guard.Key,
    state: guard.StatePath,
    outcome: Annotated[Outcome, Form()],
    reason: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not security.same(csrf, session.csrf):
        raise HTTPException(400, "the form expired; reload the page")
    _change(conn, session.user, correction_id, state, Decision(outcome=outcome, reason=reason or None))
    return RedirectResponse(f"/corrections?state={service.check_state(state)}", status_code=303)


STUDENT_FIELDS = ("first_name", "middle_name", "last_name_1", "last_name_2", "sex", "birth_date", "birth_city",
                  "birth_state", "birth_country", "qad", "eligibility_expiration_date")  # fmt: skip


@pages_router.get("/students/{msix_id}/correction", dependencies=guard.PAGE)
def correction_form(request: Request, conn: Conn, session: PageSession, msix_id: str) -> HTMLResponse:
    """The liaison's form: the parent's request against this child's record (the view is audited)."""
    found = service.record(conn, session.user, msix_id, "correction", "form", client(request))
    return render(request, "correction_form.html", session, record=found, fields=STUDENT_FIELDS, error="")


@pages_router.post("/students/{msix_id}/correction", dependencies=guard.PAGE)
def correction_submit(
    request: Request,
    conn: Conn,
    session: PageSession,
    msix_id: str,
    parent_name: Annotated[str, Form(max_length=200)] = "",
    identified_by: Annotated[str, Form(max_length=200)] = "",
    statement: Annotated[str, Form(max_length=1000)] = "",
    lang: Annotated[Literal["en", "es"], Form()] = "en",
    items: Annotated[list[str] | None, Form()] = None,
    student_field: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not security.same(csrf, session.csrf):
        raise HTTPException(400, "the form expired; reload the page")
    chosen = [dict(zip(("section", "id", "state"), v.split("|", 2), strict=False)) for v in items or []]
    if student_field:
        chosen.append({"section": "student", "field": student_field})
    try:
        texts = {"parent_name": parent_name, "identified_by": identified_by, "statement": statement, "lang": lang}
        body = Request_.model_validate({"items": chosen, **texts})
        _record(conn, session.user, msix_id, body, request)
    except (ValueError, HTTPException) as exc:  # pydantic's ValidationError is a ValueError
        found = service.record(conn, session.user, msix_id, "correction", "form", client(request))
        why = exc.detail if isinstance(exc, HTTPException) else "fill in every field and choose at least one item"
        return render(request, "correction_form.html", session, 422, record=found, fields=STUDENT_FIELDS, error=why)
    return RedirectResponse(f"/corrections?state={session.user.state}", status_code=303)
