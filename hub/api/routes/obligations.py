"""The routers of what states owe (docs/obligations.md): child counts, accounts, parents' corrections.
Included before ``coming`` (the placeholders at /counts and /accounts), so these pages answer."""

from __future__ import annotations

from hub.api.routes import accounts, counts
from hub.api.routes import corrections as corrections

ROUTERS = (
    counts.api_router,
    counts.pages_router,
    accounts.api_router,
    accounts.pages_router,
    corrections.api_router,
    corrections.pages_router,
)
