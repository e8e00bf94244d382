"""``msix states add|credentials|remove``: a state's Kafka principal and ACLs (operator only)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from hub.cli.common import settings, state_code
from producers import state_access
from producers.client_config import render_client_file, write_private
from producers.client_forms import ClientKind, form
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
    client: ClientKind = typer.Option(
        ClientKind.librdkafka,
        "--client",
        help="librdkafka (kcat, confluent-kafka), java (console tools, a Java service) or connect (a Connect worker).",
    ),
) -> None:
    """Issue state ST a new password and print its client configuration (key=value lines).

    The password is shown this once and kept nowhere by the hub; issuing again replaces it."""
    s = settings()
    config = form(state_access.issue_credentials(s.kafka, state), client)
    text = render_client_file(config, f"state {state}'s Kafka client configuration ({client}); keep it secret")
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_private(output, text)
        console.print(f"{state}: client configuration written to {output}")


@states_app.command("certificate")
def certificate(
    state: str = typer.Argument(..., callback=state_code, help="USPS code."),
    output: Path = typer.Option(..., "--output", "-o", file_okay=False, help="The folder to write (made if missing)."),
    renew: bool = typer.Option(False, "--renew", help="Replace the certificate the folder holds."),
) -> None:
    """Sign a client certificate for state ST (mutual TLS, `msix infra up --tls`), valid 90 days.

    The folder gets key.pem, certificate.pem and ca.pem (librdkafka, kcat), keystore.p12 (Java), and
    librdkafka.properties and java.properties; secrets 0600. Never the CA's key."""
    issued = state_access.issue_certificate(settings(), state, output, renew)
    console.print(
        f"{state}: certificate for {issued.subject} valid until {issued.not_after:%Y-%m-%d %H:%M} UTC,"
        f" written to {issued.folder}"
    )


@states_app.command("remove")
def remove(state: str = typer.Argument(..., callback=state_code, help="USPS code.")) -> None:
    """Revoke state ST: its password replaced by one nobody is given, every ACL of its principal deleted."""
    removed = state_access.remove(settings().kafka, state)
    console.print(
        f"{state}: credential {'revoked' if removed.credential else 'did not exist'}, {removed.acls} ACL(s) removed"
    )
