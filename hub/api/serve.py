"""The app as uvicorn's factory, for ``msix serve --workers N`` (each process reads the settings),
and the Kafka identity every ``msix serve`` runs with."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.app import create_app
from hub.config import Settings
from hub.errors import InfraError
from hub.store import db


def as_web(s: Settings) -> Settings:
    """Kafka as the web app's own principal, ``msix-web``: only what its pages need (notice acks,
    the dashboards' rejections and lags; see ``producers.acls.web_bindings``), never the operator's
    super user. Credentials named explicitly (MSIX_KAFKA_CREDENTIALS) are used as they are."""
    web = s.as_web()
    if web.kafka.credentials is None and s.home.operator_credentials.exists():
        # The broker runs with security, and `msix infra up` has not made the web app's principal yet
        # (a stack set up by an older version): refuse rather than fall back to the super user.
        raise InfraError("the web app has no Kafka credentials of its own: run `msix infra up` to make them")
    return web


def app() -> FastAPI:
    s = Settings()
    return create_app(db.engine(db.web_database(s.database, s.web)), s.web, as_web(s))
