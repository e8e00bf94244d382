"""``msix outbox``: the outbox rows Kafka refused for good, parked by the relay with their reasons."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.common import print_json, settings
from hub.errors import UserInputError
from hub.store import db, parked_outbox

outbox_app = typer.Typer(help="Messages the hub could not send: what was parked, and why.", no_args_is_help=True)

console = Console(stderr=True, soft_wrap=True)


@outbox_app.command("parked")
def parked(
    json_out: bool = typer.Option(False, "--json", help="Print one JSON array."),
    limit: int = typer.Option(1000, min=1, help="At most this many rows, oldest first."),
) -> None:
    """Rows the relay parked: id, topic, key, size, when, and Kafka's reason (never the message)."""
    with db.engine(settings().database).connect() as conn:
        rows = parked_outbox.parked(conn, limit)
    if json_out:
        print_json([row.as_json() for row in rows])
        return
    table = Table("id", "topic", "key", "bytes", "parked", "error", "reason")
    for r in rows:
        table.add_row(
            str(r.id), r.topic, r.key, str(r.bytes), r.parked_at.strftime("%Y-%m-%d %H:%M"), r.error_code, r.reason
        )
    Console().print(table)
    console.print(f"{len(rows)} parked row(s)")


@outbox_app.command("requeue")
def requeue(
    ids: list[int] = typer.Argument(None, help="Parked row ids (see `msix outbox parked`)."),
    all_rows: bool = typer.Option(False, "--all", help="Every parked row."),
) -> None:
    """Put parked rows back in the outbox, for the relay to send again (after making the topic or ACL)."""
    if bool(ids) == all_rows:
        raise UserInputError("name parked row ids, or --all")
    with db.engine(settings().database).begin() as conn:
        moved = parked_outbox.requeue(conn, None if all_rows else ids)
    console.print(f"{moved} row(s) back in the outbox")
