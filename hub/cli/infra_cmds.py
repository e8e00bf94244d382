"""``msix infra up|down|status`` and ``msix topics apply``."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

import infra.local
from hub.cli.common import settings, state_code
from hub.errors import UserInputError
from hub.store import db
from infra.local import kafka
from infra.local.cluster import client_bootstrap, under_replicated
from infra.local.kafka_security import Mode
from producers.admin import apply_topics
from producers.client_config import read_client_file
from producers.topics import USPS_CODES, Topics

infra_app = typer.Typer(help="Local Kafka (KRaft) and PostgreSQL under $MSIX_HOME.", no_args_is_help=True)
topics_app = typer.Typer(help="The hub's Kafka topics.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@infra_app.command("up")
def up(
    security: bool | None = typer.Option(
        None,
        "--security/--no-security",
        help="SASL/SCRAM logins and ACLs (a new broker: on; a running one keeps its mode).",
    ),
    tls: bool = typer.Option(False, "--tls", help="SASL over TLS, with a CA made under $MSIX_HOME/tls."),
    brokers: int | None = typer.Option(
        None,
        "--brokers",
        help="Kafka nodes: 1, or 3 for a local cluster on consecutive ports (a new one: 1; else as formatted).",
    ),
) -> None:
    """Start Kafka and PostgreSQL (if not running) and bring the database schema up to date."""
    s = settings()
    mode = security_mode(security, tls)
    started = time.perf_counter()
    with console.status("starting Kafka and PostgreSQL..."):
        infra.local.up(s, mode, brokers)
        db.migrate(s.database)
    s = settings()  # the operator's credentials exist now
    if s.kafka.credentials is None:
        secured = "security off (PLAINTEXT, no ACLs)"
    else:
        protocol = read_client_file(s.kafka.credentials).get("security.protocol", "")
        secured = f"{protocol} SCRAM-SHA-512 with ACLs; operator credentials in {s.kafka.credentials}"
    console.print(
        f"[green]up[/] in {time.perf_counter() - started:.1f} s: Kafka {client_bootstrap(s)} ({secured}), "
        f"PostgreSQL port {s.database.port}"
    )


def security_mode(security: bool | None, tls: bool) -> Mode | None:
    if tls:
        if security is False:
            raise UserInputError("--tls and --no-security contradict each other")
        return Mode.tls
    if security is None:
        return None
    return Mode.sasl if security else Mode.none


@infra_app.command("down")
def down(
    wipe: bool = typer.Option(False, "--wipe", help="Also delete their data: topics, databases, credentials."),
) -> None:
    """Stop Kafka and PostgreSQL."""
    s = settings()
    infra.local.down(s)
    if wipe:
        infra.local.wipe_if_stopped(s)
        console.print(f"stopped; the data of {s.home.home.resolve()} deleted")
        return
    console.print("stopped")


@infra_app.command("status")
def status() -> None:
    """Show whether each local service runs."""
    # Paths are what an operator copies from here: folded onto more lines, never cut short.
    table = Table("service", "running", "pid")
    table.add_column("address", no_wrap=True)  # a cluster's nodes differ by their port: never cut short
    table.add_column("data", overflow="fold")
    table.add_column("detail", overflow="fold")
    s = settings()
    rows = infra.local.status(s)
    for st in rows:
        data = str(st.data or "")
        table.add_row(st.name, "yes" if st.running else "no", str(st.pid or ""), st.address, data, st.detail)
    Console().print(table)
    # Fewer in-sync copies than copies: a broker is down or still catching up.
    kafka_runs = any(st.running and st.name.startswith(kafka.NAME) for st in rows)
    count = under_replicated(s) if kafka_runs else None
    Console().print(f"under-replicated partitions: {'unknown (Kafka does not answer)' if count is None else count}")


@topics_app.command("apply")
def apply(
    states: str = typer.Option("", help="Comma-separated state codes (default: every USPS code)."),
) -> None:
    """Create or update every topic the hub needs (idempotent)."""
    s = settings()
    codes = tuple(state_code(c) for c in states.split(",") if c.strip()) or USPS_CODES
    result = apply_topics(s.kafka, Topics(s.kafka.topic_prefix).specs(codes))
    console.print(f"topics: {result.created} created, {result.grown} grown, {result.unchanged} already right")
