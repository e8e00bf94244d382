"""Request counts and latencies for Prometheus, in a registry of the app's own (tests build many apps
in one process; the global registry would refuse the second)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "msix_http_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self.seconds = Histogram(
            "msix_http_request_seconds",
            "Time to answer an HTTP request",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

    async def middleware(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # The route's template (/api/students/{msix_id}), never the path: ids must not become labels.
        route = getattr(request.scope.get("route"), "path", "unmatched")
        self.requests.labels(route, request.method, str(response.status_code)).inc()
        self.seconds.labels(route).observe(time.perf_counter() - started)
        return response
