"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from hub.api.deps import app_state

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the server answers and reaches PostgreSQL")
def healthz(request: Request) -> dict[str, str]:
    with app_state(request).engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    """The request metrics and the state gauges (``hub.metrics``) in one exposition: their names
    differ, so the two texts concatenate. The state gauges are cached (hub.api.dashboard says why)."""
    app = request.app.state
    body = generate_latest(app.metrics.registry) + app.dashboards.state_metrics(app.hub.engine)
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)
