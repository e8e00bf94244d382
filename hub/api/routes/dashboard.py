"""The state data manager's dashboard (pages and JSON) and acknowledging a move notice.

A ``state_data_manager`` sees only their own state's dashboard and acknowledges only notices to
their own state; the ``admin`` may do both for every state; other roles get 403.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, select

from hub import notices
from hub.api import charts, deadlines, permissions, service
from hub.api.dashboard import Dashboards, figures
from hub.api.deps import ApiUser, Conn, PageSession, client, now, permit
from hub.api.routes.api import _answers, _json, known_query_only
from hub.api.routes.pages import render
from hub.store import quality
from hub.store.people import User
from hub.store.tables import move_notice
from producers.topics import USPS_CODES

api_router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(known_query_only)])
pages_router = APIRouter(include_in_schema=False)

StatePath = Annotated[str, Path(pattern="^(" + "|".join(sorted(USPS_CODES)) + ")$", description="USPS code")]
# Notice ids are UUIDs (hub.domain); anything printable up to 100 characters is looked up, and
# only what cannot be an id is refused with 422.
NoticePath = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


def dashboards(request: Request) -> Dashboards:
    found: Dashboards = request.app.state.dashboards
    return found


@api_router.get(
    "/states/{state}/dashboard",
    summary="A state's dashboard figures: arrivals, lags, rejections, data quality, submissions, deadlines",
    responses=_answers(401, 403),
)
def dashboard_json(request: Request, conn: Conn, user: ApiUser, state: StatePath) -> Response:
    permit(request, user, state)
    found = _audited(request, conn, user, figures(conn, dashboards(request), state, now()), "api")
    return _json({**found, "deadlines": deadlines.panel(conn, state, now())})


def _audited(request: Request, conn: Connection, user: User, f: dict[str, Any], where: str) -> dict[str, Any]:
    """The figures, once their latest rejected rows (children, by state id) are audited."""
    latest = f["rejections"]["latest"] if f["rejections"] is not None else []
    service.audit_rejected(conn, user, f["state"], latest, where, client(request))
    return f


@api_router.post(
    "/notices/{notice_id}/ack",
    summary="Acknowledge a move notice for the destination state (an event through Kafka)",
    status_code=202,
    responses=_answers(401, 403) | {404: {"description": "no such notice"}},
)
def ack_notice(request: Request, conn: Conn, user: ApiUser, notice_id: NoticePath) -> dict[str, Any]:
    to_state = conn.execute(select(move_notice.c.to_state).where(move_notice.c.notice_id == notice_id)).scalar()
    if to_state is None:
        raise HTTPException(404, "no such notice")
    permit(request, user, to_state)
    settings = dashboards(request).settings
    if settings is None:
        raise HTTPException(503, "this server has no Kafka settings")
    # The server has authenticated the person; the receipt names them after the server's principal.
    value = notices.acknowledge(settings.kafka, to_state, notice_id, user.username)
    return {**value, "at": value["at"].isoformat()}


@pages_router.get("/dashboard")
def dashboard_home(request: Request, conn: Conn, session: PageSession) -> Response:
    user = session.user
    permit(request, user)
    if user.role not in permissions.ROUTES["GET /dashboard/{state}"].anywhere:  # their own state's only
        return RedirectResponse(f"/dashboard/{user.state}", status_code=303)
    return render(
        request, "dashboard_pick.html", session, states=quality.states_with_records(conn),
        national=deadlines.national(conn, now()),
    )  # fmt: skip


@pages_router.get("/dashboard/{state}")
def dashboard_page(request: Request, conn: Conn, session: PageSession, state: StatePath) -> HTMLResponse:
    permit(request, session.user, state)
    f = _audited(request, conn, session.user, figures(conn, dashboards(request), state, now()), "page")
    hours = f["records_per_hour"]
    per_hour = charts.stacked_bars(
        f"Records received per hour, last {len(hours) // 24} days",
        [h["hour"][5:13].replace("T", " ") + "h" for h in hours],
        {"records": [h["records"] for h in hours]},
        tick_every=24,
    )
    rejected = None
    if f["rejections"] is not None:
        since = date.fromisoformat(f["rejections"]["since"])
        days = [date.fromordinal(d).isoformat() for d in range(since.toordinal(), now().date().toordinal() + 1)]
        reasons = sorted({r["reason"] for r in f["rejections"]["by_day"]})
        series = {reason: [0] * len(days) for reason in reasons}
        for r in f["rejections"]["by_day"]:
            if r["day"] in days:
                series[r["reason"]][days.index(r["day"])] += r["rows"]
        rejected = charts.stacked_bars(
            "Rows rejected per day (the day the hub received them), by reason",
            [d[5:] for d in days],
            series or {"rows": [0] * len(days)},
            2,
            legend=bool(series),
        )
    return render(
        request, "dashboard.html", session, f=f, per_hour=per_hour, rejected=rejected,
        deadlines=deadlines.panel(conn, state, now()),
    )  # fmt: skip
