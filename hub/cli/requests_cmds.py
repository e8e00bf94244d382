"""Data requests between states: ``msix requests ask|list|follow|answer`` (docs/obligations.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from consumers.follower import REQUESTS
from hub import requests
from hub.cli import following
from hub.cli.common import CREDENTIALS_OPT, print_json, settings, state_code
from hub.cli.read_cmds import operator
from hub.domain import msix_id as msix
from hub.domain.data_requests import ANSWERS, KINDS
from hub.errors import UserInputError
from hub.store import db, identity_admin, people, reads
from producers.topics import Topics

requests_app = typer.Typer(help="Data requests between states: ask, list, follow, answer.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@requests_app.command("ask")
def ask(
    msix_id: str = typer.Argument(..., help="The child's 12-digit MSIX id."),
    from_state: str = typer.Option(..., "--from", callback=state_code, help="The requesting state."),
    to_state: str = typer.Option(..., "--to", callback=state_code, help="The state asked."),
    kind: str = typer.Option(..., "--kind", help=f"One of {', '.join(KINDS)}."),
    text: str = typer.Option("", "--text", help="What exactly is asked (required for kind other)."),
    by: str = typer.Option("", "--by", help="Who asks (default: the operating system's user)."),
) -> None:
    """Ask a state for more of a child's records, for another state; prints the request's JSON."""
    if not msix.is_valid(msix_id):
        raise UserInputError(f"{msix_id!r} is not an MSIX id (12 digits with a valid check digit)")
    s, now, actor = settings(), datetime.now(UTC), operator()
    with db.engine(s.database).begin() as conn:
        record = reads.consolidated(conn, identity_admin.resolve(conn, msix_id))
        if record is None:
            raise UserInputError(f"no child with MSIX id {msix_id}")
        who = requests.requester(by or actor.username, "operator", from_state)
        found = requests.ask(conn, Topics(s.kafka.topic_prefix), record, kind, (from_state, to_state), text, who, now)
        people.audit(conn, actor, "request", record["msix_id"], f"cli {from_state}->{to_state} {kind}", "cli")
    print_json(found)


@requests_app.command("list")
def list_requests(
    state: str = typer.Option("", "--state", help="Only requests made by or of this state."),
    overdue: bool = typer.Option(False, "--overdue", help="Only the overdue ones (escalated)."),
    direction: str = typer.Option("both", "--direction", help="sent (by --state), received (of it) or both."),
    json_out: bool = typer.Option(True, "--json/--no-json", help="Print JSON (the only format for now)."),
) -> None:
    """The hub's record of data requests, newest first, each with its deadline and standing."""
    if direction not in ("sent", "received", "both"):
        raise UserInputError("--direction: sent, received or both")
    code = state_code(state) if state else None
    with db.engine(settings().database).connect() as conn:
        print_json(requests.listed(conn, code, datetime.now(UTC), direction, overdue))


@requests_app.command("answer")
def answer(
    request_id: str = typer.Argument(..., help="The request's id (request_id)."),
    state: str = typer.Option(..., "--state", callback=state_code, help="The asked state, answering."),
    status: str = typer.Option(..., "--status", help=f"One of {', '.join(ANSWERS)}."),
    text: str = typer.Option("", "--text", help="Why, or what was sent (required for declined)."),
    attachment: str = typer.Option("", "--attachment", help="Where the records are: a reference, not the records."),
    by: str = typer.Option("", "--by", help="The person answering (recorded with the principal)."),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """Answer a request made of your state: an event to the hub through Kafka."""
    value = requests.answer(settings(credentials).kafka, state, request_id, status, text, attachment, by or None)
    console.print(f"{state}: request {request_id} answered {status} by {value['answered_by']}")


following.add_command(
    requests_app,
    REQUESTS,
    """The asked state's data requests: JSON lines, or a webhook; restart-safe, each request once.
    Only DataRequests: the correction requests on the same topic are read by `msix corrections follow`.""",
)
