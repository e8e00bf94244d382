"""The permission table's check (``hub.api.permissions``, ``deps.permit``) as a route dependency, so
it answers 403 before any parameter or body is validated: a refused person learns nothing about what
the route would have taken. The state checked is the route's ``{state}`` or ``?state=``."""

from __future__ import annotations

from fastapi import Depends, Request

from hub.api.deps import ApiUser, PageSession, permit


def _state(request: Request) -> str | None:
    found = request.path_params.get("state") or request.query_params.get("state")
    return str(found).strip().upper() if found else None


def _api(request: Request, user: ApiUser) -> None:
    permit(request, user, _state(request))


def _page(request: Request, session: PageSession) -> None:
    permit(request, session.user, _state(request))


API = [Depends(_api)]
PAGE = [Depends(_page)]
