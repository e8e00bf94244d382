"""One table: which role may open which page and API route, and for which state; each role's home;
the header's links. The routes' checks (``hub.api.deps.permit``), the navigation, the landing page
after sign-in and the error pages all read it, so what is offered is what is allowed
(``tests/unit/test_permissions.py`` asks the app itself for every role and route).

A new route is one line in ``ROUTES``: ``"METHOD /path/{as_declared}": RULE``. A route missing from
the table is refused to everyone (and fails the unit test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import BaseRoute, Match, Route

from hub.api.roles import (
    ACCOUNTS,
    ADMIN_ONLY,
    AGGREGATES,
    ASK_STATE,
    LIST_REQUESTS,
    PUBLIC,
    READ_RECORDS,
    RESOLVE_IDENTITIES,
    SCHOOL_STAFF,
    STATE_NOTICES,
    STATE_OPERATIONS,
    Role,
    Rule,
)

SIGNED_IN = Rule(frozenset(Role))  # anyone signed in, whatever their role
ROUTES: dict[str, Rule] = {
    # Signing in and out, liveness, metrics (scraped on the operators' network, not linked).
    "GET /": PUBLIC,  # a person's home, or the sign-in form
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,  # needs the session's own CSRF token
    "POST /api/token": PUBLIC,
    "GET /healthz": PUBLIC,
    "GET /metrics": PUBLIC,
    # Records (pages and API).
    "GET /search": READ_RECORDS,
    "GET /students/{msix_id}": READ_RECORDS,
    "GET /students/{msix_id}/credits": READ_RECORDS,
    "GET /api/students": READ_RECORDS,
    "GET /api/students/{msix_id}": READ_RECORDS,
    "GET /api/students/{msix_id}/credits": READ_RECORDS,
    "GET /api/students/{msix_id}/report.pdf": READ_RECORDS,
    # Move notices, dashboards, acknowledgements: a state's own people, and the admin.
    "GET /notices": STATE_NOTICES,
    "GET /api/notices": STATE_NOTICES,
    "POST /api/notices/{notice_id}/ack": STATE_OPERATIONS,
    "GET /dashboard": STATE_OPERATIONS,
    "GET /dashboard/{state}": STATE_OPERATIONS,
    "GET /api/states/{state}/dashboard": STATE_OPERATIONS,
    # Data requests between states.
    "POST /api/students/{msix_id}/requests": ASK_STATE,
    "GET /api/requests": LIST_REQUESTS,
    "POST /students/{msix_id}/requests": ASK_STATE,  # the record page's form
    "GET /requests": LIST_REQUESTS,
    # The admin.
    "GET /admin": ADMIN_ONLY,
    "GET /api/audit": ADMIN_ONLY,
    # Obligations (docs/obligations.md): child counts (aggregates), accounts, parents' corrections.
    "GET /counts": AGGREGATES,
    "GET /api/counts": AGGREGATES,
    "GET /api/counts.csv": AGGREGATES,
    "GET /api/counts.pdf": AGGREGATES,
    "GET /api/counts/mobility": AGGREGATES,
    "GET /api/counts/updated": AGGREGATES,
    "GET /api/counts/deadlines": AGGREGATES,
    "GET /api/counts/worklist-aging": AGGREGATES,
    "GET /api/counts/missing-elements": AGGREGATES,
    "GET /counts/reconciliation": STATE_OPERATIONS,  # child-level: never the federal office
    "GET /api/counts/reconciliation": STATE_OPERATIONS,
    "GET /accounts": ACCOUNTS,
    "GET /api/accounts": ACCOUNTS,
    "GET /api/accounts/requests": ACCOUNTS,
    "POST /api/accounts/requests/{request_id}/approve": ACCOUNTS,
    "POST /accounts/requests/{request_id}/approve": ACCOUNTS,
    "POST /api/accounts/{username}/{action}": ACCOUNTS,
    "POST /accounts/{username}/{action}": ACCOUNTS,
    "GET /accounts/request": PUBLIC,  # the request form: the requester has no account yet
    "POST /accounts/request": PUBLIC,
    "GET /accounts/verify": SIGNED_IN,  # whoever a request names as its verifying authority
    "POST /accounts/requests/{request_id}/verify": SIGNED_IN,
    "POST /api/accounts/requests/{request_id}/verify": SIGNED_IN,
    "POST /api/students/{msix_id}/corrections": ASK_STATE,  # a liaison, for their own state
    "GET /students/{msix_id}/correction": ASK_STATE,
    "POST /students/{msix_id}/correction": ASK_STATE,
    "GET /corrections": STATE_NOTICES,
    "GET /api/corrections": STATE_NOTICES,
    "GET /api/corrections/{correction_id}/letter.pdf": STATE_NOTICES,
    "POST /api/corrections/{correction_id}/parts/{state}/ack": STATE_OPERATIONS,
    "POST /api/corrections/{correction_id}/parts/{state}/decision": STATE_OPERATIONS,
    "POST /corrections/{correction_id}/parts/{state}/decision": STATE_OPERATIONS,
    # The identity worklist (pages and API).
    "GET /worklist": RESOLVE_IDENTITIES,
    "GET /worklist/requests": RESOLVE_IDENTITIES,
    "GET /worklist/{item_id}": RESOLVE_IDENTITIES,
    "POST /worklist/{item_id}/confirm": RESOLVE_IDENTITIES,
    "POST /worklist/{item_id}/reject": RESOLVE_IDENTITIES,
    "POST /worklist/merge": RESOLVE_IDENTITIES,
    "POST /worklist/split": RESOLVE_IDENTITIES,
    "POST /worklist/requests/{request_id}/validate": RESOLVE_IDENTITIES,
    "GET /api/worklist": RESOLVE_IDENTITIES,
    "GET /api/worklist/{item_id}": RESOLVE_IDENTITIES,
    "POST /api/worklist/{item_id}/confirm": RESOLVE_IDENTITIES,
    "POST /api/worklist/{item_id}/reject": RESOLVE_IDENTITIES,
    "POST /api/identity/merge": RESOLVE_IDENTITIES,
    "POST /api/identity/split": RESOLVE_IDENTITIES,
    "GET /api/identity/requests": RESOLVE_IDENTITIES,
    "POST /api/identity/requests/{request_id}/validate": RESOLVE_IDENTITIES,
}
# Not the app's routes: FastAPI's own documents and the stylesheet.
UNCHECKED = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/static"})


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str  # "{state}" stands for the person's own state


# Where each role lands after signing in, and the error pages' way back.
HOMES: dict[Role, Link] = {
    **{role: Link("the search", "/search") for role in SCHOOL_STAFF},
    Role.DATA_ADMIN: Link("the worklist", "/worklist"),
    Role.STATE_DATA_MANAGER: Link("your dashboard", "/dashboard/{state}"),
    Role.ADMIN: Link("the admin page", "/admin"),
    Role.FEDERAL: Link("the counts", "/counts"),
    Role.USER_ADMIN: Link("the accounts", "/accounts"),
}
# The header, in this order; each link is shown to exactly the roles its route allows.
NAV = (
    Link("Admin", "/admin"),
    Link("Find a student", "/search"),
    Link("Dashboard", "/dashboard"),
    Link("Move notices", "/notices?state={state}"),
    Link("Requests", "/requests?state={state}"),
    Link("Worklist", "/worklist"),
    Link("Merges and splits", "/worklist/requests"),
    Link("Counts", "/counts"),
    Link("Accounts", "/accounts"),
)


def key(route: BaseRoute | RouteContext) -> str:
    """A route's key in ``ROUTES``: its one method and its path as declared."""
    methods = getattr(route, "methods", None) or {"GET"}
    return f"{sorted(methods)[0]} {getattr(route, 'path', '')}"


