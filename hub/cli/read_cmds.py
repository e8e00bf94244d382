"""Reading the hub: ``msix student find|show``, ``msix export``, ``msix notices follow``,
``msix rejected``."""

from __future__ import annotations

import getpass
from collections.abc import Callable

import typer

from consumers.topic_reader import read_topic
from hub.cli.common import print_json, settings, state_code
from hub.domain import msix_id as msix
from hub.domain.records import json_fields
from hub.errors import UserInputError
from hub.store import db, identity_admin, people, reads
from hub.store.people import User
from producers.topics import Topics

student_app = typer.Typer(help="One child's consolidated record.", no_args_is_help=True)
notices_app = typer.Typer(help="Move notices for a destination state.", no_args_is_help=True)


def operator() -> User:
    """Who runs the command line, for the audit log: the operating system's user, as an operator."""
    return User(getpass.getuser(), "operator", None)


JSON_OPT = typer.Option(True, "--json/--no-json", help="Print JSON (the only format for now).")


@student_app.command("find")
def find(
    state: str = typer.Option(..., "--state", callback=state_code),
    state_id: str = typer.Option(..., "--state-id", help="The state's student id."),
    json_out: bool = JSON_OPT,
) -> None:
    """The consolidated record of a state's student."""
    engine = db.engine(settings().database)
    with engine.begin() as conn:
        found = reads.find_msix_id(conn, state, state_id)
        record = reads.consolidated(conn, found) if found else None
        if record is not None:
            people.audit(conn, operator(), "view", record["msix_id"], "cli", "cli")
    if record is None:
        raise UserInputError(f"no student {state_id!r} from {state}")
    print_json(record)


@student_app.command("show")
def show(msix_id: str = typer.Argument(..., help="The 12-digit MSIX id."), json_out: bool = JSON_OPT) -> None:
    """One consolidated record by MSIX id."""
    if not msix.is_valid(msix_id):
        raise UserInputError(f"{msix_id!r} is not an MSIX id (12 digits with a valid check digit)")
    engine = db.engine(settings().database)
    with engine.begin() as conn:
        # A merged-away id is an alias: it still finds the child.
        resolved = identity_admin.resolve(conn, msix_id)
        record = reads.consolidated(conn, resolved)
        if record is not None:
            people.audit(conn, operator(), "view", resolved, "cli", "cli")
    if record is None:
        raise UserInputError(f"no child with MSIX id {msix_id}")
    print_json(record)


def export(
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl", help="One JSON object a line."),
    state: str = typer.Option("", "--state", help="Only children with records from this state."),
) -> None:
    """Every consolidated record, one JSON object a line."""
    code = state_code(state) if state else None
    engine = db.engine(settings().database)
    with engine.begin() as conn:  # one audit row for the export, written before any record leaves
        people.audit(conn, operator(), "export", None, f"state={code or 'all'}", "cli")
    for record in reads.export(engine, code):
        print_json(record, lines=True)


@notices_app.command("follow")
def follow(
    state: str = typer.Option(..., "--state", callback=state_code),
    from_beginning: bool = typer.Option(False, "--from-beginning", help="Start at the oldest notice kept."),
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit once every notice so far is printed."),
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl"),
) -> None:
    """A destination state's move notices, one JSON object a line."""
    _print_topic(Topics.move_notices, state, "follow", "notice_id", from_beginning, until_idle)


def rejected(
    state: str = typer.Option(..., "--state", callback=state_code),
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit once every rejection so far is printed."),
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl"),
) -> None:
    """What the hub rejected from a state, with the reason, oldest first."""
    _print_topic(Topics.rejected, state, "rejected", "rejection_id", True, until_idle)


def _print_topic(
    topic_of: Callable[[Topics, str], str],
    state: str,
    reader: str,
    id_field: str,
    from_beginning: bool,
    until_idle: bool,
) -> None:
    """Print a state's topic as JSON lines, de-duplicated by ``id_field``, as a group of its own."""
    s = settings()
    topic = topic_of(Topics(s.kafka.topic_prefix), state)
    group = f"{s.kafka.topic_prefix}msix-{reader}-{state}"
    for value in read_topic(s.kafka, topic, group, id_field, from_beginning, until_idle):
        print_json(json_fields(value), lines=True)
