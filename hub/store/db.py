"""Connections to the consolidated record store, and bringing its schema up to date."""

from __future__ import annotations

from importlib import resources

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from sqlalchemy import Engine, create_engine

from hub.config import DatabaseSettings, WebSettings
from hub.errors import InfraError


def engine(settings: DatabaseSettings) -> Engine:
    # pool_pre_ping: a long-running reader (serve, follow) survives a database restart.
    return create_engine(settings.url, pool_pre_ping=True)


# JSONB columns are read with orjson: several times faster than the standard library's parser.
set_json_loads(orjson.loads)


WEB_ROLE = "msix_web"


def web_database(database: DatabaseSettings, web: WebSettings) -> DatabaseSettings:
    """Where ``msix serve`` connects: MSIX_WEB_DATABASE_URL, else the hub's database as ``msix_web``."""
    return DatabaseSettings(url=web.database_url) if web.database_url else database.as_user(WEB_ROLE)


def connect(settings: DatabaseSettings) -> psycopg.Connection:
    """A plain psycopg connection for the worker's hot path, which needs COPY and pipelining."""
    try:
        return psycopg.connect(settings.libpq_url, autocommit=False)
    except psycopg.OperationalError as exc:
        raise InfraError(f"cannot reach PostgreSQL at port {settings.port}: is `msix infra up` running?") from exc


def migrate(settings: DatabaseSettings, revision: str = "head") -> None:
    """Apply every Alembic migration not yet applied, up to ``revision`` (idempotent)."""
    from alembic import command  # imported here: half a second that only `infra up` needs
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("hub.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", settings.url)
    try:
        command.upgrade(cfg, revision)
    except Exception as exc:
        raise InfraError(f"database migration failed: {exc}") from exc
