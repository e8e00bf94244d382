"""Placeholders for the homes of the roles whose pages are being built (issue 15: the federal
office's child counts, a state's accounts), so every role signs in to a page that answers.

Included last in the app: once a real page is included at the same path, it answers instead."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.api.deps import PageSession, permit
from hub.api.routes.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/counts")
def counts(request: Request, session: PageSession) -> HTMLResponse:
    permit(request, session.user)
    what = "Child counts by state and period, with small cells suppressed (GET /api/counts)."
    return render(request, "coming.html", session, heading="Child counts", what=what)


@router.get("/accounts")
def accounts(request: Request, session: PageSession) -> HTMLResponse:
    permit(request, session.user)
    where = f"{session.user.state}'s" if session.user.state else "every state's"
    what = f"Making, changing and closing {where} accounts. Until then: msix users add (an operator)."
    return render(request, "coming.html", session, heading="Accounts", what=what)
