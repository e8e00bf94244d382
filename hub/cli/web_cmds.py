"""``msix serve`` (the web application and HTTP API) and ``msix users add``."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub.api.roles import STATE_BOUND, Role
from hub.cli.common import settings, state_code
from hub.config import Settings
from hub.errors import InfraError, UserInputError
from hub.store import db, people

users_app = typer.Typer(help="Accounts of the web application.", no_args_is_help=True)


def serve(
    host: str = typer.Option("", help="Address to listen on (default: MSIX_WEB_HOST or 127.0.0.1)."),
    port: int = typer.Option(0, help="Port (default: MSIX_WEB_PORT or 8000)."),
    workers: int = typer.Option(1, min=1, help="Server processes."),
) -> None:
    """The web pages and the HTTP API (OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from hub.api.app import create_app
    from hub.api.serve import as_web

    s = as_web(Settings())  # not the operator's credentials (as the other commands use): its own
    web = s.web.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v})
    db.migrate(s.database)
    if workers > 1:
        # Each process builds its own app from the environment (the login throttle is shared: it is
        # in the database).
        uvicorn.run("hub.api.serve:app", host=web.host, port=web.port, workers=workers, factory=True, log_level="info")
        return
    app = create_app(db.engine(db.web_database(s.database, web)), web, s)
    uvicorn.run(app, host=web.host, port=web.port, log_level="info")


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="The user name."),
    role: Role = typer.Option(..., "--role", help="What the account may do."),
    state: str = typer.Option("", "--state", help="The user's state (school, MEP and state roles)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
) -> None:
    """Create an account. The password is read from standard input (one line), never from the command line."""
    from hub.api.security import hash_password

    if not password_stdin:
        raise UserInputError("give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        raise UserInputError("the password must have at least 12 characters")
    code = state_code(state) if state else None
    if role in STATE_BOUND and code is None:
        raise UserInputError(f"a {role.value} belongs to a state: give --state")
    engine = db.engine(settings().database)
    try:
        with engine.begin() as conn:
            added = people.add_user(conn, name, role.value, code, hash_password(password))
    except OperationalError as exc:
        raise InfraError("cannot reach PostgreSQL: is `msix infra up` running?") from exc
    except ProgrammingError as exc:
        raise InfraError("the database has no accounts table: run `msix infra up` or the migrations") from exc
    if not added:
        raise UserInputError(f"user {name!r} exists already")
    sys.stderr.write(f"user {name} added ({role.value}{', ' + code if code else ''})\n")
