"""Reading the hub: ``msix student find|show``, ``msix export``, ``msix notices follow``,
``msix rejected``."""

from __future__ import annotations

import getpass
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from sqlalchemy import Connection

from consumers import notice_follower
from consumers.topic_reader import read_topic
from hub import notices
from hub.cli.common import CREDENTIALS_OPT, print_json, settings, state_code
from hub.domain import msix_id as msix
from hub.domain.records import json_fields
from hub.errors import UserInputError
from hub.store import db, identity_admin, people, reads, receipts
from hub.store.people import User
from producers.topics import Topics

student_app = typer.Typer(help="One child's consolidated record.", no_args_is_help=True)
notices_app = typer.Typer(help="Move notices for a destination state.", no_args_is_help=True)

console = Console(stderr=True, soft_wrap=True)


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
    """Every consolidated record, one JSON object a line; each child exported is written to the
    audit log (actor: the operating system's user), before its record is printed."""
    code = state_code(state) if state else None
    engine = db.engine(settings().database)
    actor, detail = operator(), f"state={code or 'all'}"

    def audit(conn: Connection, ids: Sequence[str]) -> None:
        people.audit_each(conn, actor, "export", ids, detail, "cli")

    for record in reads.export(engine, code, before=audit):
        print_json(record, lines=True)


@notices_app.command("follow")
def follow(
    state: str = typer.Option(..., "--state", callback=state_code),
    from_beginning: bool = typer.Option(
        False, "--from-beginning", help="Replay every notice kept (a view: the delivered-ids file is not used)."
    ),
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit once every notice so far is delivered."),
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl"),
    output: Path | None = typer.Option(None, "--output", "-o", dir_okay=False, help="Append JSON lines to this file."),
    webhook: str = typer.Option("", "--webhook", help="POST each notice as JSON to this https URL, signed."),
    secret_file: Path | None = typer.Option(
        None,
        "--webhook-secret-file",
        dir_okay=False,
        help="The state's webhook secret (one line, 32+ characters): the key of X-MSIX-Signature.",
    ),
    allow_http: bool = typer.Option(False, "--allow-http", help="Allow a plain http:// webhook (a test endpoint)."),
    dead_letter: Path | None = typer.Option(
        None, "--dead-letter", dir_okay=False, help="Notices the webhook refused for good (default under MSIX_HOME)."
    ),
    retries: int = typer.Option(5, "--retries", min=0, max=100, help="Webhook retries per notice."),
    backoff: float = typer.Option(1.0, "--backoff", min=0.0, help="Seconds before the first retry; doubles."),
    delivered_file: Path | None = typer.Option(
        None,
        "--delivered",
        dir_okay=False,
        help="Ids already delivered, kept across restarts (default under MSIX_HOME).",
    ),
    send_receipts: bool = typer.Option(False, "--receipts", help="Tell the hub each notice was received."),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """A destination state's move notices: JSON lines, or a webhook; restart-safe, each notice once."""
    s = settings(credentials)
    if output is not None and webhook:
        raise UserInputError("--output and --webhook: choose one")
    if secret_file is not None and not webhook:
        raise UserInputError("--webhook-secret-file is for --webhook")
    folder = s.home.home.resolve() / "follow"
    name = f"{s.kafka.topic_prefix}{state}"
    if webhook:
        if secret_file is None:
            raise UserInputError("--webhook needs --webhook-secret-file: the receiver checks each notice's signature")
        secret = notice_follower.read_secret(secret_file)
        sink: notice_follower.Sink = notice_follower.WebhookSink(
            webhook, dead_letter or folder / f"{name}.dead-letter.jsonl", secret, allow_http, retries, backoff
        )
    else:
        out = notice_follower.private_append(output) if output is not None else sys.stdout
        sink = notice_follower.LinesSink(out)
    if from_beginning:  # a replay: everything again, de-duplicated within this run only
        tmp = Path(tempfile.mkdtemp(prefix="msix-follow-"))
        delivered = notice_follower.Delivered(tmp / "delivered")
    else:
        delivered = notice_follower.Delivered(delivered_file or folder / f"{name}.delivered")
    # SIGTERM ends the subscription like Ctrl-C: the consumer leaves its group at once, so a
    # restarted follower gets the partition without waiting for the session to time out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        totals = notice_follower.follow(s.kafka, state, sink, delivered, from_beginning, until_idle, send_receipts)
    finally:
        delivered.close()
        if from_beginning:
            shutil.rmtree(delivered.path.parent, ignore_errors=True)
    if webhook or output is not None:
        console.print(
            f"{state}: {totals.delivered} notice(s) delivered, {totals.skipped} already delivered before, "
            f"{totals.dead_lettered} dead-lettered"
        )


@notices_app.command("ack")
def ack(
    notice_id: str = typer.Argument(..., help="The notice's id (notice_id)."),
    state: str = typer.Option(..., "--state", callback=state_code, help="The destination state acknowledging."),
    by: str = typer.Option("", "--by", help="The person or system acknowledging (recorded with the principal)."),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """Acknowledge a move notice: an event to the hub through Kafka."""
    value = notices.acknowledge(settings(credentials).kafka, state, notice_id, by or None)
    console.print(f"{state}: notice {notice_id} acknowledged by {value['by']}")


@notices_app.command("status")
def status(
    state: str = typer.Option(..., "--state", callback=state_code),
    overdue_after: float | None = typer.Option(
        None, "--overdue-after", min=0.0, help="Hours without acknowledgement (default MSIX_NOTICE_ACK_DUE_HOURS)."
    ),
    only_overdue: bool = typer.Option(False, "--overdue", help="Only the overdue notices."),
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl"),
) -> None:
    """The hub's record of a state's notices: who received and acknowledged each, and when."""
    s = settings()
    hours = overdue_after if overdue_after is not None else s.notices.ack_due_hours
    with db.engine(s.database).connect() as conn:
        rows = receipts.notice_status(conn, state, timedelta(hours=hours), datetime.now(UTC), only_overdue)
    for row in rows:
        print_json(row.as_json(), lines=True)


def rejected(
    state: str = typer.Option(..., "--state", callback=state_code),
    until_idle: bool = typer.Option(False, "--until-idle", help="Exit once every rejection so far is printed."),
    jsonl: bool = typer.Option(True, "--jsonl/--no-jsonl"),
    credentials: Path | None = CREDENTIALS_OPT,
) -> None:
    """What the hub rejected from a state, with the reason, oldest first."""
    _print_topic(Topics.rejected, state, "rejected", "rejection_id", True, until_idle, credentials)


def _print_topic(
    topic_of: Callable[[Topics, str], str],
    state: str,
    reader: str,
    id_field: str,
    from_beginning: bool,
    until_idle: bool,
    credentials: Path | None,
) -> None:
    """Print a state's topic as JSON lines, de-duplicated by ``id_field``, as a group of its own
    (under the state's group prefix, so the state's own principal may use it)."""
    s = settings(credentials)
    topics = Topics(s.kafka.topic_prefix)
    topic = topic_of(topics, state)
    group = topics.state_group_prefix(state) + reader
    for value in read_topic(s.kafka, topic, group, id_field, from_beginning, until_idle):
        print_json(json_fields(value), lines=True)
