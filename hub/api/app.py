"""The web application and HTTP API (``msix serve``), built by ``create_app``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.dashboard import Dashboards
from hub.api.deps import AppState, NotSignedIn
from hub.api.metrics import Metrics
from hub.api.routes import admin, api, dashboard, obligations, ops, pages, worklist_api, worklist_pages
from hub.api.routes import requests as data_requests
from hub.config import IdentitySettings, KafkaSettings, Settings, WebSettings
from hub.store.throttle import LoginThrottle
from producers.topics import Topics

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Not now", 422: "Not understood",
          429: "Too many tries"}  # fmt: skip


def create_app(engine: Engine, web: WebSettings, settings: Settings | None = None) -> FastAPI:
    """``settings`` gives the dashboards, /metrics and notice acks their Kafka (None: without them),
    and the worklist its topic prefix and escalation time (None: read from the environment, as
    ``Settings()`` would)."""
    kafka = settings.kafka if settings is not None else KafkaSettings()
    identity = settings.identity if settings is not None else IdentitySettings()
    app = FastAPI(
        title="MSIX hub",
        version="0.1.0",
        summary="Migrant students' consolidated records: search, records, credits, reports, move notices.",
    )
    here = resources.files("hub.api")
    templates = Jinja2Templates(directory=str(here / "templates"))
    throttle = LoginThrottle(web.login_attempts, web.login_window_s)
    escalate_after = timedelta(hours=identity.escalate_after_hours)
    app.state.hub = AppState(engine, web, throttle, templates, Topics(kafka.topic_prefix), escalate_after)
    app.state.metrics = Metrics()
    app.state.dashboards = Dashboards(settings)
    app.middleware("http")(app.state.metrics.middleware)
    app.mount("/static", StaticFiles(directory=str(here / "static")), name="static")
    app.include_router(api.router)
    app.include_router(ops.router)
    app.include_router(worklist_api.router)
    app.include_router(data_requests.router)
    app.include_router(pages.router)
    app.include_router(worklist_pages.router)
    app.include_router(dashboard.api_router)
    app.include_router(dashboard.pages_router)
    app.include_router(admin.router)
    for router in obligations.ROUTERS:  # counts, accounts, corrections
        app.include_router(router)
    app.add_exception_handler(NotSignedIn, _to_login)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    return app


async def _to_login(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)


def _quote(value: str) -> str:
    return quote(value, safe="/")


async def _invalid(request: Request, exc: Exception) -> Response:
    """JSON for the API (FastAPI's own handler), a page for people."""
    assert isinstance(exc, RequestValidationError)
    if _is_api(request):
        return await request_validation_exception_handler(request, exc)
    detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
    return await _page(request, 422, detail, None)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/metrics", "/openapi.json")


async def _page(request: Request, status: int, detail: str, headers: Mapping[str, str] | None) -> Response:
    # In a thread: the page looks up the person's session (their header and home) in the database.
    return await run_in_threadpool(pages.error_page, request, status, TITLES.get(status, "Error"), detail, headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """JSON for the API (FastAPI's own handler), a page for people."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/metrics"):
        return await http_exception_handler(request, exc)
    return await _page(request, exc.status_code, str(exc.detail), exc.headers)
