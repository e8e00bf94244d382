"""``msix states add|credentials|remove``: a state's Kafka principal and ACLs (operator only)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from hub.cli.common import settings, state_code
from producers import state_access
from producers.client_config import render_client_file, write_private
from producers.topics import Topics

states_app = typer.Typer(help="States' Kafka principals and ACLs.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@states_app.command("add")
def add(state: str = typer.Argument(..., callback=state_code, help="USPS code.")) -> None:
    """Create state ST's SCRAM user and its ACLs (idempotent: an existing password is kept)."""
    s = settings()
    created = state_access.add(s.kafka, state)
    user = state_access.principal_name(Topics(s.kafka.topic_prefix), state)
    verb = "created" if created else "already existed; ACLs checked"
    console.print(f"{state}: principal User:{user} {verb}; `msix states credentials {state}` issues its password")


@states_app.command("credentials")
def credentials(
    state: str = typer.Argument(..., callback=state_code, help="USPS code."),
    output: Path | None = typer.Option(
        None, "--output", "-o", dir_okay=False, help="Write the file here (0600) instead of printing it."
    ),
) -> None:
    """Issue state ST a new password and print its client configuration (key=value lines).

    The password is shown this once and kept nowhere by the hub; issuing again replaces it."""
    s = settings()
    config = state_access.issue_credentials(s.kafka, state)
    text = render_client_file(config, f"state {state}'s Kafka client configuration; keep it secret")
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_private(output, text)
        console.print(f"{state}: client configuration written to {output}")


@states_app.command("remove")
def remove(state: str = typer.Argument(..., callback=state_code, help="USPS code.")) -> None:
    """Revoke state ST: its password replaced by one nobody is given, every ACL of its principal deleted."""
    removed = state_access.remove(settings().kafka, state)
    console.print(
        f"{state}: credential {'revoked' if removed.credential else 'did not exist'}, {removed.acls} ACL(s) removed"
    )
