"""The app as uvicorn's factory, for ``msix serve --workers N`` (each process reads the settings)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.api.app import create_app
from hub.config import Settings
from hub.store import db


def app() -> FastAPI:
    s = Settings()
    # Kafka as the operator, like the `msix` commands: the dashboards read every state's topics and
    # groups, and an acknowledgement is written to the destination state's acks topic.
    return create_app(db.engine(db.web_database(s.database, s.web)), s.web, s.as_operator())
