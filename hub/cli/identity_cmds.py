"""``msix identity``: upkeep of the identity store."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from hub.cli.common import settings
from hub.config import Settings
from hub.store import db, identity_model, identity_reindex

identity_app = typer.Typer(
    help="Upkeep of the identity store: the matcher's model and blocking index.", no_args_is_help=True
)
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


@identity_app.command("fit")
def fit(
    limit: int = typer.Option(identity_model.LIMIT, min=1000, help="At most about this many identities read."),
    every: int = typer.Option(0, min=0, help="Fit again every this many seconds (0: once)."),
    as_json: bool = typer.Option(False, "--json", help="Print the new version and what it saw as JSON."),
) -> None:
    """Fit the matcher's model from the store (EM over the blocking's candidate pairs, the names'
    frequencies, the data admins' decisions) and keep it as a new version; workers run the newest
    from their next start."""
    s = settings()
    while True:
        version, seen = _fit_once(s, limit)
        if as_json:
            print(json.dumps({"version": version, **seen}))
        else:
            console.print(
                f"identity model v{version}: " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in seen.items())
            )
        if not every:
            return
        time.sleep(every)


def _fit_once(s: Settings, limit: int) -> tuple[int, dict[str, int]]:
    from hub.identity.training import fitted

    conn = db.connect(s.database)
    try:
        with conn.transaction():
            facts = identity_model.identities(conn, limit)
            decided = identity_model.decided(conn)
        model, seen = fitted(facts, decided)
        with conn.transaction():
            version = identity_model.save(conn, model, seen, datetime.now(UTC))
    finally:
        conn.close()
    return version, seen
