"""``msix infra up|down|status`` and ``msix topics apply``."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table

import infra.local
from hub.cli.common import settings, state_code
from hub.store import db
from producers.admin import apply_topics
from producers.topics import USPS_CODES, Topics

infra_app = typer.Typer(help="Local Kafka (KRaft) and PostgreSQL under $MSIX_HOME.", no_args_is_help=True)
topics_app = typer.Typer(help="The hub's Kafka topics.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@infra_app.command("up")
def up() -> None:
    """Start Kafka and PostgreSQL (if not running) and bring the database schema up to date."""
    s = settings()
    started = time.perf_counter()
    with console.status("starting Kafka and PostgreSQL..."):
        infra.local.up(s)
        db.migrate(s.database)
    console.print(
        f"[green]up[/] in {time.perf_counter() - started:.1f} s: Kafka {s.kafka.bootstrap}, "
        f"PostgreSQL port {s.database.port}"
    )


@infra_app.command("down")
def down() -> None:
    """Stop Kafka and PostgreSQL."""
    infra.local.down(settings())
    console.print("stopped")


@infra_app.command("status")
def status() -> None:
    """Show whether each local service runs."""
    table = Table("service", "running", "pid", "address", "detail")
    for st in infra.local.status(settings()):
        table.add_row(st.name, "yes" if st.running else "no", str(st.pid or ""), st.address, st.detail)
    Console().print(table)


@topics_app.command("apply")
def apply(
    states: str = typer.Option("", help="Comma-separated state codes (default: every USPS code)."),
) -> None:
    """Create or update every topic the hub needs (idempotent)."""
    s = settings()
    codes = tuple(state_code(c) for c in states.split(",") if c.strip()) or USPS_CODES
    result = apply_topics(s.kafka, Topics(s.kafka.topic_prefix).specs(codes))
    console.print(f"topics: {result.created} created, {result.grown} grown, {result.unchanged} already right")
