"""The permission table's check (``hub.api.permissions``, ``deps.permit``) as a route dependency, so
it answers 403 before any parameter or body is validated: a refused person learns nothing about what
the route would have taken. The state checked is the route's ``{state}`` or ``?state=``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request

from hub.api.deps import ApiUser, PageSession, permit
from producers.topics import USPS_CODES

# Path keys of rows (a correction, an account request, a user name): printable, as the database
# can hold them (PostgreSQL text cannot hold NUL: without this such a key would be a server error).
Key = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
StatePath = Annotated[str, Path(pattern="^(" + "|".join(sorted(USPS_CODES)) + ")$", description="USPS code")]


def _state(request: Request) -> str | None:
    found = request.path_params.get("state") or request.query_params.get("state")
    return str(found).strip().upper() if found else None


def _api(request: Request, user: ApiUser) -> None:
    permit(request, user, _state(request))


def _page(request: Request, session: PageSession) -> None:
    permit(request, session.user, _state(request))


API = [Depends(_api)]
PAGE = [Depends(_page)]


_SAID = {
    400: "the body is not JSON",
    401: "not signed in, or the token has expired",
    403: "your role may not do this",
    404: "no such child, account, request or part",
    409: "not in a state that allows this (a request decided, an account deactivated)",
}


def answers(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents (its 422 FastAPI documents itself)."""
    from hub.api.routes.api import Problem

    return {code: {"model": Problem, "description": _SAID[code]} for code in codes}


def file_answers(media_type: str, *codes: int) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}}, **answers(*codes)}
