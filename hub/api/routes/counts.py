"""The child count and the staff's aggregate reports (docs/obligations.md, "Counts"): JSON, CSV and
PDF under ``/api/counts``, pages under ``/counts``. Only suppressed aggregates, except the
reconciliation, which lists a state's children for that state's data manager (audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.api import deadlines, service
from hub.api.deps import ApiUser, Conn, PageSession, client, now
from hub.api.routes import guard
from hub.api.routes.api import StateCode, known_query_only
from hub.api.routes.pages import render
from hub.domain import child_count as cc
from hub.domain import deadline_board
from hub.report import counts_export
from hub.store import counts, people
from hub.store.people import User

api_router = APIRouter(prefix="/api", tags=["counts"], dependencies=[Depends(known_query_only)])
pages_router = APIRouter(include_in_schema=False)
# Every period the count knows, spelt out: a schema-valid period is always one the hub can count.
_PERIODS = "|".join(f"{y}-{y + 1}" for y in range(1990, 2100))
PeriodText = Annotated[str, Query(pattern=f"^({_PERIODS})$", description="a reporting period, 2025-2026")]
HUB_WIDE = frozenset({"federal", "admin"})


def scope(user: User, state: str | None) -> str | None:
    """The state this person may see counts for (None: every state); 403 for anyone else. The
    federal office and the admin see every state; a state's data manager only their own."""
    code = service.check_state(state) if state else None
    if user.role in HUB_WIDE:
        return code
    if user.role == "state_data_manager" and user.state and code in (None, user.state):
        return user.state
    raise HTTPException(403, "your role may not see child counts" + (f" for {code}" if code else ""))


def _period(text: str) -> cc.Period:
    try:
        return cc.period(text)
    except ValueError as exc:
        raise service.invalid("query", "period", str(exc)) from None


def may_reconcile(user: User, state: str) -> bool:
    """Child-level: the state's own data manager, and the admin. Never the federal office."""
    return user.role == "admin" or (user.role == "state_data_manager" and user.state == state)


@api_router.get(
    "/counts",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Child counts (Category 1 and 2) by age/grade, small cells suppressed",
)
def counts_json(conn: Conn, user: ApiUser, period: PeriodText, state: StateCode | None = None) -> dict[str, Any]:
    only = scope(user, state)
    return counts.count_json(counts.child_count(conn, _period(period)), only)


@api_router.get(
    "/counts.csv",
    dependencies=guard.API,
    response_class=Response,
    responses=guard.file_answers("text/csv", 401, 403),
    summary="The child counts as CSV",
)
def counts_csv(conn: Conn, user: ApiUser, period: PeriodText, state: StateCode | None = None) -> Response:
    only = scope(user, state)
    found = counts.child_count(conn, _period(period))
    return _attachment(counts_export.csv_text(found, only), "text/csv", period, only, "csv")


@api_router.get(
    "/counts.pdf",
    dependencies=guard.API,
    response_class=Response,
    responses=guard.file_answers("application/pdf", 401, 403),
    summary="The child counts as PDF",
)
def counts_pdf(conn: Conn, user: ApiUser, period: PeriodText, state: StateCode | None = None) -> Response:
    only = scope(user, state)
    found = counts.child_count(conn, _period(period))
    return _attachment(counts_export.pdf_bytes(found, only, date.today()), "application/pdf", period, only, "pdf")


def _attachment(body: str | bytes, media_type: str, period: str, only: str | None, ext: str) -> Response:
    name = f"child-count-{period}{'-' + only if only else ''}.{ext}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api_router.get(
    "/counts/mobility",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Moves between states in a period, by origin and destination",
)
def mobility(conn: Conn, user: ApiUser, period: PeriodText) -> dict[str, Any]:
    scope(user, None if user.role in HUB_WIDE else user.state)
    return counts.as_json(counts.mobility(conn, _period(period)))


@api_router.get(
    "/counts/updated",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="When each state's records were last updated",
)
def updated(conn: Conn, user: ApiUser) -> list[dict[str, Any]]:
    scope(user, None if user.role in HUB_WIDE else user.state)
    return counts.last_updated(conn)


@api_router.get(
    "/counts/deadlines",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Per state: data requests, parents' correction parts and move notices open, due soon, overdue",
)
def deadlines_json(conn: Conn, user: ApiUser, state: StateCode | None = None) -> list[dict[str, Any]]:
    return deadlines.national(conn, now(), scope(user, state))


@api_router.get(
    "/counts/worklist-aging",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Open identity worklist items by age in working days and state, small cells suppressed",
)
def worklist_aging(conn: Conn, user: ApiUser, state: StateCode | None = None) -> dict[str, Any]:
    return counts.as_json(counts.worklist_aging(conn, now()), scope(user, state))


@api_router.get(
    "/counts/missing-elements",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Children whose records from a state lack a required element, by element, small cells suppressed",
)
def missing_elements(conn: Conn, user: ApiUser, state: StateCode | None = None) -> dict[str, Any]:
    return counts.as_json(counts.missing_elements(conn), scope(user, state))


@api_router.get(
    "/counts/reconciliation",
    dependencies=guard.API,
    responses=guard.answers(401, 403),
    summary="Children a state's count and the hub's differ on, with why",
)
def reconciliation(
    request: Request, conn: Conn, user: ApiUser, period: PeriodText, state: StateCode
) -> list[dict[str, str]]:
    code = service.check_state(state)
    if not may_reconcile(user, code):
        raise HTTPException(403, "only the state's data manager may see its children")
    found = _reconcile(conn, user, code, _period(period), client(request))
    return [{"msix_id": d.msix_id, "state_student_id": d.state_student_id, "reason": d.reason} for d in found]


def _reconcile(conn: Conn, user: User, state: str, p: cc.Period, where: str | None) -> list[cc.Difference]:
    found = counts.reconciliation(conn, state, p)
    people.audit_each(conn, user, "reconcile", (d.msix_id for d in found), f"{state} {p.label}", where)
    return found


@pages_router.get("/counts", dependencies=guard.PAGE)
def counts_page(request: Request, conn: Conn, session: PageSession, period: str = "", state: str = "") -> HTMLResponse:
    only = scope(session.user, state or None)
    p = _period(period) if period else counts.today_period(date.today())
    found = counts.child_count(conn, p)
    return render(
        request,
        "counts.html",
        session,
        p=p,
        only=only,
        found=found,
        data=counts.count_json(found, only),
        mobility=counts.as_json(counts.mobility(conn, p)),
        updated=counts.last_updated(conn),
        reconcile=only is not None and may_reconcile(session.user, only),
        national=deadlines.national(conn, now(), only),
        aging=counts.as_json(counts.worklist_aging(conn, now()), only),
        missing=counts.as_json(counts.missing_elements(conn), only),
        aging_rows=deadline_board.AGE_BUCKETS,
        missing_rows=counts.REQUIRED_ELEMENTS,
    )


@pages_router.get("/counts/reconciliation", dependencies=guard.PAGE)
def reconciliation_page(request: Request, conn: Conn, session: PageSession, period: str, state: str) -> HTMLResponse:
    code = service.check_state(state)
    if not may_reconcile(session.user, code):
        raise HTTPException(403, "only the state's data manager may see its children")
    p = _period(period)
    found = _reconcile(conn, session.user, code, p, client(request))
    return render(request, "reconciliation.html", session, p=p, state=code, differences=found)
