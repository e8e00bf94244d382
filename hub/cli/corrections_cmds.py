"""``msix corrections ...``: parents' correction requests from the command line. ``record``, ``list``,
``ack``, ``decide`` and ``letter``: the operator, acting for a liaison or a state's data manager
(named with --by), on the database. ``follow`` and ``answer``: the owning state, with its own
credentials, through Kafka (docs/obligations.md, "Corrections through Kafka")."""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Connection

from consumers.follower import CORRECTIONS
from hub import corrections as service
from hub.cli import following
from hub.cli.common import CREDENTIALS_OPT, print_json, settings, state_code
from hub.domain.correction_messages import ACTIONS
from hub.errors import UserInputError
from hub.store import corrections, db, reads
from producers.topics import Topics

corrections_app = typer.Typer(help="Parents' correction and removal requests.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


def _tx() -> AbstractContextManager[Connection]:
    return db.engine(settings().database).begin()


@corrections_app.command("record")
def record(
    msix_id: str = typer.Argument(...),
    items: str = typer.Option(..., "--items", help='JSON list, e.g. [{"section": "student", "field": "birth_date"}]'),
    parent: str = typer.Option(..., "--parent", help="The parent's name."),
    identified_by: str = typer.Option(..., "--identified-by", help="How the parent was identified."),
    statement: str = typer.Option(..., "--statement", help="What the parent says."),
    by: str = typer.Option(..., "--by", help="The liaison recording it."),
    state: str = typer.Option(..., "--state", help="The liaison's state."),
    lang: str = typer.Option("en", "--lang"),
) -> None:
    """Record a parent's request; prints it with one part per owning state."""
    try:
        wanted = json.loads(items)
    except json.JSONDecodeError:
        raise UserInputError("--items is not JSON") from None
    if not isinstance(wanted, list) or not all(isinstance(i, dict) for i in wanted):
        raise UserInputError("--items is a JSON list of objects")
    s = settings()
    with db.engine(s.database).begin() as conn:
        found = reads.consolidated(conn, msix_id)
        if found is None:
            raise UserInputError(f"no child {msix_id}")
        text = {"parent_name": parent, "identified_by": identified_by, "statement": statement, "lang": lang}
        topics, who = Topics(s.kafka.topic_prefix), (by, state_code(state))
        print_json(corrections.record(conn, datetime.now(UTC), found, wanted, text, who, topics))


@corrections_app.command("list")
def listed(state: str = typer.Option(..., "--state"), open_only: bool = typer.Option(False, "--open")) -> None:
    with _tx() as conn:
        print_json(corrections.listed(conn, state_code(state), datetime.now(UTC), open_only))


@corrections_app.command("ack")
def ack(correction_id: str, state: str = typer.Option(..., "--state"), by: str = typer.Option(..., "--by")) -> None:
    with _tx() as conn:
        print_json(corrections.acknowledge(conn, datetime.now(UTC), correction_id, state_code(state), by))


@corrections_app.command("decide")
def decide(
    correction_id: str,
    state: str = typer.Option(..., "--state"),
    outcome: str = typer.Option(..., "--outcome", help="corrected, removed or kept"),
    reason: str = typer.Option("", "--reason"),
    by: str = typer.Option(..., "--by"),
) -> None:
    with _tx() as conn:
        now = datetime.now(UTC)
        print_json(corrections.decide(conn, now, correction_id, state_code(state), by, outcome, reason or None))


following.add_command(
    corrections_app,
    CORRECTIONS,
    """The owning state's parts of parents' correction requests (CorrectionRequests on
    datarequest.ST): JSON lines, or a webhook; restart-safe, each once.""",
)


@corrections_app.command("answer")
def answer(
    correction_id: str = typer.Argument(..., help="The request's id (correction_id)."),
    state: str = typer.Option(..., "--state", callback=state_code, help="The owning state, answering."),
    action: str = typer.Option(..., "--action", help=f"One of {', '.join(ACTIONS)}."),
    reason: str = typer.Option("", "--reason", help="Why (required for kept: it goes into the parent's letter)."),
    by: str = typer.Option("", "--by", help="The person answering (recorded with the principal)."),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """Acknowledge or decide your state's part: an event to the hub through Kafka."""
    value = service.answer(settings(credentials).kafka, state, correction_id, action, reason or None, by or None)
    console.print(f"{state}: correction {correction_id} {action} by {value['answered_by']}")


@corrections_app.command("letter")
def letter_cmd(
    correction_id: str, output: Path = typer.Option(..., "--output", "-o"), lang: str = typer.Option("", "--lang")
) -> None:
    """Write the parent's letter (PDF) in their language, or --lang en|es."""
    from hub.report import letter  # ReportLab only for this command

    with _tx() as conn:
        found = corrections.get(conn, correction_id, datetime.now(UTC))
        record = reads.consolidated(conn, found["msix_id"]) or {}
    s = record.get("student", {})
    name = " ".join(p for p in (s.get("first_name"), s.get("last_name_1")) if p) or found["msix_id"]
    if (lang or found["lang"]) not in ("en", "es"):
        raise UserInputError("--lang is en or es")
    output.write_bytes(letter.render(found, name, lang or found["lang"], date.today()))
    sys.stderr.write(f"letter written to {output}\n")
