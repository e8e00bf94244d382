"""The admin's home: the accounts, the audit log (the latest rows, or one child's trail) and the
state dashboards, on one page."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hub.api.deps import Conn, PageSession, permit
from hub.api.routes.pages import render
from hub.store import people, quality
from hub.store.web_tables import web_user

router = APIRouter(include_in_schema=False)
MSIX_ID = re.compile(r"[0-9]{12}")
AUDIT_ROWS = 50


@router.get("/admin")
def admin_home(request: Request, conn: Conn, session: PageSession, msix_id: str = "") -> HTMLResponse:
    permit(request, session.user)
    wanted = msix_id.strip()
    error = "" if not wanted or MSIX_ID.fullmatch(wanted) else "An MSIX id is 12 digits."
    trail = people.audit_entries(conn, wanted if wanted and not error else None, AUDIT_ROWS)
    accounts = conn.execute(
        select(web_user.c.username, web_user.c.role, web_user.c.state).order_by(web_user.c.role, web_user.c.username)
    ).all()
    return render(
        request, "admin.html", session, accounts=accounts, trail=trail, msix_id=wanted, error=error,
        states=quality.states_with_records(conn),
    )  # fmt: skip