def rule_for(route_key: str) -> Rule | None:
    return ROUTES.get(route_key)


def allows(route_key: str, role: str, own: str | None, state: str | None = None) -> bool:
    found = ROUTES.get(route_key)
    return found is not None and found.allows(role, own, state)


def fill(link: Link, own: str | None) -> str | None:
    """The link's address for this person, or None when it needs a state they do not have."""
    if "{state}" in link.href:
        return link.href.replace("{state}", own) if own else None
    return link.href


def home(role: str, own: str | None) -> Link:
    found = next((link for r, link in HOMES.items() if r == role), None)
    href = fill(found, own) if found else None
    return Link(found.label, href) if found and href else Link("the sign-in page", "/login")


def flat(routes: Sequence[BaseRoute]) -> list[RouteContext]:
    """The app's routes with included routers' routes in place (FastAPI includes them lazily)."""
    return list(iter_route_contexts(routes))


def target(routes: Sequence[BaseRoute], url: str) -> tuple[str, str | None] | None:
    """The GET route ``url`` opens (its key) and the state it is about, or None when no page is there."""
    parts = urlsplit(url)
    scope = {"type": "http", "method": "GET", "path": parts.path, "root_path": ""}
    for route in flat(routes):
        if not isinstance(route.original_route, Route):
            continue
        matched, child = route.matches(scope)
        if matched is Match.FULL:
            state = child.get("path_params", {}).get("state") or parse_qs(parts.query).get("state", [None])[0]
            return key(route), state
    return None


def may_open(routes: Sequence[BaseRoute], url: str, role: str, own: str | None) -> bool:
    found = target(routes, url)
    return found is not None and allows(found[0], role, own, found[1])


def nav(routes: Sequence[BaseRoute], role: str, own: str | None) -> list[Link]:
    out = []
    for link in NAV:
        href = fill(link, own)
        if href is not None and may_open(routes, href, role, own):
            out.append(Link(link.label, href))
    return out
