"""``msix identity``: upkeep of the identity store."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from hub.cli.common import settings
from hub.store import db, identity_reindex

identity_app = typer.Typer(help="Upkeep of the identity store (the matcher's blocking index).", no_args_is_help=True)
console = Console(stderr=True)


@identity_app.command("reindex")
def reindex(
    chunk: int = typer.Option(5000, min=100, max=100_000, help="Identities a transaction."),
) -> None:
    """Rewrite every stored identity's blocking keys as the matcher keys them now (after an upgrade
    that changed the keys). Safe beside running workers, and safe to run again."""
    from consumers.merge_worker import matcher_for

    s = settings()
    conn = db.connect(s.database)
    try:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("reindexing identities", total=None)
            done = identity_reindex.reindex(
                conn, matcher_for(s), chunk, lambda n, total: bar.update(task, completed=n, total=total)
            )
    finally:
        conn.close()
    console.print(f"reindexed the blocking keys of {done:,} identities")
