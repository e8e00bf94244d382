"""``msix serve`` (the web application and HTTP API) and ``msix users ...`` (accounts and their governance)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import typer
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError, ProgrammingError

from hub.api.roles import STATE_BOUND, Role
from hub.cli.common import print_json, settings, state_code
from hub.config import Settings
from hub.domain.accounts import AccountSettings
from hub.errors import InfraError, UserInputError
from hub.store import account_report, accounts, db, people

T = TypeVar("T")

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


def _password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        raise UserInputError("the password must have at least 12 characters")
    return password


def _accounts(action: Callable[[Connection, datetime], T]) -> T:
    """Run ``action`` in one transaction at the clock's time (MSIX_NOW is for tests: the clock injected)."""
    engine = db.engine(settings().database)
    try:
        with engine.begin() as conn:
            return action(conn, _now())
    except OperationalError as exc:
        raise InfraError("cannot reach PostgreSQL: is `msix infra up` running?") from exc


def _now() -> datetime:
    given = os.environ.get("MSIX_NOW", "")
    try:
        return datetime.fromisoformat(given) if given else datetime.now(UTC)
    except ValueError:
        raise UserInputError(f"MSIX_NOW={given!r} is not an ISO-8601 time") from None


BY = typer.Option(..., "--by", help="The account of the person doing this (a user admin of the state, or admin).")


@users_app.command("request")
def request(
    name: str = typer.Argument(..., help="The user name asked for."),
    full_name: str = typer.Option(..., "--full-name", help="The requester's name."),
    role: str = typer.Option(..., "--role"),
    state: str = typer.Option("", "--state"),
    agency: str = typer.Option(..., "--agency", help="The requester's school or agency."),
    verifier: str = typer.Option(..., "--verifier", help="The account of the person who will vouch for them."),
    password_stdin: bool = typer.Option(False, "--password-stdin"),
) -> None:
    """Request an account (as the form does); prints the request's id."""
    from hub.api.security import hash_password

    if not password_stdin:
        raise UserInputError("give the password on standard input with --password-stdin")
    hashed, code = hash_password(_password()), state_code(state) if state else None
    found = _accounts(lambda c, now: accounts.request(c, now, name, full_name, role, code, agency, verifier, hashed))
    sys.stdout.write(found + "\n")


@users_app.command("verify")
def verify(request_id: str = typer.Argument(...), by: str = BY) -> None:
    """The verifying authority named in the request confirms the requester (the second person)."""
    _accounts(lambda c, now: accounts.verify(c, now, request_id, by))


@users_app.command("approve")
def approve(request_id: str = typer.Argument(...), by: str = BY) -> None:
    """A user admin of the state (not the verifier) approves: the account exists from now."""
    name = _accounts(lambda c, now: accounts.approve(c, now, request_id, by))
    sys.stderr.write(f"user {name} approved\n")


@users_app.command("refuse")
def refuse(request_id: str = typer.Argument(...), by: str = BY, reason: str = typer.Option(..., "--reason")) -> None:
    _accounts(lambda c, now: accounts.refuse(c, now, request_id, by, reason))


def _status(status: str) -> Callable[..., None]:
    def command(name: str = typer.Argument(...), by: str = BY, reason: str = typer.Option("", "--reason")) -> None:
        _accounts(lambda c, now: accounts.set_status(c, now, name, status, by, reason))

    return command


users_app.command("disable", help="Disable an account for now (reversible); its sessions end.")(_status("disabled"))
users_app.command("enable", help="Enable a disabled account again.")(_status("active"))
users_app.command("deactivate", help="Deactivate an account for good; its record is kept.")(_status("deactivated"))


@users_app.command("certify")
def certify(name: str = typer.Argument(...), by: str = BY) -> None:
    """This year's re-certification of an account."""
    _accounts(lambda c, now: accounts.certify(c, now, name, by))


@users_app.command("sweep")
def sweep() -> None:
    """Disable accounts unused too long or past re-certification (MSIX_ACCOUNT_*); prints them."""
    rules = AccountSettings()
    for name, reason in _accounts(lambda c, now: accounts.sweep(c, now, rules)):
        sys.stdout.write(f"{name}\tdisabled: {reason}\n")


@users_app.command("purge")
def purge() -> None:
    """Delete deactivated accounts' records once their retention has passed; prints them."""
    rules = AccountSettings()
    for name in _accounts(lambda c, now: accounts.purge(c, now, rules)):
        sys.stdout.write(f"{name}\tpurged\n")


@users_app.command("report")
def report(state: str = typer.Option("", "--state"), json: bool = typer.Option(False, "--json")) -> None:
    """The Accounts report (every account of a state, or all): status, last use, certification due."""
    code, rules = state_code(state) if state else None, AccountSettings()
    rows = _accounts(lambda c, now: account_report.report(c, code, now, rules))
    if json:
        print_json(rows)
        return
    for r in rows:
        due = "overdue" if r["certification_overdue"] else (r["certification_due"] or "")[:10]
        sys.stdout.write(f"{r['username']}\t{r['role']}\t{r['state'] or '-'}\t{r['status']}\tcertify by {due}\n")


@users_app.command("requests")
def pending(state: str = typer.Option("", "--state")) -> None:
    """Account requests waiting for their verifier or an approver, as JSON."""
    code = state_code(state) if state else None
    print_json(_accounts(lambda c, now: account_report.requests(c, code)))
