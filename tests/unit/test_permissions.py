"""The permission table against the app itself: every route is in the table, and for every role and
route the server refuses (403) exactly what the table refuses; the header offers a page exactly when
the server lets the person open it; every role's home is a page they may open.

No database: the signed-in person is given to the app (its own dependencies, overridden), and a
route that gets past its check reaches a connection that fails on first use (a 500, not a 403).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from hub.api import deps, permissions
from hub.api.app import create_app
from hub.api.roles import Role
from hub.config import WebSettings
from hub.store.people import Session, User

# Each role with a state of its own where it has one; the data admin has one too (a data admin
# with a state was offered Texas's move notices and refused them).
PEOPLE = {
    Role.COUNSELOR: "FL",
    Role.REGISTRAR: "TX",
    Role.RECRUITER: "CA",
    Role.MEP_SPECIALIST: "FL",
    Role.DATA_ADMIN: "TX",
    Role.STATE_DATA_MANAGER: "TX",
    Role.ADMIN: None,
    Role.FEDERAL: None,
    Role.USER_ADMIN: "TX",
}
NOTICE_STATE = "TX"  # the destination state every notice has here (the fake connection's answer)
MSIX = "100000000000"
PATH_VALUES = {"msix_id": MSIX, "item_id": "1", "request_id": "1", "notice_id": "n-1"}
# Bodies that pass validation, so that only the permission decides between 403 and the rest.
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/students/{msix_id}/requests": {"json": {"to_state": "CA", "kind": "other"}},
    "POST /api/identity/merge": {"json": {"master": MSIX, "others": ["100000000018"]}},
    "POST /api/identity/split": {"json": {"msix_id": MSIX, "state": "TX"}},
    "POST /api/token": {"data": {"username": "x", "password": "y"}},
    "GET /api/students": {"params": {"q": "Ana"}},
}


class Reached(Exception):
    """A route got past its permission check and touched the database."""


class Unreachable:
    """The request's connection: the notice lookup of an acknowledgement gets a destination state;
    anything else fails."""

    def execute(self, *args: Any, **kwargs: Any) -> Unreachable:
        return self

    def scalar(self) -> str:
        return NOTICE_STATE

    def __getattr__(self, name: str) -> Any:
        raise Reached(name)


@pytest.fixture(scope="module")
def app() -> FastAPI:
    # Nothing listens on port 1: a page that looks its session up gets no header, at once.
    return create_app(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"), WebSettings())


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    def transaction() -> Iterator[Unreachable]:
        yield Unreachable()

    app.dependency_overrides[deps.transaction] = transaction
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as c:
        yield c
    app.dependency_overrides.clear()


def as_person(app: FastAPI, role: Role) -> User:
    user = User(f"a-{role.value}", role.value, PEOPLE[role])
    app.dependency_overrides[deps.api_user] = lambda: user
    app.dependency_overrides[deps.page_session] = lambda: Session(user, "cookie", "token")
    return user


def checked_routes(app: FastAPI) -> list[RouteContext]:
    return [
        r
        for r in permissions.flat(app.routes)
        if isinstance(r.original_route, APIRoute) and not permissions.ROUTES[permissions.key(r)].public
    ]


def takes_state(route: RouteContext) -> bool:
    names = {p.alias for p in route.dependant.path_params + route.dependant.query_params}
    return "state" in names


def ask(client: TestClient, route: RouteContext, state: str | None) -> int:
    route_key = permissions.key(route)
    path = route.path_format
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    extra = dict(BODIES.get(route_key, {"data": {"csrf": "token"}} if not path.startswith("/api/") else {}))
    params = dict(extra.pop("params", {}))
    if state is not None:
        if "{state}" in path:
            path = path.replace("{state}", state)
        else:
            params["state"] = state
    return client.request(route_key.split()[0], path, params=params, **extra).status_code


def state_acted_on(route: RouteContext, asked: str | None, user: User) -> str | None:
    """The state the route's check is about: the one asked for, a notice's destination, or none."""
    route_key = permissions.key(route)
    if route_key == "POST /api/notices/{notice_id}/ack":
        return NOTICE_STATE
    if route_key == "POST /api/students/{msix_id}/requests":
        return user.state
    return asked


def test_every_route_is_in_the_table_and_every_entry_is_a_route(app: FastAPI) -> None:
    routes = [r for r in permissions.flat(app.routes) if r.path not in permissions.UNCHECKED]
    keys = {permissions.key(r) for r in routes}
    assert sorted(keys - set(permissions.ROUTES)) == [], "routes missing from hub.api.permissions.ROUTES"
    assert sorted(set(permissions.ROUTES) - keys) == [], "entries of ROUTES that are no route of the app"


@pytest.mark.parametrize("role", list(Role))
def test_the_server_refuses_exactly_what_the_table_refuses(app: FastAPI, client: TestClient, role: Role) -> None:
    user = as_person(app, role)
    wrong = []
    for route in checked_routes(app):
        states: list[str | None] = [user.state or "TX", "CA" if user.state != "CA" else "TX"]
        for state in states if takes_state(route) else [None]:
            allowed = permissions.allows(
                permissions.key(route), role.value, user.state, state_acted_on(route, state, user)
            )
            status = ask(client, route, state)
            if (status == 403) == allowed:
                wrong.append(f"{permissions.key(route)} state={state}: {status}, table allows={allowed}")
    assert wrong == []


@pytest.mark.parametrize("role", list(Role))
def test_the_header_offers_a_page_if_and_only_if_the_server_opens_it(
    app: FastAPI, client: TestClient, role: Role
) -> None:
    user = as_person(app, role)
    offered = {link.href for link in permissions.nav(app.routes, role.value, user.state)}
    for link in permissions.NAV:
        href = permissions.fill(link, user.state)
        if href is None:
            continue  # a link to one's own state's page, for a person without a state
        status = client.get(href).status_code
        assert (status != 403) == (href in offered), f"{role}: {href} answers {status}"
        assert status != 404, f"{href} is no page"
    assert offered, f"{role} has no page in the header"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lands_on_a_home_it_may_open(app: FastAPI, client: TestClient, role: Role) -> None:
    user = as_person(app, role)
    home = permissions.home(role.value, user.state)
    assert permissions.may_open(app.routes, home.href, role.value, user.state), home
    assert client.get(home.href).status_code not in (403, 404)


def test_sign_in_lands_on_next_only_when_the_role_may_open_it(app: FastAPI) -> None:
    routes = app.routes
    assert permissions.may_open(routes, "/notices?state=TX", "state_data_manager", "TX")
    assert not permissions.may_open(routes, "/notices?state=CA", "state_data_manager", "TX")
    assert not permissions.may_open(routes, "/search", "state_data_manager", "TX")
    assert not permissions.may_open(routes, "/nowhere", "admin", None)
    assert permissions.may_open(routes, f"/students/{MSIX}", "counselor", "FL")
    assert not permissions.may_open(routes, "/dashboard/CA", "state_data_manager", "TX")
    assert permissions.may_open(routes, "/dashboard/CA", "admin", None)
